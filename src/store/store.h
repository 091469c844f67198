// Durable storage behind one interface. SQLite today; PostgreSQL passes the same contract tests
// (store_contract_test.cpp) when it arrives. Every method is one transaction: a failed call leaves
// what was stored exactly as it was.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "base/result.h"
#include "shop/eligibility.h"
#include "shop/order.h"

namespace store {

using StoreId = base::Id<struct StoreTag>;
using base::Result;
using base::Status;

struct StoreInfo {
  StoreId id;
  std::string slug, name, currency;
};

struct User {
  int64_t id = 0;
  StoreId store_id;
  std::string email, password_hash;
};

// The modes and states Settings and the export timeline use. Their names (the API's and the
// database's words) are made and read in one place each: Name() and Parse() in names.cpp.
enum class TaxMode { kWeb, kLightspeed };  // whose tax the sale carries
enum class AutoExport { kOff, kWhenPaid, kWhenPaidAndFulfilled };
// Whether the web store's customers agreed to marketing: customers spoke creates without
// consent are opted out of e-mail, post and phone marketing.
enum class CustomerMarketing { kNoConsent, kConsented };
// kReconnect: Lightspeed refused the refresh token; a person must connect again.
enum class ConnectionState { kNone, kConnected, kReconnect };
enum class AttemptOutcome { kExported, kAdopted, kRetry, kFailed };

const char* Name(TaxMode v);
const char* Name(AutoExport v);
const char* Name(CustomerMarketing v);
const char* Name(ConnectionState v);
const char* Name(AttemptOutcome v);
// False (and *out unchanged) for a name that is not one of the values.
bool Parse(std::string_view name, TaxMode* out);
bool Parse(std::string_view name, AutoExport* out);
bool Parse(std::string_view name, CustomerMarketing* out);
bool Parse(std::string_view name, ConnectionState* out);
bool Parse(std::string_view name, AttemptOutcome* out);

// What the store chose in Settings → Lightspeed. Tokens are kept apart (encrypted).
struct LightspeedSettings {
  std::string account_id, shop_id, register_id, employee_id;
  std::string reference_source = "web";
  TaxMode tax_mode = TaxMode::kWeb;
  AutoExport auto_export = AutoExport::kOff;
  std::map<std::string, std::string> payment_types;  // web method → Lightspeed type name
  CustomerMarketing customer_marketing = CustomerMarketing::kNoConsent;
  ConnectionState connection = ConnectionState::kNone;
  std::string connection_message;  // why a reconnect is needed
  bool operator==(const LightspeedSettings&) const = default;
};

shop::Connection ConnectionOf(const LightspeedSettings& s);

struct SealedTokens {
  std::string access_sealed, refresh_sealed;
  base::TimePoint access_expires_at;
  base::TimePoint refresh_issued_at;  // when Lightspeed issued the refresh token (epoch: unknown)
};

struct NotSent {
  std::string sku;
  base::Money amount;
  std::string reason;  // "gift card" | "non-inventory item"
};

struct ExportRecord {
  shop::ExportState state = shop::ExportState::kNotExported;
  std::string sale_id;
  std::optional<base::TimePoint> queued_at, exported_at;
  int attempts = 0;
  std::string message;  // why it needs attention, in plain words
  std::vector<NotSent> not_sent;
};

struct ExportAttempt {
  int n = 0;
  base::TimePoint started_at, finished_at;
  AttemptOutcome outcome = AttemptOutcome::kFailed;
  int http_status = 0;
  std::string message;
  double units = 0;
  std::string sent;  // what was sent to Lightspeed, in plain words (empty when nothing was)
};

// A logged-in site manager user. The user's store is the only store the session sees.
struct Session {
  std::string id_hash;  // SHA-256 of the cookie value
  int64_t user_id = 0;
  StoreId store_id;   // filled by FindSession
  std::string email;  // filled by FindSession
  std::string csrf_token;
  std::string oauth_state;  // the pending Connect round trip's state, empty when none
  base::TimePoint created_at, last_seen_at;
};

// A store with orders ready to work on, and the Lightspeed account its settings name ("" none).
struct DueStore {
  StoreId store;
  std::string account_id;
};

struct ExportClaim {
  int64_t fence = 0;
  int attempt = 0;
  bool maybe_sent = false;  // an earlier attempt may have created the sale: search first
};

struct OrderRecord {
  shop::Order order;
  ExportRecord export_record;
  std::vector<ExportAttempt> attempts;  // filled by GetOrder only
};

struct OrderFilter {
  std::vector<shop::OrderStatus> statuses;  // empty: any
  std::optional<shop::ExportState> export_state;
  std::string cursor;  // from OrderPage::next_cursor
  int limit = 50;      // 1..200
};

struct OrderPage {
  std::vector<OrderRecord> orders;
  std::string next_cursor;  // empty on the last page
};

struct ItemPage {
  std::vector<shop::Item> items;
  std::string next_cursor;
};

enum class PutOutcome { kCreated, kReplaced, kUnchanged };

// Decides, inside the queueing transaction, whether the order may be queued.
using ExportCheck = std::function<shop::Eligibility(const shop::Order&, shop::ExportState,
                                                    const LightspeedSettings&)>;

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<StoreInfo> CreateStore(const std::string& slug, const std::string& name,
                                        const std::string& currency) = 0;
  virtual Result<StoreInfo> GetStore(StoreId id) = 0;
  virtual Result<StoreInfo> FindStore(const std::string& slug) = 0;
  virtual Result<std::vector<StoreInfo>> ListStores() = 0;

