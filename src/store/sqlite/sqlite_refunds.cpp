// Refunds sent to Lightspeed (issue 15): each refund export's claim, fence and states.
#include "store/rules.h"
#include "store/sqlite/sqlite_store.h"

namespace store::sqlite {
namespace {

using rules::FromSeconds;

// What makes a refund export ready to work on (?1: now, in seconds).
const char* const kRefundDue =
    "((x.state = 'queued' AND x.not_before <= ?1) OR (x.state = 'sending' AND x.lease_until < ?1))";

const char* const kRefundColumns =
    "o.number, x.refund_id, x.state, x.attempts, x.maybe_sent, x.sale_id, x.message, "
    "x.queued_at, x.sent_at";

RefundExport ReadRefund(const Stmt& s) {
  RefundExport r;
  r.number = s.Text(0);
  r.refund_id = s.Text(1);
  (void)Parse(s.Text(2), &r.state);
  r.attempts = static_cast<int>(s.Int(3));
  r.maybe_sent = s.Int(4) != 0;
  r.sale_id = s.Text(5);
  r.message = s.Text(6);
  r.queued_at = FromSeconds(s.Int(7));
  if (auto at = s.OptInt(8)) r.sent_at = FromSeconds(*at);
  return r;
}

}  // namespace

Status SqliteStore::QueueRefundExports(Conn& conn, int64_t order_id,
                                       const std::vector<std::string>& refund_ids) {
  Stmt s(conn,
         "INSERT INTO refund_exports (order_id, refund_id, queued_at) "
         "SELECT r.order_id, r.refund_id, ? FROM order_refunds r "
         "JOIN orders o ON o.id = r.order_id "
         "JOIN lightspeed_settings ls ON ls.store_id = o.store_id "
         "WHERE r.order_id = ? AND r.refund_id = ? "
         "AND o.export_state = 'exported' AND ls.refunds = 'send' "
         "AND r.at >= COALESCE(o.exported_at, 0) "
         "ON CONFLICT (order_id, refund_id) DO NOTHING");
  for (const std::string& id : refund_ids) {
    s.Reset();
    s.Bind(1, NowSeconds()).Bind(2, order_id).Bind(3, id);
    s.Step();
    if (!s.status().ok()) return s.status();
  }
  return {};
}

Result<std::vector<RefundExport>> SqliteStore::ListRefundExports(StoreId store,
                                                                 const std::string& number) {
  auto conn = pool_->Take();
  Stmt s(*conn, (std::string("SELECT ") + kRefundColumns +
                 " FROM refund_exports x JOIN orders o ON o.id = x.order_id "
                 "WHERE o.store_id = ? AND o.number = ? ORDER BY x.queued_at, x.rowid")
                    .c_str());
  s.Bind(1, store.value).Bind(2, number);
  std::vector<RefundExport> out;
  while (s.Step()) out.push_back(ReadRefund(s));
  if (!s.status().ok()) return s.status().error();
  return out;
}

Result<std::vector<RefundExport>> SqliteStore::ListDueRefunds(StoreId store, int limit) {
  auto conn = pool_->Take();
  Stmt s(*conn, (std::string("SELECT ") + kRefundColumns +
                 " FROM refund_exports x JOIN orders o ON o.id = x.order_id "
                 "WHERE o.store_id = ?2 AND " +
                 kRefundDue + " ORDER BY x.queued_at, x.rowid LIMIT ?3")
                    .c_str());
  s.Bind(1, NowSeconds()).Bind(2, store.value).Bind(3, static_cast<int64_t>(limit));
  std::vector<RefundExport> out;
  while (s.Step()) out.push_back(ReadRefund(s));
  if (!s.status().ok()) return s.status().error();
  return out;
}

Result<std::vector<RefundExport>> SqliteStore::ListStoppedRefunds(StoreId store, int limit) {
  auto conn = pool_->Take();
  Stmt s(*conn, (std::string("SELECT ") + kRefundColumns +
                 " FROM refund_exports x JOIN orders o ON o.id = x.order_id "
                 "WHERE o.store_id = ? AND x.state = 'needs_attention' "
                 "ORDER BY x.queued_at, x.rowid LIMIT ?")
                    .c_str());
  s.Bind(1, store.value).Bind(2, static_cast<int64_t>(limit));
  std::vector<RefundExport> out;
  while (s.Step()) out.push_back(ReadRefund(s));
  if (!s.status().ok()) return s.status().error();
  return out;
}

Result<RefundClaim> SqliteStore::ClaimRefund(StoreId store, const std::string& number,
                                             const std::string& refund_id, base::Duration lease) {
  auto conn = pool_->Take();
  WriteTxn txn(*conn);
  if (!txn.begun().ok()) return txn.begun().error();
  Stmt s(*conn, (std::string("UPDATE refund_exports AS x SET state = 'sending', "
                             "attempts = attempts + 1, fence = fence + 1, lease_until = ?2 "
                             "WHERE x.refund_id = ?3 AND x.order_id = (SELECT id FROM orders "
                             "WHERE store_id = ?4 AND number = ?5) AND ") +
                 kRefundDue + " RETURNING fence, attempts, maybe_sent")
                    .c_str());
  s.Bind(1, NowSeconds()).Bind(2, Until(lease)).Bind(3, refund_id).Bind(4, store.value);
  s.Bind(5, number);
  const bool got = s.Step();
  if (!s.status().ok()) return s.status().error();
  if (!got) return rules::RefundNotDue(number, refund_id);
  RefundClaim claim{s.Int(0), static_cast<int>(s.Int(1)), s.Int(2) != 0};
  s.Step();  // finish the statement before committing
  if (auto c = txn.Commit(); !c.ok()) return c.error();
  return claim;
}

Status SqliteStore::RefundUpdate(const std::string& sql, const std::string& number,
                                 const std::string& refund_id,
                                 const std::function<void(Stmt&)>& bind, bool durable) {
  auto conn = pool_->Take();
  Stmt s(*conn, sql.c_str());
  bind(s);
  s.Step();
  if (!s.status().ok()) return s.status();
  if (conn->Changes() == 0) return rules::RefundFenced(number, refund_id);
  if (durable) return conn->SyncWal();
  return {};
}

namespace {
// Appended to every fenced transition: ?1 store, ?2 number, ?3 refund id, ?4 fence.
const std::string kFencedRefund =
    " WHERE refund_id = ?3 AND fence = ?4 AND state = 'sending' AND order_id = "
    "(SELECT id FROM orders WHERE store_id = ?1 AND number = ?2)";
}  // namespace

Status SqliteStore::MarkRefundSending(StoreId store, const std::string& number,
                                      const std::string& refund_id, int64_t fence) {
  return RefundUpdate(
      "UPDATE refund_exports SET maybe_sent = 1" + kFencedRefund, number, refund_id,
      [&](Stmt& s) { s.Bind(1, store.value).Bind(2, number).Bind(3, refund_id).Bind(4, fence); },
      /*durable=*/true);
}

Status SqliteStore::CompleteRefund(StoreId store, const std::string& number,
                                   const std::string& refund_id, int64_t fence,
                                   const std::string& sale_id) {
  return RefundUpdate(
      "UPDATE refund_exports SET state = 'sent', sale_id = ?5, sent_at = ?6, message = ''" +
          kFencedRefund,
      number, refund_id, [&](Stmt& s) {
        s.Bind(1, store.value).Bind(2, number).Bind(3, refund_id).Bind(4, fence);
        s.Bind(5, sale_id).Bind(6, NowSeconds());
      });
}

Status SqliteStore::StopRefund(StoreId store, const std::string& number,
                               const std::string& refund_id, int64_t fence,
                               const std::string& message) {
  return RefundUpdate(
      "UPDATE refund_exports SET state = 'needs_attention', message = ?5" + kFencedRefund, number,
      refund_id, [&](Stmt& s) {
        s.Bind(1, store.value).Bind(2, number).Bind(3, refund_id).Bind(4, fence);
        s.Bind(5, message);
      });
}

Status SqliteStore::RetryRefundLater(StoreId store, const std::string& number,
                                     const std::string& refund_id, int64_t fence,
                                     base::Duration wait, const std::string& message,
                                     bool maybe_sent) {
  return RefundUpdate(
      "UPDATE refund_exports SET state = 'queued', not_before = ?5, message = ?6, "
      "maybe_sent = ?7" +
          kFencedRefund,
      number, refund_id, [&](Stmt& s) {
        s.Bind(1, store.value).Bind(2, number).Bind(3, refund_id).Bind(4, fence);
        s.Bind(5, Until(wait)).Bind(6, message).Bind(7, static_cast<int64_t>(maybe_sent));
      });
}

Status SqliteStore::RequeueRefund(StoreId store, const std::string& number,
                                  const std::string& refund_id) {
  auto conn = pool_->Take();
  Stmt s(*conn,
         "UPDATE refund_exports SET state = 'queued', not_before = 0, message = '' "
         "WHERE refund_id = ?3 AND state = 'needs_attention' AND order_id = "
         "(SELECT id FROM orders WHERE store_id = ?1 AND number = ?2)");
  s.Bind(1, store.value).Bind(2, number).Bind(3, refund_id);
  s.Step();
  if (!s.status().ok()) return s.status();
  if (conn->Changes() == 0) return rules::RefundNotDue(number, refund_id);
  return {};
}

}  // namespace store::sqlite
