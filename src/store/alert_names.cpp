// The alert enums' names (the API's and the database's words), made and read in one place.
#include <array>
#include <utility>

#include "store/alerts.h"

namespace store {
namespace {

template <typename E, size_t N>
using Names = std::array<std::pair<E, const char*>, N>;

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
  for (const auto& [value, n] : names)
    if (name == n) {
      *out = value;
      return true;
    }
  return false;
}

}  // namespace

const char* Name(AlertChannel v) { return NameIn(kChannels, v); }
const char* Name(SmtpSecurity v) { return NameIn(kSecurity, v); }
const char* Name(AlertEvent v) { return NameIn(kEvents, v); }
const char* Name(DeliveryState v) { return NameIn(kStates, v); }
bool Parse(std::string_view name, AlertChannel* out) { return ParseIn(kChannels, name, out); }
bool Parse(std::string_view name, SmtpSecurity* out) { return ParseIn(kSecurity, name, out); }
bool Parse(std::string_view name, AlertEvent* out) { return ParseIn(kEvents, name, out); }
bool Parse(std::string_view name, DeliveryState* out) { return ParseIn(kStates, name, out); }

}  // namespace store
