// What a store keeps for alerts (issue 15): its alert settings, the incidents the checker found
// and the deliveries of their notices. Incidents and deliveries are durable so that a restart
// does not alert again and several nodes on one database never send a notice twice: an incident
// is opened once per key while it lasts (a unique key per store among open incidents), each
// opened/resolved notice is one delivery row per channel, and a delivery is claimed with a lease
// and a fence before it is sent. Instants are the caller's (the checker's clock).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "store/lightspeed.h"
#include "store/orders.h"

namespace store {

enum class AlertChannel { kWebhook, kEmail };
enum class SmtpSecurity { kStartTls, kTls, kNone };
enum class AlertEvent { kOpened, kResolved };
// kPending: to send (again) at next_attempt_at; kDelivered; kFailed: given up.
enum class DeliveryState { kPending, kDelivered, kFailed };

const char* Name(AlertChannel v);   // "webhook" | "email"
const char* Name(SmtpSecurity v);   // "starttls" | "tls" | "none"
const char* Name(AlertEvent v);     // "opened" | "resolved"
const char* Name(DeliveryState v);  // "pending" | "delivered" | "failed"
bool Parse(std::string_view name, AlertChannel* out);
bool Parse(std::string_view name, SmtpSecurity* out);
bool Parse(std::string_view name, AlertEvent* out);
bool Parse(std::string_view name, DeliveryState* out);

// Settings → Alerts. Off by default: a store that configured nothing gets no alerts.
struct AlertSettings {
  bool webhook_enabled = false;
  bool email_enabled = false;
  int attention_minutes = 30;  // an order in needs-attention longer than this
  int queue_minutes = 60;      // the oldest queued order older than this
  int token_lapse_days = 7;    // the Lightspeed connection lapses within this many days
  std::string webhook_url;
  std::string webhook_secret;  // hex, made per store; signs every webhook body
  std::string smtp_host;
  int smtp_port = 587;
  SmtpSecurity smtp_security = SmtpSecurity::kStartTls;
  std::string smtp_user;
  std::string smtp_password_sealed;  // sealed with the secret key; never shown
  std::string smtp_from;
  std::vector<std::string> smtp_to;
  bool operator==(const AlertSettings&) const = default;
};

// What the checker reads of a store to decide its incidents.
struct AlertFacts {
  struct AttentionOrder {
    std::string number;
    base::TimePoint since;  // when the order last changed (it was stopped then)
    std::string message;
  };
  std::vector<AttentionOrder> attention;  // needs-attention orders (not cancelled), oldest first
  std::optional<base::TimePoint> oldest_queued_at;
  std::string oldest_queued_number;
  ConnectionState connection = ConnectionState::kNone;
  std::string connection_message;
  // Refunds whose sending to Lightspeed stopped for the merchant (issue 15; refunds.h's
  // ListStoppedRefunds, added by the checker).
  struct StoppedRefund {
    std::string number, refund_id, message;
  };
  std::vector<StoppedRefund> stopped_refunds;
};

// An incident as the checker sees it: open while its condition holds.
struct AlertCondition {
  std::string key;  // kind + subject: "order_attention:10023", "reconnect", "token_lapse", …
  std::string kind;
  std::string subject;
  std::string message;       // plain words
  std::string order_number;  // "" when not about one order
  bool operator==(const AlertCondition&) const = default;
};

struct AlertIncident {
  int64_t id = 0;
  AlertCondition condition;
  base::TimePoint opened_at;
  std::optional<base::TimePoint> resolved_at;
};

struct AlertDelivery {
  int64_t id = 0;
  StoreId store;
  AlertIncident incident;
  AlertEvent event = AlertEvent::kOpened;
  AlertChannel channel = AlertChannel::kWebhook;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  base::TimePoint created_at, next_attempt_at;
  std::optional<base::TimePoint> delivered_at;
  std::string last_error;  // why the last attempt failed, in plain words
  int64_t fence = 0;       // from the claim; FinishAlertDelivery names it
};

struct IncidentChanges {
  std::vector<std::string> opened, resolved;  // keys
};

// How a claimed delivery ended.
struct DeliveryOutcome {
  DeliveryState state = DeliveryState::kDelivered;
  std::string error;                // when not delivered
  base::TimePoint next_attempt_at;  // when kPending
};

class AlertStore {
 public:
  virtual ~AlertStore() = default;

  // The defaults above when the store saved none.
  virtual Result<AlertSettings> GetAlertSettings(StoreId store) = 0;
  virtual Status PutAlertSettings(StoreId store, const AlertSettings& settings) = 0;
  // The facts the checker decides from; at most `limit` needs-attention orders.
  virtual Result<AlertFacts> GetAlertFacts(StoreId store, int limit) = 0;

  // In one transaction: opens an incident for each condition whose key has no open incident and
  // resolves the open incidents whose key is not among `open`, each at `now`; every incident it
  // opened or resolved gets one pending delivery per channel in `channels`. Concurrent callers
  // (nodes) open and resolve each incident once.
  virtual Result<IncidentChanges> SyncIncidents(StoreId store,
                                                const std::vector<AlertCondition>& open,
                                                const std::vector<AlertChannel>& channels,
                                                base::TimePoint now) = 0;
  // Open incidents first (oldest first), then the latest resolved ones; at most `limit`.
  virtual Result<std::vector<AlertIncident>> ListAlertIncidents(StoreId store, int limit) = 0;

  // Pending deliveries of any store due at `now` whose lease is not running, at most `limit`,
  // each leased to `holder` until now + `lease` with a new fence. A "resolved" waits while its
  // incident's "opened" on the same channel is still pending, so a receiver never gets them
  // the wrong way round.
  virtual Result<std::vector<AlertDelivery>> ClaimAlertDeliveries(const std::string& holder,
                                                                  base::TimePoint now,
                                                                  base::Duration lease,
                                                                  int limit) = 0;
  // Records an attempt of a claimed delivery (attempts + 1) and ends the lease. kConflict when
  // the fence no longer matches (another holder took it over): nothing changes.
  virtual Status FinishAlertDelivery(int64_t id, int64_t fence, const DeliveryOutcome& outcome,
                                     base::TimePoint now) = 0;
  // The store's latest deliveries, newest first.
  virtual Result<std::vector<AlertDelivery>> ListAlertDeliveries(StoreId store, int limit) = 0;
};

}  // namespace store
