// What a store keeps of its Lightspeed account: the settings, the sealed tokens with their
// refresh lease, the links to Lightspeed's records and the create gate. One of the four concerns
// store::Store joins (store.h).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "shop/eligibility.h"
#include "store/orders.h"

namespace store {

// The modes and states Settings uses. Their names (the API's and the database's words) are made
// and read in one place each: Name() and Parse() in names.cpp.
enum class TaxMode { kWeb, kLightspeed };  // whose tax the sale carries
enum class AutoExport { kOff, kWhenPaid, kWhenPaidAndFulfilled };
// Whether the web store's customers agreed to marketing: customers spoke creates without
// consent are opted out of e-mail, post and phone marketing.
enum class CustomerMarketing { kNoConsent, kConsented };
// kReconnect: Lightspeed refused the refresh token; a person must connect again.
enum class ConnectionState { kNone, kConnected, kReconnect };
// What happens to a refund recorded after export: the merchant refunds it in Lightspeed by hand
// (R24), or spoke sends it as a refund sale (issue 15).
enum class RefundMode { kManual, kSend };

const char* Name(TaxMode v);
const char* Name(AutoExport v);
const char* Name(CustomerMarketing v);
const char* Name(ConnectionState v);
const char* Name(RefundMode v);
// False (and *out unchanged) for a name that is not one of the values.
bool Parse(std::string_view name, TaxMode* out);
bool Parse(std::string_view name, AutoExport* out);
bool Parse(std::string_view name, CustomerMarketing* out);
bool Parse(std::string_view name, ConnectionState* out);
bool Parse(std::string_view name, RefundMode* out);

// What the store chose in Settings → Lightspeed. Tokens are kept apart (encrypted).
struct LightspeedSettings {
  std::string account_id, shop_id, register_id, employee_id;
  std::string reference_source = "web";
  TaxMode tax_mode = TaxMode::kWeb;
  AutoExport auto_export = AutoExport::kOff;
  std::map<std::string, std::string> payment_types;  // web method → Lightspeed type name
  CustomerMarketing customer_marketing = CustomerMarketing::kNoConsent;
  std::string time_zone = "UTC";  // IANA name: how the site manager shows times (issue 14)
  RefundMode refunds = RefundMode::kManual;
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

// Leases and gates are measured on the database's clock: callers give durations, never instants,
// so nodes whose clocks disagree still agree on when a lease ends.
class LightspeedStore {
 public:
  virtual ~LightspeedStore() = default;

  virtual Result<LightspeedSettings> GetLightspeedSettings(StoreId store) = 0;
  virtual Status PutLightspeedSettings(StoreId store, const LightspeedSettings& settings) = 0;
  // Lightspeed tokens, sealed by the caller (never stored in clear). Saving a pair marks the
  // store connected and releases `holder`'s refresh lease.
  virtual Result<SealedTokens> GetLightspeedTokens(StoreId store) = 0;
  virtual Status SaveLightspeedTokens(StoreId store, const SealedTokens& tokens,
                                      const std::string& holder) = 0;
  // One refresh at a time per store, across threads, processes and nodes: a lease on the
  // settings row for `ttl`. True when `holder` has it.
  virtual Result<bool> LeaseTokenRefresh(StoreId store, const std::string& holder,
                                         base::Duration ttl) = 0;
  virtual Status ReleaseTokenLease(StoreId store, const std::string& holder) = 0;
  // Lightspeed refused the refresh token: the merchant must reconnect.
  virtual Status MarkLightspeedReconnect(StoreId store, const std::string& message) = 0;

  // What spoke has learned of a Lightspeed account: kind is "customer", "item" or
  // "payment_type"; key is the normalized email, the web SKU or the normalized type name. Kind
  // "name" keeps the last known name of a shop, register or employee (key "shop:<id>" …), for
  // Settings while Lightspeed cannot be asked.
  virtual Result<std::map<std::string, std::string>> GetLinks(StoreId store,
                                                              const std::string& account,
                                                              const std::string& kind) = 0;
  // Only the links with these keys (those one order or one turn needs), however many the account
  // has: a store that has sold to 100,000 customers reads one link per sale, not 100,000.
  virtual Result<std::map<std::string, std::string>> GetLinksFor(
      StoreId store, const std::string& account, const std::string& kind,
      const std::vector<std::string>& keys) = 0;
  virtual Status PutLink(StoreId store, const std::string& account, const std::string& kind,
                         const std::string& key, const std::string& lightspeed_id) = 0;

  // --- The create gate: at most one create of a Lightspeed record (kind "customer", "item",
  // "payment_type", "serial"; key as for links) in flight per account at a time, across threads,
  // processes and nodes; and once any create of a key was tried, every later writer searches
  // before it creates, because that create may have landed (a lost answer, a crash, or a race
  // with a writer whose search came too early). ---

  // Takes the gate for `lease`; answers whether a create of this key was tried before (then
  // search first, holding the gate). kConflict while another holder's lease runs.
  virtual Result<bool> BeginCreate(const std::string& account, const std::string& kind,
                                   const std::string& key, const std::string& holder,
                                   base::Duration lease) = 0;
  // Releases the gate whatever the outcome, `reopen_after` from now (after an uncertain create:
  // once the create can no longer land, so the next writer's search sees it; zero: now). The key
  // stays marked as tried.
  virtual Status EndCreate(const std::string& account, const std::string& kind,
                           const std::string& key, const std::string& holder,
                           base::Duration reopen_after) = 0;
  // After a create that succeeded, or a search under the gate that found the record: keeps
  // `lightspeed_id` as the key's link for `store` (as PutLink) and opens the gate now, in one
  // commit. If that commit is lost, the record still exists and the gate's mark makes the next
  // writer search.
  virtual Status EndCreateLinked(StoreId store, const std::string& account, const std::string& kind,
                                 const std::string& key, const std::string& holder,
                                 const std::string& lightspeed_id) = 0;
};

}  // namespace store
