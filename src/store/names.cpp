// The one place the settings' modes, the connection state and attempt outcomes meet their names.
#include <array>
#include <utility>

#include "store/store.h"

namespace store {
namespace {

template <typename E, size_t N>
using Names = std::array<std::pair<E, const char*>, N>;

constexpr Names<TaxMode, 2> kTaxModes{
    {{TaxMode::kWeb, "web"}, {TaxMode::kLightspeed, "lightspeed"}}};
constexpr Names<AutoExport, 3> kAutoExports{
    {{AutoExport::kOff, "off"},
     {AutoExport::kWhenPaid, "when_paid"},
     {AutoExport::kWhenPaidAndFulfilled, "when_paid_and_fulfilled"}}};
constexpr Names<CustomerMarketing, 2> kMarketing{
    {{CustomerMarketing::kNoConsent, "no_consent"}, {CustomerMarketing::kConsented, "consented"}}};
constexpr Names<ConnectionState, 3> kConnections{{{ConnectionState::kNone, "none"},
                                                  {ConnectionState::kConnected, "connected"},
                                                  {ConnectionState::kReconnect, "reconnect"}}};
constexpr Names<RefundMode, 2> kRefundModes{
    {{RefundMode::kManual, "manual"}, {RefundMode::kSend, "send"}}};
constexpr Names<RefundState, 4> kRefundStates{{{RefundState::kQueued, "queued"},
                                               {RefundState::kSending, "sending"},
                                               {RefundState::kSent, "sent"},
                                               {RefundState::kNeedsAttention, "needs_attention"}}};
constexpr Names<AttemptOutcome, 4> kOutcomes{{{AttemptOutcome::kExported, "exported"},
                                              {AttemptOutcome::kAdopted, "adopted"},
                                              {AttemptOutcome::kRetry, "retry"},
                                              {AttemptOutcome::kFailed, "failed"}}};
constexpr Names<OrderSort, 4> kSorts{{{OrderSort::kNewest, "newest"},
                                      {OrderSort::kOldest, "oldest"},
                                      {OrderSort::kTotalHigh, "total_desc"},
                                      {OrderSort::kTotalLow, "total_asc"}}};

constexpr Names<AlertChannel, 2> kChannels{
    {{AlertChannel::kWebhook, "webhook"}, {AlertChannel::kEmail, "email"}}};
constexpr Names<SmtpSecurity, 3> kSecurity{{{SmtpSecurity::kStartTls, "starttls"},
                                            {SmtpSecurity::kTls, "tls"},
                                            {SmtpSecurity::kNone, "none"}}};
constexpr Names<AlertEvent, 2> kEvents{
    {{AlertEvent::kOpened, "opened"}, {AlertEvent::kResolved, "resolved"}}};
constexpr Names<DeliveryState, 3> kStates{{{DeliveryState::kPending, "pending"},
                                           {DeliveryState::kDelivered, "delivered"},
                                           {DeliveryState::kFailed, "failed"}}};

template <typename E, size_t N>
const char* NameIn(const Names<E, N>& names, E v) {
  for (const auto& [value, name] : names)
    if (value == v) return name;
  return "?";
}

template <typename E, size_t N>
bool ParseIn(const Names<E, N>& names, std::string_view name, E* out) {
  for (const auto& [value, text] : names)
    if (name == text) {
      *out = value;
      return true;
    }
  return false;
}

}  // namespace

const char* Name(TaxMode v) { return NameIn(kTaxModes, v); }
const char* Name(AutoExport v) { return NameIn(kAutoExports, v); }
const char* Name(CustomerMarketing v) { return NameIn(kMarketing, v); }
const char* Name(ConnectionState v) { return NameIn(kConnections, v); }
const char* Name(RefundMode v) { return NameIn(kRefundModes, v); }
const char* Name(RefundState v) { return NameIn(kRefundStates, v); }
const char* Name(AttemptOutcome v) { return NameIn(kOutcomes, v); }
const char* Name(OrderSort v) { return NameIn(kSorts, v); }

bool Parse(std::string_view name, TaxMode* out) { return ParseIn(kTaxModes, name, out); }
bool Parse(std::string_view name, AutoExport* out) { return ParseIn(kAutoExports, name, out); }
bool Parse(std::string_view name, RefundMode* out) { return ParseIn(kRefundModes, name, out); }
bool Parse(std::string_view name, RefundState* out) { return ParseIn(kRefundStates, name, out); }
bool Parse(std::string_view name, CustomerMarketing* out) { return ParseIn(kMarketing, name, out); }
bool Parse(std::string_view name, ConnectionState* out) { return ParseIn(kConnections, name, out); }
bool Parse(std::string_view name, OrderSort* out) { return ParseIn(kSorts, name, out); }
bool Parse(std::string_view name, AttemptOutcome* out) {
  // Early versions recorded a created sale as "sent".
  if (name == "sent") {
    *out = AttemptOutcome::kExported;
    return true;
  }
  return ParseIn(kOutcomes, name, out);
}

shop::Connection ConnectionOf(const LightspeedSettings& s) {
  return shop::Connection{s.connection == ConnectionState::kConnected && !s.account_id.empty(),
                          !s.shop_id.empty(), !s.register_id.empty(), !s.employee_id.empty()};
}

std::string LaneName(StoreId store, const std::string& account_id) {
  return account_id.empty() ? "store-" + std::to_string(store.value) : account_id;
}

const char* Name(AlertChannel v) { return NameIn(kChannels, v); }
const char* Name(SmtpSecurity v) { return NameIn(kSecurity, v); }
const char* Name(AlertEvent v) { return NameIn(kEvents, v); }
const char* Name(DeliveryState v) { return NameIn(kStates, v); }
bool Parse(std::string_view name, AlertChannel* out) { return ParseIn(kChannels, name, out); }
bool Parse(std::string_view name, SmtpSecurity* out) { return ParseIn(kSecurity, name, out); }
bool Parse(std::string_view name, AlertEvent* out) { return ParseIn(kEvents, name, out); }
bool Parse(std::string_view name, DeliveryState* out) { return ParseIn(kStates, name, out); }

}  // namespace store
