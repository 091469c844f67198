// Reconciliation (reconcile.h): the sales spoke recorded, and the kept runs. Tables: migration 8.
#include <chrono>
#include <string>

#include "store/postgres/pg_store.h"
#include "store/reconcile_text.h"
#include "store/rules.h"

namespace store::postgres {
namespace {

using rules::Seconds;

// Exported orders' sales, and the refund sales spoke sent for them ("{number}-R{refund}", paying
// the refund's amount out). $1: the store.
constexpr const char* kExpectedSelect =
    "SELECT number, reference, sale_id, total, exported_at FROM ("
    "SELECT number, number AS reference, sale_id, sent_total_cents AS total, exported_at, id "
    "FROM orders WHERE store_id = $1 AND export_state = 'exported' AND sale_id IS NOT NULL "
    "UNION ALL SELECT o.number, o.number || '-R' || x.refund_id, x.sale_id, -r.amount_cents, "
    "x.sent_at, o.id FROM refund_exports x JOIN orders o ON o.id = x.order_id "
    "JOIN order_refunds r ON r.order_id = x.order_id AND r.refund_id = x.refund_id "
    "WHERE o.store_id = $1 AND x.state = 'sent') e WHERE TRUE ";

ExpectedSale ReadExpected(const pqxx::row& row) {
  ExpectedSale e;
  e.order_number = row[0].as<std::string>();
  e.reference = row[1].as<std::string>();
  e.sale_id = row[2].as<std::string>();
  if (!row[3].is_null()) e.total = base::Money::FromCents(row[3].as<int64_t>());
  e.exported_at = rules::FromSeconds(row[4].as<int64_t>());
  return e;
}

}  // namespace

Result<std::vector<ExpectedSale>> PostgresStore::ListExpectedSales(StoreId store,
                                                                   base::TimePoint from,
                                                                   base::TimePoint to) {
  const std::string sql = std::string(kExpectedSelect) +
                          "AND exported_at >= $2 AND exported_at < $3 ORDER BY exported_at, id";
  return pool_->Get<std::vector<ExpectedSale>>(
      [&](pqxx::work& w) -> Result<std::vector<ExpectedSale>> {
        std::vector<ExpectedSale> out;
        for (const auto& row : w.exec_params(sql, store.value, Seconds(from), Seconds(to)))
          out.push_back(ReadExpected(row));
        return out;
      });
}

Result<std::vector<ExpectedSale>> PostgresStore::FindExpectedSales(
    StoreId store, const std::vector<std::string>& references,
    const std::vector<std::string>& sale_ids) {
  return pool_->Get<std::vector<ExpectedSale>>(
      [&](pqxx::work& w) -> Result<std::vector<ExpectedSale>> {
        std::vector<ExpectedSale> out;
        auto add = [&](const pqxx::result& r) {
          for (const auto& row : r) {
            ExpectedSale e = ReadExpected(row);
            bool seen = false;
            for (const auto& o : out) seen = seen || o.reference == e.reference;
            if (!seen) out.push_back(std::move(e));
          }
        };
        for (const std::string& v : references)
          add(w.exec_params(std::string(kExpectedSelect) + "AND reference = $2", store.value, v));
        for (const std::string& v : sale_ids)
          add(w.exec_params(std::string(kExpectedSelect) + "AND sale_id = $2", store.value, v));
        return out;
      });
}

Result<int64_t> PostgresStore::SaveReconcileRun(const ReconcileRun& run) {
  return pool_->Get<int64_t>([&](pqxx::work& w) -> Result<int64_t> {
    const pqxx::result r = w.exec_params(
        "INSERT INTO reconcile_runs (store_id, window_from, window_to, started_at, finished_at, "
        "run_kind, ok, message, requests, differences) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
        "$9, $10) RETURNING id",
        run.store.value, Seconds(run.from), Seconds(run.to), Seconds(run.started_at),
        Seconds(run.finished_at), run.run_kind, run.ok, rules::StoredMessage(run.message),
        run.requests, rules::DifferencesToText(run.differences));
    const int64_t id = r[0][0].as<int64_t>();
    w.exec_params(
        "DELETE FROM reconcile_runs WHERE store_id = $1 AND id NOT IN (SELECT id FROM "
        "reconcile_runs WHERE store_id = $1 ORDER BY id DESC LIMIT $2)",
        run.store.value, rules::kKeptReconcileRuns);
    return id;
  });
}

Result<std::optional<ReconcileRun>> PostgresStore::LastReconcileRun(StoreId store,
                                                                    const std::string& run_kind) {
  return pool_->Get<std::optional<ReconcileRun>>(
      [&](pqxx::work& w) -> Result<std::optional<ReconcileRun>> {
        const pqxx::result r = w.exec_params(
            "SELECT id, window_from, window_to, started_at, finished_at, run_kind, ok, message, "
            "requests, differences FROM reconcile_runs WHERE store_id = $1 AND ($2 = '' OR "
            "run_kind = $2) ORDER BY id DESC LIMIT 1",
            store.value, run_kind);
        if (r.empty()) return std::optional<ReconcileRun>();
        const pqxx::row row = r[0];
        ReconcileRun run;
        run.id = row[0].as<int64_t>();
        run.store = store;
        run.from = rules::FromSeconds(row[1].as<int64_t>());
        run.to = rules::FromSeconds(row[2].as<int64_t>());
        run.started_at = rules::FromSeconds(row[3].as<int64_t>());
        run.finished_at = rules::FromSeconds(row[4].as<int64_t>());
        run.run_kind = row[5].as<std::string>();
        run.ok = row[6].as<bool>();
        run.message = row[7].as<std::string>();
        run.requests = row[8].as<int>();
        run.differences = rules::DifferencesFromText(row[9].as<std::string>());
        return std::optional<ReconcileRun>(std::move(run));
      });
}

Result<bool> PostgresStore::ClaimDailyReconcile(StoreId store, const std::string& day,
                                                const std::string& node) {
  return pool_->Get<bool>([&](pqxx::work& w) -> Result<bool> {
    const pqxx::result r = w.exec_params(
        "INSERT INTO reconcile_daily (store_id, day, node) VALUES ($1, $2, $3) "
        "ON CONFLICT (store_id, day) DO NOTHING",
        store.value, day, node);
    return r.affected_rows() == 1;
  });
}

}  // namespace store::postgres
