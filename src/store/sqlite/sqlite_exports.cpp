// The export engine's state machine and the Lightspeed links.
#include <nlohmann/json.hpp>
#include <optional>

#include "base/text.h"
#include "store/rules.h"
#include "store/sqlite/sqlite_store.h"

namespace store::sqlite {

Result<std::vector<DueStore>> SqliteStore::ListDueStores() {
  auto conn = pool_->Take();
  // The stores with queued orders one index step at a time (a store with 100,000 queued orders
  // costs what one with 5 does), each due when its soonest queued order is; then the stores
  // with a claim whose lease ran out, and those with due refunds.
  const std::string sql =
      // (Without INDEXED BY the planner walks orders_export_due: every queued order per step.)
      "WITH RECURSIVE q(store_id) AS (SELECT (SELECT MIN(store_id) FROM orders "
      "INDEXED BY orders_queued_by_store WHERE export_state = 'queued') UNION ALL "
      "SELECT (SELECT MIN(o.store_id) FROM orders o INDEXED BY orders_queued_by_store "
      "WHERE o.export_state = 'queued' AND o.store_id > q.store_id) FROM q "
      "WHERE q.store_id IS NOT NULL) "
      "SELECT d.store_id, COALESCE(ls.account_id, ''), MAX(d.refunds) FROM "
      "(SELECT store_id, 0 AS refunds FROM q "
      "WHERE store_id IS NOT NULL AND COALESCE((SELECT o.export_not_before FROM orders o "
      "INDEXED BY orders_queued_by_store WHERE o.export_state = 'queued' "
      "AND o.store_id = q.store_id "
      "ORDER BY o.export_not_before LIMIT 1), 0) <= ?1 "
      "UNION ALL SELECT store_id, 0 FROM orders WHERE export_state = 'exporting' AND "
      "COALESCE(export_lease_until, 0) < ?1"
      " UNION ALL SELECT o.store_id, 1 FROM refund_exports x JOIN orders o ON o.id = x.order_id "
      "WHERE (x.state = 'queued' AND x.not_before <= ?1) OR "
      "(x.state = 'sending' AND x.lease_until < ?1)"
      ") d LEFT JOIN lightspeed_settings ls ON ls.store_id = d.store_id "
      "GROUP BY d.store_id ORDER BY d.store_id";
  Stmt s(*conn, sql.c_str());
  s.Bind(1, NowSeconds());
  std::vector<DueStore> out;
  while (s.Step()) out.push_back({StoreId{s.Int(0)}, s.Text(1), s.Int(2) != 0});
  if (!s.status().ok()) return s.status().error();
  return out;
}

Result<std::vector<std::string>> SqliteStore::ListDueExports(StoreId store, int limit) {
  return ListDue("number", store, limit);
}

Result<std::vector<std::string>> SqliteStore::ListDueEmails(StoreId store, int limit) {
  return ListDue("email", store, limit);
}

Result<std::vector<std::string>> SqliteStore::ListDue(const char* column, StoreId store,
                                                      int limit) {
  auto conn = pool_->Take();
  // The queued orders and the lapsed claims, each from an index of its own: one query over
  // both states made the planner walk every order the store ever had (30 ms a call with 100,000
  // exported orders and 5 queued, against 1 ms).
  const std::string c = column;
  const std::string sql =
      "SELECT " + c + " FROM (SELECT " + c +
      ", queued_at, id FROM orders INDEXED BY orders_queued_by_store WHERE store_id = ?2 AND "
      "export_state = 'queued' AND COALESCE(export_not_before, 0) <= ?1 UNION ALL SELECT " +
      c +
      ", queued_at, id FROM orders WHERE store_id = ?2 AND export_state = 'exporting' AND "
      "COALESCE(export_lease_until, 0) < ?1) ORDER BY COALESCE(queued_at, 0), id LIMIT ?3";
  Stmt s(*conn, sql.c_str());
  s.Bind(1, NowSeconds()).Bind(2, store.value).Bind(3, static_cast<int64_t>(limit));
  std::vector<std::string> out;
  while (s.Step()) out.push_back(s.Text(0));
  if (!s.status().ok()) return s.status().error();
  return out;
}

Result<Store::Claimed> SqliteStore::ClaimExports(StoreId store,
                                                 const std::vector<std::string>& numbers,
                                                 const std::string& holder, base::Duration lease) {
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun().error();
  Claimed out;
  for (const std::string& n : numbers) {
    auto claim = ClaimIn(*conn, store, n, holder, lease);
    if (!claim.ok()) return claim.error();
    if (*claim) out.emplace_back(n, **claim);
  }
  if (auto c = txn.Commit(); !c.ok()) return c.error();
  return out;
}

Result<std::optional<ExportClaim>> SqliteStore::ClaimIn(Conn& conn, StoreId store,
                                                        const std::string& number,
                                                        const std::string& holder,
                                                        base::Duration lease) {
  const int64_t now = NowSeconds();
  Stmt s(conn,
         "UPDATE orders SET export_state = 'exporting', export_attempts = export_attempts + 1, "
         "export_fence = export_fence + 1, export_lease_holder = ?, export_lease_until = ?, "
         "updated_at = ? WHERE store_id = ? AND number = ? AND ("
         "(export_state = 'queued' AND COALESCE(export_not_before, 0) <= ?) OR "
         "(export_state = 'exporting' AND COALESCE(export_lease_until, 0) < ?)) "
         "RETURNING export_fence, export_attempts, export_maybe_sent");
  s.Bind(1, holder).Bind(2, Until(lease)).Bind(3, now).Bind(4, store.value);
  s.Bind(5, number).Bind(6, now).Bind(7, now);
  ExportClaim claim;
  const bool got = s.Step();
  if (!s.status().ok()) return s.status().error();
  if (!got) return std::optional<ExportClaim>();
  claim.fence = s.Int(0);
  claim.attempt = static_cast<int>(s.Int(1));
  claim.maybe_sent = s.Int(2) != 0;
  s.Step();  // finish the statement before committing
  if (!s.status().ok()) return s.status().error();
  return std::optional<ExportClaim>(claim);
}

Status SqliteStore::FencedUpdate(const std::string& sql, StoreId store, const std::string& number,
                                 int64_t fence, const std::function<void(Stmt&)>& bind,
                                 const ExportAttempt* attempt, bool durable) {
  auto conn = pool_->Take();
  std::optional<WriteTxn> txn;
  if (attempt) {
    txn.emplace(*conn);
    if (!txn->begun().ok()) return txn->begun();
    if (auto st = InsertAttempt(*conn, store, number, *attempt); !st.ok()) return st;
  }
  bool changed = false;
  {
    Stmt s(*conn, sql.c_str());
    bind(s);
    s.Step();
    if (!s.status().ok()) return s.status();
    changed = conn->Changes() != 0;
  }
  if (txn)
    if (auto c = txn->Commit(); !c.ok()) return c;  // the attempt is kept even when fenced
  if (!changed) return rules::Fenced(number);
  if (durable) return conn->SyncWal();
  return {};
}

Status SqliteStore::MarkSending(StoreId store, const std::string& number, int64_t fence,
                                base::Duration lease) {
  return FencedUpdate(
      "UPDATE orders SET export_maybe_sent = 1, export_lease_until = ?, updated_at = ? "
      "WHERE store_id = ? AND number = ? AND export_fence = ? AND export_state = 'exporting'",
      store, number, fence,
      [&](Stmt& s) {
        s.Bind(1, Until(lease)).Bind(2, NowSeconds()).Bind(3, store.value).Bind(4, number);
        s.Bind(5, fence);
      },
      nullptr, /*durable=*/true);
}

Status SqliteStore::CompleteExport(StoreId store, const std::string& number, int64_t fence,
                                   const std::string& sale_id, const std::vector<NotSent>& not_sent,
                                   std::optional<base::Money> sent_total,
                                   const ExportAttempt* attempt) {
  std::optional<int64_t> cents;
  if (sent_total) cents = sent_total->cents();
  return FencedUpdate(
      "UPDATE orders SET export_state = 'exported', sale_id = ?, exported_at = ?, "
      "export_message = NULL, not_sent = ?, export_maybe_sent = 0, export_lease_holder = NULL, "
      "export_lease_until = NULL, export_not_before = NULL, updated_at = ?, "
      "sent_total_cents = COALESCE(?, sent_total_cents) "
      "WHERE store_id = ? AND number = ? AND export_fence = ? AND export_state = 'exporting'",
      store, number, fence,
      [&](Stmt& s) {
        const int64_t now = NowSeconds();
        s.Bind(1, sale_id).Bind(2, now).Bind(3, rules::NotSentToText(not_sent)).Bind(4, now);
        s.Bind(5, cents).Bind(6, store.value).Bind(7, number).Bind(8, fence);
      },
      attempt);
}

Status SqliteStore::StopExport(StoreId store, const std::string& number, int64_t fence,
                               const std::string& message, const std::vector<NotSent>& not_sent,
                               const ExportAttempt* attempt) {
  return FencedUpdate(
      "UPDATE orders SET export_state = 'needs_attention', export_message = ?, not_sent = ?, "
      "export_lease_holder = NULL, export_lease_until = NULL, export_not_before = NULL, "
      "updated_at = ? WHERE store_id = ? AND number = ? AND export_fence = ? "
      "AND export_state = 'exporting'",
      store, number, fence,
      [&](Stmt& s) {
        s.Bind(1, rules::StoredMessage(message))
            .Bind(2, rules::NotSentToText(not_sent))
            .Bind(3, NowSeconds());
        s.Bind(4, store.value).Bind(5, number).Bind(6, fence);
      },
      attempt);
}

Status SqliteStore::RetryExportLater(StoreId store, const std::string& number, int64_t fence,
                                     base::Duration wait, const std::string& message,
                                     bool maybe_sent, const ExportAttempt* attempt) {
  return FencedUpdate(
      "UPDATE orders SET export_state = 'queued', export_message = ?, export_not_before = ?, "
      "export_maybe_sent = MAX(export_maybe_sent, ?), export_lease_holder = NULL, "
      "export_lease_until = NULL, updated_at = ? WHERE store_id = ? AND number = ? "
      "AND export_fence = ? AND export_state = 'exporting'",
      store, number, fence,
      [&](Stmt& s) {
        s.Bind(1, rules::StoredMessage(message))
            .Bind(2, Until(wait))
            .Bind(3, static_cast<int64_t>(maybe_sent));
        s.Bind(4, NowSeconds()).Bind(5, store.value).Bind(6, number).Bind(7, fence);
      },
      attempt);
}

Status SqliteStore::ReleaseExport(StoreId store, const std::string& number, int64_t fence,
                                  const std::string& message) {
  return FencedUpdate(
      "UPDATE orders SET export_state = 'queued', export_message = ?, export_not_before = NULL, "
      "export_attempts = MAX(export_attempts - 1, 0), export_lease_holder = NULL, "
      "export_lease_until = NULL, updated_at = ? WHERE store_id = ? AND number = ? "
      "AND export_fence = ? AND export_state = 'exporting'",
      store, number, fence, [&](Stmt& s) {
        s.Bind(1, rules::StoredMessage(message)).Bind(2, NowSeconds()).Bind(3, store.value);
        s.Bind(4, number).Bind(5, fence);
      });
}

Status SqliteStore::InsertAttempt(Conn& conn, StoreId store, const std::string& number,
                                  const ExportAttempt& a) {
  Stmt s(conn,
         "INSERT INTO export_attempts (order_id, n, started_at, finished_at, outcome, "
         "http_status, message, units, sent) SELECT id, ?, ?, ?, ?, ?, ?, ?, ? FROM orders "
         "WHERE store_id = ? AND number = ?");
  s.Bind(1, static_cast<int64_t>(a.n)).Bind(2, rules::Seconds(a.started_at));
  s.Bind(3, rules::Seconds(a.finished_at));
  s.Bind(4, Name(a.outcome))
      .Bind(5, static_cast<int64_t>(a.http_status))
      .Bind(6, rules::StoredMessage(a.message));
  s.Bind(7, a.units).Bind(8, base::ValidUtf8(a.sent)).Bind(9, store.value).Bind(10, number);
  s.Step();
  return s.status();
}

Result<std::map<std::string, std::string>> SqliteStore::GetLinks(StoreId store,
                                                                 const std::string& account,
                                                                 const std::string& kind) {
  auto conn = pool_->Take();
  Stmt s(*conn,
         "SELECT key, lightspeed_id FROM lightspeed_links WHERE store_id = ? AND account_id = ? "
         "AND kind = ?");
  s.Bind(1, store.value).Bind(2, account).Bind(3, kind);
  std::map<std::string, std::string> out;
  while (s.Step()) out[s.Text(0)] = s.Text(1);
  if (!s.status().ok()) return s.status().error();
  return out;
}

Result<std::map<std::string, std::string>> SqliteStore::GetLinksFor(
    StoreId store, const std::string& account, const std::string& kind,
    const std::vector<std::string>& keys) {
  std::map<std::string, std::string> out;
  if (keys.empty()) return out;
  auto conn = pool_->Take();
  // The keys as one JSON array: one statement (prepared once) whatever their number.
  Stmt s(*conn,
         "SELECT key, lightspeed_id FROM lightspeed_links WHERE store_id = ? AND account_id = ? "
         "AND kind = ? AND key IN (SELECT value FROM json_each(?))");
  s.Bind(1, store.value).Bind(2, account).Bind(3, kind).Bind(4, nlohmann::json(keys).dump());
  while (s.Step()) out[s.Text(0)] = s.Text(1);
  if (!s.status().ok()) return s.status().error();
  return out;
}

Status SqliteStore::PutLink(StoreId store, const std::string& account, const std::string& kind,
                            const std::string& key, const std::string& lightspeed_id) {
  auto conn = pool_->Take();
  return PutLinkOn(*conn, store, account, kind, key, lightspeed_id);
}

Status SqliteStore::PutLinkOn(Conn& conn, StoreId store, const std::string& account,
                              const std::string& kind, const std::string& key,
                              const std::string& lightspeed_id) {
  Stmt s(conn,
         "INSERT INTO lightspeed_links (store_id, account_id, kind, key, lightspeed_id, "
         "created_at) VALUES (?,?,?,?,?,?) ON CONFLICT (store_id, account_id, kind, key) "
         "DO UPDATE SET lightspeed_id = excluded.lightspeed_id");
  s.Bind(1, store.value).Bind(2, account).Bind(3, kind).Bind(4, key).Bind(5, lightspeed_id);
  s.Bind(6, NowSeconds());
  s.Step();
  return s.status();
}

}  // namespace store::sqlite
