// The SQLite implementation of store::Store. Private to store/.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "store/sqlite/db.h"
#include "store/store.h"

namespace store::sqlite {

constexpr int kBusyTimeoutMs = 5000;

// Opens (creating if needed) and migrates the database file at `path`.
Result<std::unique_ptr<Store>> Open(const std::string& path, const OpenOptions& options);
// Applies the migrations the file lacks; answers their versions.
Result<std::vector<int>> Migrate(const std::string& path);

class SqliteStore : public Store {
 public:
  SqliteStore(std::unique_ptr<Pool> pool, base::Clock* clock)
      : pool_(std::move(pool)), clock_(clock) {}
  // Tests: how broad a search must be to walk the list, and the walk's bound (see below).
  void SetSearchWalkForTest(int64_t above, int64_t rows) {
    walk_above_ = above;
    walk_rows_ = rows;
  }

  Result<StoreInfo> CreateStore(const std::string& slug, const std::string& name,
                                const std::string& currency) override;
  Result<StoreInfo> GetStore(StoreId id) override;
  Result<StoreInfo> FindStore(const std::string& slug) override;
  Result<std::vector<StoreInfo>> ListStores() override;
  Result<User> AddUser(StoreId store, const std::string& email,
                       const std::string& password_hash) override;
  Result<User> FindUser(const std::string& email) override;
  Status AddApiToken(StoreId store, const std::string& token_hash,
                     const std::string& label) override;
  Result<StoreId> FindTokenStore(const std::string& token_hash) override;

  Result<PutOutcome> PutItem(StoreId store, const shop::Item& item) override;
  Result<shop::Item> GetItem(StoreId store, const std::string& sku) override;
  Result<ItemPage> ListItems(StoreId store, const std::string& cursor, int limit) override;
  Result<std::map<std::string, shop::Item>> GetItems(StoreId store,
                                                     const std::vector<std::string>& skus) override;

  Result<PutOutcome> PutOrder(StoreId store, const shop::Order& order) override;
  Result<OrderRecord> GetOrder(StoreId store, const std::string& number) override;
  Result<OrderPage> ListOrders(StoreId store, const OrderFilter& filter) override;
  Result<int64_t> CountOrders(StoreId store, const OrderFilter& filter, int64_t at_most) override;
  Status SetOrderStatus(StoreId store, const std::string& number,
                        shop::OrderStatus status) override;
  Status CapturePayment(StoreId store, const std::string& number,
                        const std::string& payment_id) override;
  Status AddRefund(StoreId store, const std::string& number, const shop::Refund& refund) override;

  Result<LightspeedSettings> GetLightspeedSettings(StoreId store) override;
  Status PutLightspeedSettings(StoreId store, const LightspeedSettings& settings) override;
  Result<SealedTokens> GetLightspeedTokens(StoreId store) override;
  Status SaveLightspeedTokens(StoreId store, const SealedTokens& tokens,
                              const std::string& holder) override;
  Result<bool> LeaseTokenRefresh(StoreId store, const std::string& holder,
                                 base::Duration lease) override;
  Status ReleaseTokenLease(StoreId store, const std::string& holder) override;
  Status MarkLightspeedReconnect(StoreId store, const std::string& message) override;

  Result<ExportRecord> QueueExport(StoreId store, const std::string& number,
                                   const ExportCheck& check) override;
  Result<std::vector<OrderRecord>> ListExports(StoreId store,
                                               std::optional<shop::ExportState> state,
                                               int limit) override;
  Result<std::map<shop::ExportState, int64_t>> CountExports(StoreId store) override;
  Result<std::map<StoreId, std::map<shop::ExportState, int64_t>>> CountExportsByStore() override;