  virtual Result<User> AddUser(StoreId store, const std::string& email,
                               const std::string& password_hash) = 0;
  virtual Result<User> FindUser(const std::string& email) = 0;
  // Tokens are stored as hashes; FindTokenStore answers kUnauthenticated for unknown ones.
  virtual Status AddApiToken(StoreId store, const std::string& token_hash,
                             const std::string& label) = 0;
  virtual Result<StoreId> FindTokenStore(const std::string& token_hash) = 0;

  virtual Result<PutOutcome> PutItem(StoreId store, const shop::Item& item) = 0;
  virtual Result<shop::Item> GetItem(StoreId store, const std::string& sku) = 0;
  virtual Result<ItemPage> ListItems(StoreId store, const std::string& cursor, int limit) = 0;
  // The catalog entries for `skus` that exist (validation of order lines).
  virtual Result<std::map<std::string, shop::Item>> GetItems(
      StoreId store, const std::vector<std::string>& skus) = 0;

  // Create or replace; kConflict once an export was queued, is running or is done (an identical
  // order is kUnchanged whatever the state). Lines keep the kind and description they carry.
  virtual Result<PutOutcome> PutOrder(StoreId store, const shop::Order& order) = 0;
  virtual Result<OrderRecord> GetOrder(StoreId store, const std::string& number) = 0;
  virtual Result<OrderPage> ListOrders(StoreId store, const OrderFilter& filter) = 0;
  virtual Status SetOrderStatus(StoreId store, const std::string& number,
                                shop::OrderStatus status) = 0;
  // authorized → captured; kConflict from any other payment status.
  virtual Status CapturePayment(StoreId store, const std::string& number,
                                const std::string& payment_id) = 0;
  // Recorded even after export (R24); kConflict on a duplicate refund id.
  virtual Status AddRefund(StoreId store, const std::string& number,
                           const shop::Refund& refund) = 0;

  virtual Result<LightspeedSettings> GetLightspeedSettings(StoreId store) = 0;
  virtual Status PutLightspeedSettings(StoreId store, const LightspeedSettings& settings) = 0;
  // Lightspeed tokens, sealed by the caller (never stored in clear). Saving a pair marks the
  // store connected and releases `holder`'s refresh lease.
  virtual Result<SealedTokens> GetLightspeedTokens(StoreId store) = 0;
  virtual Status SaveLightspeedTokens(StoreId store, const SealedTokens& tokens,
                                      const std::string& holder) = 0;
  // One refresh at a time per store, across threads and processes: a lease on the settings row.
  virtual Result<bool> LeaseTokenRefresh(StoreId store, const std::string& holder,
                                         base::TimePoint until) = 0;
  virtual Status ReleaseTokenLease(StoreId store, const std::string& holder) = 0;
  // Lightspeed refused the refresh token: the merchant must reconnect.
  virtual Status MarkLightspeedReconnect(StoreId store, const std::string& message) = 0;

  // Runs `check` on the current order, export state and settings within one write transaction
  // and, when it passes, moves the order to `queued`. Refusals come back as errors carrying the
  // eligibility code as `reason` (kConflict for already_*, kInvalidInput otherwise).
  virtual Result<ExportRecord> QueueExport(StoreId store, const std::string& number,
                                           const ExportCheck& check) = 0;
  virtual Result<std::vector<OrderRecord>> ListExports(StoreId store,
                                                       std::optional<shop::ExportState> state,
                                                       int limit) = 0;
  // How many orders stand in each export state.
  virtual Result<std::map<shop::ExportState, int64_t>> CountExports(StoreId store) = 0;

  // --- The export engine's state machine (R20, R21). Every transition names the fencing token
  // the claim returned; a worker whose lease was taken over changes nothing (kConflict). ---

