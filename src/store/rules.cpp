#include "store/rules.h"

#include <nlohmann/json.hpp>

#include "base/text.h"

namespace store::rules {
namespace {

using nlohmann::json;

// The parts of an order filled from the catalog on read, cleared to compare input with storage.
shop::Order WithoutCatalog(shop::Order o) {
  for (shop::Line& l : o.lines) {
    l.kind = shop::ItemKind::kInventory;
    l.description.clear();
  }
  return o;
}

bool ExportStarted(shop::ExportState s) {
  return s == shop::ExportState::kQueued || s == shop::ExportState::kExporting ||
         s == shop::ExportState::kExported;
}

bool ParseDigits(std::string_view text, int64_t* out) {
  if (text.empty() || text.size() > 18) return false;
  *out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    *out = *out * 10 + (c - '0');
  }
  return true;
}

}  // namespace

std::string StoredMessage(std::string_view message) {
  return base::CutUtf8(message, kMaxMessageBytes);
}

Result<PutOutcome> DecidePut(const OrderRecord* existing, const shop::Order& incoming) {
  if (!existing) return PutOutcome::kCreated;
  if (WithoutCatalog(existing->order) == WithoutCatalog(incoming)) return PutOutcome::kUnchanged;
  const shop::ExportState state = existing->export_record.state;
  if (ExportStarted(state))
    return base::Conflict(
        state == shop::ExportState::kExported ? "already_exported" : "already_queued",
        "order " + incoming.number + " cannot be changed: its export is " + shop::Name(state));
  return PutOutcome::kReplaced;
}

std::string EncodeCursor(const OrderCursor& c) {
  return std::to_string(c.placed_seconds) + "." + std::to_string(c.row_id);
}

Result<std::optional<OrderCursor>> DecodeCursor(const std::string& text) {
  if (text.empty()) return std::optional<OrderCursor>();
  const size_t dot = text.find('.');
  OrderCursor c;
  if (dot == std::string::npos ||
      !ParseDigits(std::string_view(text).substr(0, dot), &c.placed_seconds) ||
      !ParseDigits(std::string_view(text).substr(dot + 1), &c.row_id))
    return base::Invalid("cursor", "cursor is not one this server gave out");
  return std::optional<OrderCursor>(c);
}

Status CheckOrderFilter(const OrderFilter& filter) {
  if (filter.limit < 1 || filter.limit > 200)
    return base::Invalid("limit", "limit must be between 1 and 200");
  return {};
}

void CutItemPage(ItemPage* page, int limit) {
  if (limit < 0 || static_cast<int>(page->items.size()) <= limit) return;
  page->items.resize(static_cast<size_t>(limit));
  page->next_cursor = page->items.empty() ? "" : page->items.back().sku;
}

base::Error QueueRefusal(const shop::Eligibility& verdict) {
  return verdict.conflict ? base::Conflict(verdict.code, verdict.message)
                          : base::Invalid("", verdict.message, verdict.code);
}

base::Error OrderNotFound(const std::string& number) {
  return base::NotFound("no order numbered \"" + number + "\"");
}
base::Error StoreExists(const std::string& slug) {
  return base::Conflict("store_exists", "a store named \"" + slug + "\" already exists");
}
base::Error UserExists(const std::string& email) {
  return base::Conflict("user_exists", "a user with e-mail " + email + " already exists");
}
base::Error DuplicateRefund(const std::string& number, const std::string& refund_id) {
  return base::Conflict("duplicate_refund",
                        "order " + number + " already has refund \"" + refund_id + "\"");
}
base::Error NotAuthorized(const std::string& payment_id, const std::string& status) {
  return base::Conflict("not_authorized",
                        "payment " + payment_id + " is " + status + ", not authorized");
}
base::Error NotDue(const std::string& number) {
  return base::Conflict("not_due", "order " + number + " is not waiting for export");
}
base::Error Fenced(const std::string& number) {
  return base::Conflict("fenced", "order " + number + " was taken over by another worker");
}
base::Error CreateInFlight(const std::string& kind, const std::string& key) {
  return base::Conflict("create_in_flight", "another export is creating the Lightspeed " + kind +
                                                " \"" + key + "\" right now");
}

Status CheckLaneNames(const std::string& lane, const std::string& node) {
  for (const auto& [field, name] : {std::pair<const char*, const std::string&>{"lane", lane},
                                    std::pair<const char*, const std::string&>{"node", node}}) {
    if (name.empty() || name.size() > kMaxLaneNameBytes || !base::IsValidUtf8(name))
      return base::Invalid(field, std::string(field) + " must be 1 to " +
                                      std::to_string(kMaxLaneNameBytes) + " bytes of UTF-8");
  }
  return {};
}

std::optional<std::string> AddressToText(const std::optional<shop::Address>& a) {
  if (!a) return std::nullopt;
  json j = {{"line1", a->line1},
            {"city", a->city},
            {"region", a->region},
            {"postal_code", a->postal_code},
            {"country", a->country}};
  j["line2"] = a->line2 ? json(*a->line2) : json(nullptr);
  return j.dump();
}

std::optional<shop::Address> AddressFromText(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  shop::Address a;
  a.line1 = j.value("line1", "");
  if (j.contains("line2") && j["line2"].is_string()) a.line2 = j["line2"].get<std::string>();
  a.city = j.value("city", "");
  a.region = j.value("region", "");
  a.postal_code = j.value("postal_code", "");
  a.country = j.value("country", "");
  return a;
}

std::string NotSentToText(const std::vector<NotSent>& items) {
  json j = json::array();
  for (const NotSent& n : items)
    j.push_back({{"sku", n.sku}, {"amount_cents", n.amount.cents()}, {"reason", n.reason}});
  return j.dump();
}

std::vector<NotSent> NotSentFromText(const std::optional<std::string>& text) {
  std::vector<NotSent> out;
  if (!text) return out;
  json j = json::parse(*text, nullptr, false);
  if (!j.is_array()) return out;
  for (const json& n : j)
    out.push_back(NotSent{n.value("sku", ""), base::Money::FromCents(n.value("amount_cents", 0)),
                          n.value("reason", "")});
  return out;
}

std::string SerialsToText(const std::vector<std::string>& serials) { return json(serials).dump(); }

std::vector<std::string> SerialsFromText(const std::string& text) {
  std::vector<std::string> out;
  json j = json::parse(text, nullptr, false);
  if (j.is_array())
    for (const json& sn : j)
      if (sn.is_string()) out.push_back(sn.get<std::string>());
  return out;
}

std::string PaymentTypesToText(const std::map<std::string, std::string>& types) {
  json j = json::object();
  for (const auto& [k, v] : types) j[k] = v;
  return j.dump();
}

std::map<std::string, std::string> PaymentTypesFromText(const std::string& text) {
  std::map<std::string, std::string> out;
  json j = json::parse(text, nullptr, false);
  if (j.is_object())
    for (auto& [k, v] : j.items())
      if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

std::optional<int64_t> OptCents(const std::optional<base::Money>& m) {
  if (!m) return std::nullopt;
  return m->cents();
}
std::optional<base::Money> OptMoney(const std::optional<int64_t>& cents) {
  if (!cents) return std::nullopt;
  return base::Money::FromCents(*cents);
}

int64_t Seconds(base::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
base::TimePoint FromSeconds(int64_t s) { return base::TimePoint(std::chrono::seconds(s)); }

}  // namespace store::rules