  // SQLite has no way to tell another process: engines poll.
  Result<std::unique_ptr<QueueWatch>> WatchQueue() override { return {nullptr}; }
  Result<std::vector<DueStore>> ListDueStores() override;
  Result<std::vector<std::string>> ListDueExports(StoreId store, int limit) override;
  Result<std::vector<std::string>> ListDueEmails(StoreId store, int limit) override;
  Result<Claimed> ClaimExports(StoreId store, const std::vector<std::string>& numbers,
                               const std::string& holder, base::Duration lease) override;
  Status MarkSending(StoreId store, const std::string& number, int64_t fence,
                     base::Duration lease) override;
  Status CompleteExport(StoreId store, const std::string& number, int64_t fence,
                        const std::string& sale_id, const std::vector<NotSent>& not_sent,
                        std::optional<base::Money> sent_total,
                        const ExportAttempt* attempt) override;
  Status StopExport(StoreId store, const std::string& number, int64_t fence,
                    const std::string& message, const std::vector<NotSent>& not_sent,
                    const ExportAttempt* attempt) override;
  Status RetryExportLater(StoreId store, const std::string& number, int64_t fence,
                          base::Duration wait, const std::string& message, bool maybe_sent,
                          const ExportAttempt* attempt) override;
  Status ReleaseExport(StoreId store, const std::string& number, int64_t fence,
                       const std::string& message) override;
  Result<std::map<std::string, std::string>> GetLinks(StoreId store, const std::string& account,
                                                      const std::string& kind) override;
  Result<std::map<std::string, std::string>> GetLinksFor(
      StoreId store, const std::string& account, const std::string& kind,
      const std::vector<std::string>& keys) override;
  Status PutLink(StoreId store, const std::string& account, const std::string& kind,
                 const std::string& key, const std::string& lightspeed_id) override;
  Result<bool> BeginCreate(const std::string& account, const std::string& kind,
                           const std::string& key, const std::string& holder,
                           base::Duration lease) override;
  Status EndCreate(const std::string& account, const std::string& kind, const std::string& key,
                   const std::string& holder, base::Duration reopen_after) override;
  Status EndCreateLinked(StoreId store, const std::string& account, const std::string& kind,
                         const std::string& key, const std::string& holder,
                         const std::string& lightspeed_id) override;

  // sqlite_lanes.cpp
  Result<std::map<std::string, int64_t>> LeaseLanes(const std::vector<std::string>& lanes,
                                                    const std::string& node,
                                                    base::Duration ttl) override;
  Status ReleaseLane(const std::string& lane, const std::string& node) override;
  Result<std::vector<LaneLease>> ListLanes() override;
  Status Heartbeat(const std::string& node, base::Duration ttl) override;
  Result<std::vector<std::string>> ListLiveNodes() override;

  // sqlite_sessions.cpp
  Status CreateSession(const Session& session) override;
  Result<Session> FindSession(const std::string& id_hash) override;
  Status TouchSession(const std::string& id_hash, base::TimePoint at) override;
  Status SetSessionOAuthState(const std::string& id_hash, const std::string& state) override;
  Status DeleteSession(const std::string& id_hash) override;
  Result<int64_t> DeleteIdleSessions(base::TimePoint before) override;

  // sqlite_site.cpp: flash messages and login attempts.
  Status AddFlash(const std::string& session_hash, const SessionFlash& flash) override;
  Result<std::vector<SessionFlash>> TakeFlashes(const std::string& session_hash) override;
  Result<std::optional<base::Duration>> ReserveLoginAttempt(const std::string& email_key,
                                                            const std::string& address_key,
                                                            const LoginLimits& limits) override;
  Status LoginSucceeded(const std::string& email_key, const std::string& address_key) override;

  Result<std::vector<RefundExport>> ListRefundExports(StoreId store,
                                                      const std::string& number) override;
  Result<std::vector<RefundExport>> ListDueRefunds(StoreId store, int limit) override;
  Result<std::vector<RefundExport>> ListStoppedRefunds(StoreId store, int limit) override;
  Result<RefundClaim> ClaimRefund(StoreId store, const std::string& number,
                                  const std::string& refund_id, base::Duration lease) override;
  Status MarkRefundSending(StoreId store, const std::string& number, const std::string& refund_id,
                           int64_t fence) override;
  Status CompleteRefund(StoreId store, const std::string& number, const std::string& refund_id,
                        int64_t fence, const std::string& sale_id) override;
  Status StopRefund(StoreId store, const std::string& number, const std::string& refund_id,
                    int64_t fence, const std::string& message) override;
  Status RetryRefundLater(StoreId store, const std::string& number, const std::string& refund_id,
                          int64_t fence, base::Duration wait, const std::string& message,
                          bool maybe_sent) override;
  Status RequeueRefund(StoreId store, const std::string& number,
                       const std::string& refund_id) override;
  // ReconcileStore
  Result<std::vector<ExpectedSale>> ListExpectedSales(StoreId store, base::TimePoint from,
                                                      base::TimePoint to) override;
  Result<std::vector<ExpectedSale>> FindExpectedSales(
      StoreId store, const std::vector<std::string>& references,
      const std::vector<std::string>& sale_ids) override;
  Result<int64_t> SaveReconcileRun(const ReconcileRun& run) override;
  Result<std::optional<ReconcileRun>> LastReconcileRun(StoreId store,
                                                       const std::string& run_kind) override;
  Result<bool> ClaimDailyReconcile(StoreId store, const std::string& day,
                                   const std::string& node) override;
  // sqlite_alerts.cpp: alert settings, incidents and deliveries (alerts.h).
  Result<AlertSettings> GetAlertSettings(StoreId store) override;
  Status PutAlertSettings(StoreId store, const AlertSettings& settings) override;
  Result<AlertFacts> GetAlertFacts(StoreId store, int limit) override;
  Result<IncidentChanges> SyncIncidents(StoreId store, const std::vector<AlertCondition>& open,
                                        const std::vector<AlertChannel>& channels,
                                        base::TimePoint now) override;
  Result<std::vector<AlertIncident>> ListAlertIncidents(StoreId store, int limit) override;
  Result<std::vector<AlertDelivery>> ClaimAlertDeliveries(const std::string& holder,
                                                          base::TimePoint now, base::Duration lease,
                                                          int limit) override;
  Status FinishAlertDelivery(int64_t id, int64_t fence, const DeliveryOutcome& outcome,
                             base::TimePoint now) override;
  Result<std::vector<AlertDelivery>> ListAlertDeliveries(StoreId store, int limit) override;