  // Orders are ready to work on when queued and due, or exporting with an expired lease (their
  // worker died). Every store with such orders, one row each however many it holds, so the
  // engine can be fair to a store with few orders behind stores with many.
  virtual Result<std::vector<DueStore>> ListDueStores() = 0;
  // A store's orders ready to work on, oldest first, at most `limit`.
  virtual Result<std::vector<std::string>> ListDueExports(StoreId store, int limit) = 0;
  // queued/expired → exporting, attempt + 1, a new fence and a lease until `lease_until`.
  // kConflict when someone else holds it or it is no longer due.
  virtual Result<ExportClaim> ClaimExport(StoreId store, const std::string& number,
                                          const std::string& holder,
                                          base::TimePoint lease_until) = 0;
  // Recorded just before the sale is sent: from here until a certain outcome, a restart must
  // search Lightspeed before sending again.
  virtual Status MarkSending(StoreId store, const std::string& number, int64_t fence,
                             base::TimePoint lease_until) = 0;
  virtual Status CompleteExport(StoreId store, const std::string& number, int64_t fence,
                                const std::string& sale_id,
                                const std::vector<NotSent>& not_sent) = 0;
  virtual Status StopExport(StoreId store, const std::string& number, int64_t fence,
                            const std::string& message, const std::vector<NotSent>& not_sent) = 0;
  // Back to queued until `not_before`; `maybe_sent` keeps the search-first mark.
  virtual Status RetryExportLater(StoreId store, const std::string& number, int64_t fence,
                                  base::TimePoint not_before, const std::string& message,
                                  bool maybe_sent) = 0;
  virtual Status RecordAttempt(StoreId store, const std::string& number,
                               const ExportAttempt& attempt) = 0;

  // What spoke has learned of a Lightspeed account: kind is "customer", "item" or
  // "payment_type"; key is the normalized email, the web SKU or the normalized type name.
  virtual Result<std::map<std::string, std::string>> GetLinks(StoreId store,
                                                              const std::string& account,
                                                              const std::string& kind) = 0;
  virtual Status PutLink(StoreId store, const std::string& account, const std::string& kind,
                         const std::string& key, const std::string& lightspeed_id) = 0;

  // --- The create gate: at most one create of a Lightspeed record (kind "customer", "item",
  // "payment_type", "serial"; key as for links) in flight per account at a time, across threads,
  // processes and nodes; and once any create of a key was tried, every later writer searches
  // before it creates, because that create may have landed (a lost answer, a crash, or a race
  // with a writer whose search came too early). ---

  // Takes the gate until `until`; answers whether a create of this key was tried before (then
  // search first, holding the gate). kConflict while another holder's lease runs.
  virtual Result<bool> BeginCreate(const std::string& account, const std::string& kind,
                                   const std::string& key, const std::string& holder,
                                   base::TimePoint until) = 0;
  // Releases the gate whatever the outcome, at `reopen_at` (after an uncertain create: once the
  // create can no longer land, so the next writer's search sees it); the key stays marked as tried.
  virtual Status EndCreate(const std::string& account, const std::string& kind,
                           const std::string& key, const std::string& holder,
                           base::TimePoint reopen_at) = 0;

  // --- Site manager sessions. The cookie's id is never stored, only its SHA-256. ---
  virtual Status CreateSession(const Session& session) = 0;
  // kNotFound when there is no such session (logged out, expired and swept, or never existed).
  virtual Result<Session> FindSession(const std::string& id_hash) = 0;
  virtual Status TouchSession(const std::string& id_hash, base::TimePoint at) = 0;
  virtual Status SetSessionOAuthState(const std::string& id_hash, const std::string& state) = 0;
  virtual Status DeleteSession(const std::string& id_hash) = 0;
  // Removes sessions not seen since `before`; answers how many.
  virtual Result<int64_t> DeleteIdleSessions(base::TimePoint before) = 0;
};

struct SqliteOptions {
  std::string path;     // file path; ":memory:" is refused (each connection would differ)
  int connections = 4;  // pool size, 1..64
  int busy_timeout_ms = 5000;
  base::Clock* clock = nullptr;  // default: the system clock
};

// Opens (creating if needed) and migrates the database.
Result<std::unique_ptr<Store>> OpenSqlite(const SqliteOptions& options);
// Opens by URL: "sqlite://./spoke.db" (PostgreSQL URLs are refused until that backend exists).
Result<std::unique_ptr<Store>> OpenStore(const std::string& url, base::Clock* clock = nullptr);

// Migrations applied, as versions, for `spoke migrate`.
Result<std::vector<int>> MigrateSqlite(const std::string& path);

}  // namespace store
