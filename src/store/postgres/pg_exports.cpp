// The export engine's state machine and the Lightspeed links.
#include <nlohmann/json.hpp>

#include "base/text.h"
#include "store/postgres/pg_sql.h"
#include "store/postgres/pg_store.h"
#include "store/rules.h"

namespace store::postgres {
namespace {

const std::string kNow = kNowSql;

// What makes an order ready to work on ($1: the test clock's now, or NULL).
const std::string kDue = "((export_state = 'queued' AND COALESCE(export_not_before, 0) <= " + kNow +
                         ") OR (export_state = 'exporting' AND " +
                         "COALESCE(export_lease_until, 0) < " + kNow + "))";

}  // namespace

template <typename... Args>
Status PostgresStore::FencedUpdate(StoreId store, const std::string& number,
                                   const ExportAttempt* attempt, const std::string& sql,
                                   Args&&... args) {
  bool fenced = false;
  // Committed even when fenced: the history keeps the attempt (a fenced UPDATE changed nothing).
  auto st = pool_->Run([&](pqxx::work& w) -> Status {
    if (attempt) InsertAttempt(w, store, number, *attempt);
    fenced = w.exec_prepared0(Prepare(w, sql), std::forward<Args>(args)...).affected_rows() == 0;
    return {};
  });
  if (st.ok() && fenced) return rules::Fenced(number);
  return st;
}

Result<std::vector<DueStore>> PostgresStore::ListDueStores() {
  return pool_->Get<std::vector<DueStore>>([&](pqxx::work& w) -> Result<std::vector<DueStore>> {
    std::vector<DueStore> out;
    // As on SQLite: the stores with queued orders one index step at a time, each due when its
    // soonest queued order is; then expired claims and due refunds.
    for (const auto& row : w.exec_prepared(
             Prepare(w,
                     "WITH RECURSIVE q(store_id) AS (SELECT (SELECT MIN(store_id) FROM orders "
                     "WHERE export_state = 'queued') UNION ALL SELECT (SELECT MIN(o.store_id) FROM "
                     "orders o WHERE o.export_state = 'queued' AND o.store_id > q.store_id) FROM q "
                     "WHERE q.store_id IS NOT NULL) "
                     "SELECT d.store_id, COALESCE(MAX(ls.account_id), ''), BOOL_OR(d.refunds) FROM "
                     "(SELECT store_id, FALSE AS refunds FROM q "
                     "WHERE store_id IS NOT NULL AND COALESCE((SELECT o.export_not_before FROM "
                     "orders o "
                     "WHERE o.export_state = 'queued' AND o.store_id = q.store_id "
                     "ORDER BY o.export_not_before NULLS FIRST LIMIT 1), 0) <= " +
                         kNow +
                         " UNION ALL SELECT store_id, FALSE FROM orders WHERE export_state = "
                         "'exporting' "
                         "AND COALESCE(export_lease_until, 0) < " +
                         kNow +
                         " UNION ALL SELECT o.store_id, TRUE FROM refund_exports x JOIN orders o "
                         "ON o.id = x.order_id WHERE (x.state = 'queued' AND x.not_before <= " +
                         kNow + ") OR (x.state = 'sending' AND x.lease_until < " + kNow +
                         ")) d LEFT JOIN lightspeed_settings ls ON ls.store_id = d.store_id "
                         "GROUP BY d.store_id ORDER BY d.store_id"),
             ClockSeconds()))
      out.push_back({StoreId{row[0].as<int64_t>()}, row[1].as<std::string>(), row[2].as<bool>()});
    return out;
  });
}

Result<std::vector<std::string>> PostgresStore::ListDueExports(StoreId store, int limit) {
  return ListDue("number", store, limit);
}

Result<std::vector<std::string>> PostgresStore::ListDueEmails(StoreId store, int limit) {
  return ListDue("email", store, limit);
}

Result<std::vector<std::string>> PostgresStore::ListDue(const char* column, StoreId store,
                                                        int limit) {
  // A plain read: ClaimExport decides who gets each order, so nothing here needs locking.
  return pool_->Get<std::vector<std::string>>(
      [&](pqxx::work& w) -> Result<std::vector<std::string>> {
        std::vector<std::string> out;
        for (const auto& row :
             w.exec_prepared(Prepare(w, std::string("SELECT ") + column +
                                            " FROM orders WHERE store_id = $2 AND " + kDue +
                                            " ORDER BY COALESCE(queued_at, 0), id LIMIT $3"),
                             ClockSeconds(), store.value, static_cast<int64_t>(limit)))
          out.push_back(row[0].as<std::string>());
        return out;
      });
}

Result<Store::Claimed> PostgresStore::ClaimExports(StoreId store,
                                                   const std::vector<std::string>& numbers,
                                                   const std::string& holder,
                                                   base::Duration lease) {
  return pool_->Get<Claimed>([&](pqxx::work& w) -> Result<Claimed> {
    Claimed out;
    for (const std::string& n : numbers)
      if (auto claim = ClaimIn(w, store, n, holder, lease)) out.emplace_back(n, *claim);
    return out;
  });
}

std::optional<ExportClaim> PostgresStore::ClaimIn(pqxx::work& w, StoreId store,
                                                  const std::string& number,
                                                  const std::string& holder, base::Duration lease) {
  // One statement. The row is locked FOR UPDATE SKIP LOCKED: a rival in the middle of claiming
  // it makes this claim answer "not due" at once instead of waiting for the rival's commit; a
  // rival that committed first left a row that is no longer due (checked again under the lock).
  auto r = w.exec_prepared(
      Prepare(
          w,
          "UPDATE orders SET export_state = 'exporting', export_attempts = export_attempts + 1, "
          "export_fence = export_fence + 1, export_lease_holder = $2, export_lease_until = " +
              UntilSql(3, 4) + ", updated_at = " + kNow +
              " WHERE id = (SELECT id FROM orders WHERE store_id = $5 AND number = $6 AND " + kDue +
              " FOR UPDATE SKIP LOCKED) RETURNING export_fence, export_attempts, "
              "export_maybe_sent"),
      ClockSeconds(), holder, ClockUntil(lease), Micros(lease), store.value, number);
  if (r.empty()) return std::nullopt;
  ExportClaim claim;
  claim.fence = r[0][0].as<int64_t>();
  claim.attempt = r[0][1].as<int>();
  claim.maybe_sent = r[0][2].as<bool>();
  return claim;
}

Status PostgresStore::MarkSending(StoreId store, const std::string& number, int64_t fence,
                                  base::Duration lease) {
  return FencedUpdate(store, number, nullptr,
                      "UPDATE orders SET export_maybe_sent = TRUE, export_lease_until = " +
                          UntilSql(2, 3) + ", updated_at = " + kNow +
                          " WHERE store_id = $4 AND number = $5 AND export_fence = $6 "
                          "AND export_state = 'exporting'",
                      ClockSeconds(), ClockUntil(lease), Micros(lease), store.value, number, fence);
}

Status PostgresStore::CompleteExport(StoreId store, const std::string& number, int64_t fence,
                                     const std::string& sale_id,
                                     const std::vector<NotSent>& not_sent,
                                     std::optional<base::Money> sent_total,
                                     const ExportAttempt* attempt) {
  return FencedUpdate(
      store, number, attempt,
      "UPDATE orders SET export_state = 'exported', sale_id = $2, exported_at = " + kNow +
          ", export_message = NULL, not_sent = $3, export_maybe_sent = FALSE, "
          "export_lease_holder = NULL, export_lease_until = NULL, export_not_before = NULL, "
          "sent_total_cents = CASE WHEN $7::boolean THEN $8::bigint ELSE sent_total_cents END, "
          "updated_at = " +
          kNow +
          " WHERE store_id = $4 AND number = $5 AND export_fence = $6 "
          "AND export_state = 'exporting'",
      ClockSeconds(), sale_id, rules::NotSentToText(not_sent), store.value, number, fence,
      sent_total.has_value(), sent_total ? sent_total->cents() : 0);
}

Status PostgresStore::StopExport(StoreId store, const std::string& number, int64_t fence,
                                 const std::string& message, const std::vector<NotSent>& not_sent,
                                 const ExportAttempt* attempt) {
  return FencedUpdate(
      store, number, attempt,
      "UPDATE orders SET export_state = 'needs_attention', export_message = $2, not_sent = $3, "
      "export_lease_holder = NULL, export_lease_until = NULL, export_not_before = NULL, "
      "updated_at = " +
          kNow +
          " WHERE store_id = $4 AND number = $5 AND export_fence = $6 "
          "AND export_state = 'exporting'",
      ClockSeconds(), rules::StoredMessage(message), rules::NotSentToText(not_sent), store.value,
      number, fence);
}

Status PostgresStore::RetryExportLater(StoreId store, const std::string& number, int64_t fence,
                                       base::Duration wait, const std::string& message,
                                       bool maybe_sent, const ExportAttempt* attempt) {
  return FencedUpdate(
      store, number, attempt,
      "UPDATE orders SET export_state = 'queued', export_message = $2, export_not_before = " +
          UntilSql(3, 4) +
          ", export_maybe_sent = export_maybe_sent OR $5::boolean, export_lease_holder = NULL, "
          "export_lease_until = NULL, updated_at = " +
          kNow +
          " WHERE store_id = $6 AND number = $7 AND export_fence = $8 "
          "AND export_state = 'exporting'",
      ClockSeconds(), rules::StoredMessage(message), ClockUntil(wait), Micros(wait), maybe_sent,
      store.value, number, fence);
}

Status PostgresStore::ReleaseExport(StoreId store, const std::string& number, int64_t fence,
                                    const std::string& message) {
  return FencedUpdate(store, number, nullptr,
                      "UPDATE orders SET export_state = 'queued', export_message = $2, "
                      "export_not_before = NULL, export_attempts = GREATEST(export_attempts - 1, "
                      "0), export_lease_holder = NULL, export_lease_until = NULL, updated_at = " +
                          kNow +
                          " WHERE store_id = $3 AND number = $4 AND export_fence = $5 "
                          "AND export_state = 'exporting'",
                      ClockSeconds(), rules::StoredMessage(message), store.value, number, fence);
}

void PostgresStore::InsertAttempt(pqxx::work& w, StoreId store, const std::string& number,
                                  const ExportAttempt& a) {
  w.exec_prepared0(
      Prepare(w,
              "INSERT INTO export_attempts (order_id, n, started_at, finished_at, outcome, "
              "http_status, message, units, sent) SELECT id, $1::integer, $2::bigint, $3::bigint, "
              "$4::text, $5::integer, $6::text, $7::double precision, $8::text FROM orders "
              "WHERE store_id = $9 AND number = $10"),
      a.n, rules::Seconds(a.started_at), rules::Seconds(a.finished_at), Name(a.outcome),
      a.http_status, rules::StoredMessage(a.message), a.units, base::ValidUtf8(a.sent), store.value,
      number);
}

Result<std::map<std::string, std::string>> PostgresStore::GetLinks(StoreId store,
                                                                   const std::string& account,
                                                                   const std::string& kind) {
  using Links = std::map<std::string, std::string>;
  return pool_->Get<Links>([&](pqxx::work& w) -> Result<Links> {
    Links out;
    for (const auto& row : w.exec_prepared(
             Prepare(w,
                     "SELECT key, lightspeed_id FROM lightspeed_links WHERE store_id = $1 AND "
                     "account_id = $2 AND kind = $3"),
             store.value, account, kind))
      out[row[0].as<std::string>()] = row[1].as<std::string>();
    return out;
  });
}

Result<std::map<std::string, std::string>> PostgresStore::GetLinksFor(
    StoreId store, const std::string& account, const std::string& kind,
    const std::vector<std::string>& keys) {
  using Links = std::map<std::string, std::string>;
  if (keys.empty()) return Links{};
  return pool_->Get<Links>([&](pqxx::work& w) -> Result<Links> {
    Links out;
    // The keys as one JSON array: one prepared statement whatever their number.
    for (const auto& row : w.exec_prepared(
             Prepare(w,
                     "SELECT key, lightspeed_id FROM lightspeed_links WHERE store_id = $1 AND "
                     "account_id = $2 AND kind = $3 AND key IN "
                     "(SELECT jsonb_array_elements_text($4::jsonb))"),
             store.value, account, kind, nlohmann::json(keys).dump()))
      out[row[0].as<std::string>()] = row[1].as<std::string>();
    return out;
  });
}

Status PostgresStore::PutLink(StoreId store, const std::string& account, const std::string& kind,
                              const std::string& key, const std::string& lightspeed_id) {
  return pool_->Run([&](pqxx::work& w) -> Status {
    w.exec_prepared0(
        Prepare(w,
                "INSERT INTO lightspeed_links (store_id, account_id, kind, key, lightspeed_id, "
                "created_at) VALUES ($2, $3, $4, $5, $6, " +
                    kNow +
                    ") ON CONFLICT (store_id, account_id, kind, key) "
                    "DO UPDATE SET lightspeed_id = excluded.lightspeed_id"),
        ClockSeconds(), store.value, account, kind, key, lightspeed_id);
    return {};
  });
}

}  // namespace store::postgres