 private:
  // ClaimExport's update, inside the caller's transaction; nullopt when not due.
  Result<std::optional<ExportClaim>> ClaimIn(Conn& conn, StoreId store, const std::string& number,
                                             const std::string& holder, base::Duration lease);
  // One column of a store's due orders, in ListDueExports' order.
  Result<std::vector<std::string>> ListDue(const char* column, StoreId store, int limit);
  int64_t NowSeconds() const;
  int64_t Until(base::Duration d) const;  // now + d, in the stored seconds
  // PutLink's write, on the caller's connection (and inside its transaction, if any).
  Status PutLinkOn(Conn& conn, StoreId store, const std::string& account, const std::string& kind,
                   const std::string& key, const std::string& lightspeed_id);
  // One order with its lines, payments, refunds and export attempts.
  Result<OrderRecord> LoadOrder(Conn& conn, StoreId store, const std::string& number);
  Status LoadChildren(Conn& conn, StoreId store, int64_t order_id, shop::Order* order);
  Status WriteChildren(Conn& conn, int64_t order_id, const shop::Order& order);
  // orders.hold (rules::ExportHold), after every write that can change it.
  Status WriteHold(Conn& conn, int64_t order_id, const shop::Order& order);
  Result<LightspeedSettings> LoadSettings(Conn& conn, StoreId store);
  // Queues those of `refund_ids` (refunds this write added) recorded at or after the order's
  // export, when the store sends refunds (issue 15). Refunds recorded before the store chose to
  // send them stay the merchant's to refund by hand.
  Status QueueRefundExports(Conn& conn, int64_t order_id,
                            const std::vector<std::string>& refund_ids);
  // `durable`: on disk before it returns (Conn::SyncWal), for a mark a Lightspeed write relies on.
  Status RefundUpdate(const std::string& sql, const std::string& number,
                      const std::string& refund_id, const std::function<void(Stmt&)>& bind,
                      bool durable = false);

  // Runs an UPDATE guarded by the order's fencing token; kConflict when no row matched (the
  // lease was taken over, or the state moved on). `attempt` (nullptr: none) is added to the
  // order's history in the same transaction, whether or not the UPDATE was fenced.
  Status FencedUpdate(const std::string& sql, StoreId store, const std::string& number,
                      int64_t fence, const std::function<void(Stmt&)>& bind,
                      const ExportAttempt* attempt = nullptr, bool durable = false);
  static Status InsertAttempt(Conn& conn, StoreId store, const std::string& number,
                              const ExportAttempt& attempt);

  std::unique_ptr<Pool> pool_;
  base::Clock* clock_;
  // A search matching more than walk_above_ orders (of all stores) walks the list, testing each
  // row, for at most walk_rows_ rows; one matching fewer looks its matches up by id. On 1,000,000
  // orders (bench/order_search) looking up 265,000 matches of "gmail" took 350 ms, walking 13 ms.
  int64_t walk_above_ = 50000, walk_rows_ = 5000;
};

}  // namespace store::sqlite
