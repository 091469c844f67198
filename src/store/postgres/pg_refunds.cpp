// Refunds sent to Lightspeed (issue 15): each refund export's claim, fence and states.
#include "store/postgres/pg_sql.h"
#include "store/postgres/pg_store.h"
#include "store/rules.h"

namespace store::postgres {
namespace {

const std::string kNow = kNowSql;

// What makes a refund export ready to work on ($1: the test clock's now, or NULL).
const std::string kRefundDue = "((x.state = 'queued' AND x.not_before <= " + kNow +
                               ") OR (x.state = 'sending' AND x.lease_until < " + kNow + "))";

const std::string kRefundColumns =
    "o.number, x.refund_id, x.state, x.attempts, x.maybe_sent, x.sale_id, x.message, "
    "x.queued_at, x.sent_at";

RefundExport ReadRefund(const pqxx::row& row) {
  RefundExport r;
  r.number = row[0].as<std::string>();
  r.refund_id = row[1].as<std::string>();
  (void)Parse(row[2].as<std::string>(), &r.state);
  r.attempts = row[3].as<int>();
  r.maybe_sent = row[4].as<bool>();
  r.sale_id = row[5].as<std::string>();
  r.message = row[6].as<std::string>();
  r.queued_at = rules::FromSeconds(row[7].as<int64_t>());
  if (auto at = OptInt(row[8])) r.sent_at = rules::FromSeconds(*at);
  return r;
}

// The order a transition names: $2 store, $3 number, $4 refund id, $5 fence.
const std::string kFencedRefund =
    " WHERE refund_id = $4 AND fence = $5 AND state = 'sending' AND order_id = "
    "(SELECT id FROM orders WHERE store_id = $2 AND number = $3)";

}  // namespace

void PostgresStore::QueueRefundExports(pqxx::work& w, int64_t order_id,
                                       const std::vector<std::string>& refund_ids) {
  if (refund_ids.empty()) return;
  w.exec_prepared0(Prepare(w,
                           "INSERT INTO refund_exports (order_id, refund_id, queued_at) "
                           "SELECT r.order_id, r.refund_id, " +
                               kNow +
                               " FROM order_refunds r JOIN orders o ON o.id = r.order_id "
                               "JOIN lightspeed_settings ls ON ls.store_id = o.store_id "
                               "WHERE r.order_id = $2 AND r.refund_id = ANY($3::text[]) "
                               "AND o.export_state = 'exported' AND ls.refunds = 'send' "
                               "AND r.at >= COALESCE(o.exported_at, 0) ORDER BY r.idx "
                               "ON CONFLICT (order_id, refund_id) DO NOTHING"),
                   ClockSeconds(), order_id, TextArray(refund_ids));
}

template <typename... Args>
Status PostgresStore::RefundUpdate(const std::string& number, const std::string& refund_id,
                                   const std::string& sql, Args&&... args) {
  return pool_->Run([&](pqxx::work& w) -> Status {
    auto r = w.exec_prepared0(Prepare(w, sql), std::forward<Args>(args)...);
    if (r.affected_rows() == 0) return rules::RefundFenced(number, refund_id);
    return {};
  });
}

Result<std::vector<RefundExport>> PostgresStore::ListRefundExports(StoreId store,
                                                                   const std::string& number) {
  return pool_->Get<std::vector<RefundExport>>([&](pqxx::work& w)
                                                   -> Result<std::vector<RefundExport>> {
    std::vector<RefundExport> out;
    for (const auto& row : w.exec_prepared(
             Prepare(w, "SELECT " + kRefundColumns +
                            " FROM refund_exports x JOIN orders o ON o.id = x.order_id "
                            "WHERE o.store_id = $1 AND o.number = $2 ORDER BY x.queued_at, x.seq"),
             store.value, number))
      out.push_back(ReadRefund(row));
    return out;
  });
}

Result<std::vector<RefundExport>> PostgresStore::ListDueRefunds(StoreId store, int limit) {
  return pool_->Get<std::vector<RefundExport>>(
      [&](pqxx::work& w) -> Result<std::vector<RefundExport>> {
        std::vector<RefundExport> out;
        for (const auto& row : w.exec_prepared(
                 Prepare(w, "SELECT " + kRefundColumns +
                                " FROM refund_exports x JOIN orders o ON o.id = x.order_id "
                                "WHERE o.store_id = $2 AND " +
                                kRefundDue + " ORDER BY x.queued_at, x.seq LIMIT $3"),
                 ClockSeconds(), store.value, static_cast<int64_t>(limit)))
          out.push_back(ReadRefund(row));
        return out;
      });
}

Result<std::vector<RefundExport>> PostgresStore::ListStoppedRefunds(StoreId store, int limit) {
  return pool_->Get<std::vector<RefundExport>>(
      [&](pqxx::work& w) -> Result<std::vector<RefundExport>> {
        std::vector<RefundExport> out;
        for (const auto& row : w.exec_prepared(
                 Prepare(w, "SELECT " + kRefundColumns +
                                " FROM refund_exports x JOIN orders o ON o.id = x.order_id "
                                "WHERE o.store_id = $1 AND x.state = 'needs_attention' "
                                "ORDER BY x.queued_at, x.seq LIMIT $2"),
                 store.value, static_cast<int64_t>(limit)))
          out.push_back(ReadRefund(row));
        return out;
      });
}

Result<RefundClaim> PostgresStore::ClaimRefund(StoreId store, const std::string& number,
                                               const std::string& refund_id, base::Duration lease) {
  return pool_->Get<RefundClaim>([&](pqxx::work& w) -> Result<RefundClaim> {
    auto r = w.exec_prepared(
        Prepare(w,
                "UPDATE refund_exports SET state = 'sending', attempts = attempts + 1, "
                "fence = fence + 1, lease_until = " +
                    UntilSql(2, 3) +
                    " WHERE (order_id, refund_id) = (SELECT x.order_id, x.refund_id FROM "
                    "refund_exports x "
                    "JOIN orders o ON o.id = x.order_id WHERE o.store_id = $4 AND o.number = $5 "
                    "AND x.refund_id = $6 AND " +
                    kRefundDue +
                    " FOR UPDATE OF x SKIP LOCKED) RETURNING fence, attempts, maybe_sent"),
        ClockSeconds(), ClockUntil(lease), Micros(lease), store.value, number, refund_id);
    if (r.empty()) return rules::RefundNotDue(number, refund_id);
    return RefundClaim{r[0][0].as<int64_t>(), r[0][1].as<int>(), r[0][2].as<bool>()};
  });
}

Status PostgresStore::MarkRefundSending(StoreId store, const std::string& number,
                                        const std::string& refund_id, int64_t fence) {
  return RefundUpdate(
      number, refund_id,
      "UPDATE refund_exports SET maybe_sent = TRUE, lease_until = GREATEST(lease_until, " + kNow +
          ")" + kFencedRefund,
      ClockSeconds(), store.value, number, refund_id, fence);
}

Status PostgresStore::CompleteRefund(StoreId store, const std::string& number,
                                     const std::string& refund_id, int64_t fence,
                                     const std::string& sale_id) {
  return RefundUpdate(number, refund_id,
                      "UPDATE refund_exports SET state = 'sent', sale_id = $6, message = '', "
                      "sent_at = " +
                          kNow + kFencedRefund,
                      ClockSeconds(), store.value, number, refund_id, fence, sale_id);
}

Status PostgresStore::StopRefund(StoreId store, const std::string& number,
                                 const std::string& refund_id, int64_t fence,
                                 const std::string& message) {
  return RefundUpdate(
      number, refund_id,
      "UPDATE refund_exports SET state = 'needs_attention', message = $6, lease_until = " + kNow +
          kFencedRefund,
      ClockSeconds(), store.value, number, refund_id, fence, message);
}

Status PostgresStore::RetryRefundLater(StoreId store, const std::string& number,
                                       const std::string& refund_id, int64_t fence,
                                       base::Duration wait, const std::string& message,
                                       bool maybe_sent) {
  return RefundUpdate(number, refund_id,
                      "UPDATE refund_exports SET state = 'queued', not_before = " + UntilSql(6, 7) +
                          ", message = $8, maybe_sent = $9, lease_until = " + kNow + kFencedRefund,
                      ClockSeconds(), store.value, number, refund_id, fence, ClockUntil(wait),
                      Micros(wait), message, maybe_sent);
}

Status PostgresStore::RequeueRefund(StoreId store, const std::string& number,
                                    const std::string& refund_id) {
  return pool_->Run([&](pqxx::work& w) -> Status {
    auto r = w.exec_prepared0(
        Prepare(w,
                "UPDATE refund_exports SET state = 'queued', not_before = 0, message = '' "
                "WHERE refund_id = $3 AND state = 'needs_attention' AND order_id = "
                "(SELECT id FROM orders WHERE store_id = $1 AND number = $2)"),
        store.value, number, refund_id);
    if (r.affected_rows() == 0) return rules::RefundNotDue(number, refund_id);
    return {};
  });
}

}  // namespace store::postgres
