// Reconciliation (reconcile.h): the sales spoke recorded, and the kept runs.
#include <chrono>

#include "store/reconcile_text.h"
#include "store/rules.h"
#include "store/sqlite/sqlite_store.h"

namespace store::sqlite {
namespace {

using rules::Seconds;

// Exported orders' sales, and the refund sales spoke sent for them ("{number}-R{refund}", paying
// the refund's amount out). ?1: the store.
constexpr const char* kExpectedSelect =
    "SELECT number, reference, sale_id, total, exported_at FROM ("
    "SELECT number, number AS reference, sale_id, sent_total_cents AS total, exported_at, id "
    "FROM orders WHERE store_id = ?1 AND export_state = 'exported' AND sale_id IS NOT NULL "
    "UNION ALL SELECT o.number, o.number || '-R' || x.refund_id, x.sale_id, -r.amount_cents, "
    "x.sent_at, o.id FROM refund_exports x JOIN orders o ON o.id = x.order_id "
    "JOIN order_refunds r ON r.order_id = x.order_id AND r.refund_id = x.refund_id "
    "WHERE o.store_id = ?1 AND x.state = 'sent') WHERE 1 ";

ExpectedSale ReadExpected(const Stmt& s) {
  ExpectedSale e;
  e.order_number = s.Text(0);
  e.reference = s.Text(1);
  e.sale_id = s.Text(2);
  if (auto c = s.OptInt(3)) e.total = base::Money::FromCents(*c);
  e.exported_at = rules::FromSeconds(s.Int(4));
  return e;
}

}  // namespace

Result<std::vector<ExpectedSale>> SqliteStore::ListExpectedSales(StoreId store,
                                                                 base::TimePoint from,
                                                                 base::TimePoint to) {
  auto conn = pool_->Take();
  const std::string sql = std::string(kExpectedSelect) +
                          "AND exported_at >= ? AND exported_at < ? ORDER BY exported_at, id";
  Stmt s(*conn, sql.c_str());
  s.Bind(1, store.value).Bind(2, Seconds(from)).Bind(3, Seconds(to));
  std::vector<ExpectedSale> out;
  while (s.Step()) out.push_back(ReadExpected(s));
  if (!s.status().ok()) return s.status().error();
  return out;
}

Result<std::vector<ExpectedSale>> SqliteStore::FindExpectedSales(
    StoreId store, const std::vector<std::string>& references,
    const std::vector<std::string>& sale_ids) {
  std::vector<ExpectedSale> out;
  auto conn = pool_->Take();
  for (const auto* values : {&references, &sale_ids}) {
    const bool by_reference = values == &references;
    for (const std::string& v : *values) {
      const std::string sql =
          std::string(kExpectedSelect) + (by_reference ? "AND reference = ?" : "AND sale_id = ?");
      Stmt s(*conn, sql.c_str());
      s.Bind(1, store.value).Bind(2, v);
      while (s.Step()) {
        ExpectedSale e = ReadExpected(s);
        bool seen = false;
        for (const auto& o : out) seen = seen || o.reference == e.reference;
        if (!seen) out.push_back(std::move(e));
      }
      if (!s.status().ok()) return s.status().error();
    }
  }
  return out;
}

Result<int64_t> SqliteStore::SaveReconcileRun(const ReconcileRun& run) {
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun().error();
  Stmt s(*conn,
         "INSERT INTO reconcile_runs (store_id, window_from, window_to, started_at, finished_at, "
         "run_kind, ok, message, requests, differences) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
         "RETURNING id");
  s.Bind(1, run.store.value)
      .Bind(2, Seconds(run.from))
      .Bind(3, Seconds(run.to))
      .Bind(4, Seconds(run.started_at))
      .Bind(5, Seconds(run.finished_at))
      .Bind(6, run.run_kind)
      .Bind(7, static_cast<int64_t>(run.ok ? 1 : 0))
      .Bind(8, rules::StoredMessage(run.message))
      .Bind(9, static_cast<int64_t>(run.requests))
      .Bind(10, rules::DifferencesToText(run.differences));
  if (!s.Step()) return s.status().ok() ? base::Internal("no id for the run") : s.status().error();
  const int64_t id = s.Int(0);
  s.Step();
  Stmt prune(*conn,
             "DELETE FROM reconcile_runs WHERE store_id = ?1 AND id NOT IN (SELECT id FROM "
             "reconcile_runs WHERE store_id = ?1 ORDER BY id DESC LIMIT ?2)");
  prune.Bind(1, run.store.value).Bind(2, static_cast<int64_t>(rules::kKeptReconcileRuns));
  prune.Step();
  if (!prune.status().ok()) return prune.status().error();
  if (auto c = txn.Commit(); !c.ok()) return c.error();
  return id;
}

Result<std::optional<ReconcileRun>> SqliteStore::LastReconcileRun(StoreId store,
                                                                  const std::string& run_kind) {
  auto conn = pool_->Take();
  Stmt s(*conn,
         "SELECT id, window_from, window_to, started_at, finished_at, run_kind, ok, message, "
         "requests, differences FROM reconcile_runs WHERE store_id = ? AND (? = '' OR "
         "run_kind = ?) ORDER BY id DESC LIMIT 1");
  s.Bind(1, store.value).Bind(2, run_kind).Bind(3, run_kind);
  if (!s.Step()) {
    if (!s.status().ok()) return s.status().error();
    return std::optional<ReconcileRun>();
  }
  ReconcileRun r;
  r.id = s.Int(0);
  r.store = store;
  r.from = rules::FromSeconds(s.Int(1));
  r.to = rules::FromSeconds(s.Int(2));
  r.started_at = rules::FromSeconds(s.Int(3));
  r.finished_at = rules::FromSeconds(s.Int(4));
  r.run_kind = s.Text(5);
  r.ok = s.Int(6) != 0;
  r.message = s.Text(7);
  r.requests = static_cast<int>(s.Int(8));
  r.differences = rules::DifferencesFromText(s.Text(9));
  return std::optional<ReconcileRun>(std::move(r));
}

Result<bool> SqliteStore::ClaimDailyReconcile(StoreId store, const std::string& day,
                                              const std::string& node) {
  auto conn = pool_->Take();
  Stmt s(*conn,
         "INSERT INTO reconcile_daily (store_id, day, node) VALUES (?, ?, ?) "
         "ON CONFLICT (store_id, day) DO NOTHING");
  s.Bind(1, store.value).Bind(2, day).Bind(3, node);
  s.Step();
  if (!s.status().ok()) return s.status().error();
  return sqlite3_changes(conn->get()) == 1;
}

}  // namespace store::sqlite
