#include "store/rules.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/text.h"
#include "store/exports.h"

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

namespace {

// `incoming` is `stored` with more refunds after its own, and nothing else changed.
bool OnlyRefundsAdded(const shop::Order& stored, const shop::Order& incoming) {
  if (incoming.refunds.size() <= stored.refunds.size()) return false;
  if (!std::equal(stored.refunds.begin(), stored.refunds.end(), incoming.refunds.begin()))
    return false;
  shop::Order same = WithoutCatalog(incoming);
  same.refunds.resize(stored.refunds.size());
  return WithoutCatalog(stored) == same;
}

}  // namespace

std::string StoredMessage(std::string_view message) {
  return base::CutUtf8(message, kMaxMessageBytes);
}

Result<PutOutcome> DecidePut(const OrderRecord* existing, const shop::Order& incoming) {
  if (!existing) return PutOutcome::kCreated;
  if (WithoutCatalog(existing->order) == WithoutCatalog(incoming)) return PutOutcome::kUnchanged;
  const shop::ExportState state = existing->export_record.state;
  if (state == shop::ExportState::kExported && OnlyRefundsAdded(existing->order, incoming))
    return PutOutcome::kReplaced;  // R24: refunds are recorded even after export
  if (ExportStarted(state))
    return base::Conflict(
        state == shop::ExportState::kExported ? "already_exported" : "already_queued",
        "order " + incoming.number + " cannot be changed: its export is " + shop::Name(state));
  return PutOutcome::kReplaced;
}

namespace {

char SortLetter(OrderSort s) {
  switch (s) {
    case OrderSort::kNewest:
      return 'n';
    case OrderSort::kOldest:
      return 'o';
    case OrderSort::kTotalHigh:
      return 'h';
    case OrderSort::kTotalLow:
      return 'l';
  }
  return 'n';
}

bool ParseSigned(std::string_view text, int64_t* out) {
  const bool negative = !text.empty() && text[0] == '-';
  if (!ParseDigits(negative ? text.substr(1) : text, out)) return false;
  if (negative) *out = -*out;
  return true;
}

bool IsNumberChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

int64_t SortKey(const OrderQuery& q, const OrderRecord& r) {
  return q.by_total ? r.order.total.cents() : Seconds(r.order.placed_at);
}

}  // namespace

std::string EncodeCursor(const OrderCursor& c) {
  return std::string{SortLetter(c.sort), c.before ? 'b' : 'a'} + std::to_string(c.key) + "." +
         std::to_string(c.row_id);
}

Result<std::optional<OrderCursor>> DecodeCursor(const std::string& text, OrderSort sort) {
  if (text.empty()) return std::optional<OrderCursor>();
  const auto invalid = [] {
    return base::Invalid("cursor", "cursor is not one this server gave out");
  };
  OrderCursor c;
  std::string_view rest = text;
  if (rest[0] < '0' || rest[0] > '9') {  // the old form has no letters and is newest-first
    if (rest.size() < 2 || (rest[1] != 'a' && rest[1] != 'b')) return invalid();
    bool known = false;
    for (OrderSort s :
         {OrderSort::kNewest, OrderSort::kOldest, OrderSort::kTotalHigh, OrderSort::kTotalLow})
      if (SortLetter(s) == rest[0]) {
        c.sort = s;
        known = true;
      }
    if (!known) return invalid();
    c.before = rest[1] == 'b';
    rest.remove_prefix(2);
  }
  const size_t dot = rest.find('.');
  if (dot == std::string::npos || !ParseSigned(rest.substr(0, dot), &c.key) ||
      !ParseDigits(rest.substr(dot + 1), &c.row_id))
    return invalid();
  if (c.sort != sort)
    return base::Invalid("cursor", "cursor was made for another sort order; start from page 1");
  return std::optional<OrderCursor>(c);
}

Result<Search> ParseSearch(const std::string& q) {
  Search s;
  const auto space = [](char c) { return c == ' ' || c == '\t'; };
  size_t b = 0, e = q.size();
  while (b < e && space(q[b])) ++b;
  while (e > b && space(q[e - 1])) --e;
  if (b == e) return s;
  const std::string text = q.substr(b, e - b);
  if (text.size() > kMaxQueryBytes)
    return base::Invalid("q", "q must be at most " + std::to_string(kMaxQueryBytes) + " bytes");
  if (!base::IsValidUtf8(text)) return base::Invalid("q", "q must be valid UTF-8");
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return base::Invalid("q", "q must not hold control characters");
  s.active = true;
  bool number = true;
  for (char c : text) number = number && IsNumberChar(c);
  if (number) {
    s.number_prefix = text;
    for (char& c : s.number_prefix)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (base::CountCodePoints(text) >= kMinSubstringChars) s.substring = text;
  return s;
}

Result<OrderQuery> PlanOrderQuery(const OrderFilter& filter) {
  if (filter.limit < 1 || filter.limit > 200)
    return base::Invalid("limit", "limit must be between 1 and 200");
  OrderQuery q;
  auto search = ParseSearch(filter.q);
  if (!search.ok()) return search.error();
  q.search = std::move(*search);
  q.sort = filter.sort;
  q.by_total = filter.sort == OrderSort::kTotalHigh || filter.sort == OrderSort::kTotalLow;
  q.descending = filter.sort == OrderSort::kNewest || filter.sort == OrderSort::kTotalHigh;
  auto cursor = DecodeCursor(filter.cursor, filter.sort);
  if (!cursor.ok()) return cursor.error();
  q.cursor = *cursor;
  return q;
}

std::string ExportHold(const shop::Order& order) {
  shop::Order open = order;
  open.status = shop::OrderStatus::kOpen;  // the hold is the order's data, not its status
  const shop::Eligibility verdict = shop::CheckEligibility(
      open, shop::ExportState::kNotExported, shop::Connection{true, true, true, true});
  return verdict.code == "unbalanced" || verdict.code == "nothing_to_export" ? verdict.code : "";
}

std::optional<OrderPage> MakeOrderPage(const OrderQuery& query, int limit,
                                       std::vector<std::pair<int64_t, OrderRecord>> rows) {
  const bool before = query.cursor && query.cursor->before;
  const bool more = static_cast<int>(rows.size()) > limit;
  if (more) rows.resize(static_cast<size_t>(limit));
  if (before && !more && static_cast<int>(rows.size()) < limit) return std::nullopt;
  if (before) std::reverse(rows.begin(), rows.end());
  OrderPage page;
  if (!rows.empty()) {
    const auto at = [&](const std::pair<int64_t, OrderRecord>& row, bool b) {
      return EncodeCursor({query.sort, b, SortKey(query, row.second), row.first});
    };
    if (before ? true : more) page.next_cursor = at(rows.back(), false);
    if (before ? more : query.cursor.has_value()) page.prev_cursor = at(rows.front(), true);
  }
  for (auto& row : rows) page.orders.push_back(std::move(row.second));
  return page;
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
base::Error RefundNotDue(const std::string& number, const std::string& refund_id) {
  return base::Conflict(
      "not_due", "refund \"" + refund_id + "\" of order " + number + " is not waiting to be sent");
}
base::Error RefundFenced(const std::string& number, const std::string& refund_id) {
  return base::Conflict("fenced", "refund \"" + refund_id + "\" of order " + number +
                                      " was taken over by another worker");
}
base::Error RefundNotFound(const std::string& number, const std::string& refund_id) {
  return base::NotFound("refund \"" + refund_id + "\" of order " + number +
                        " is not sent to Lightspeed");
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

std::vector<std::string> AddedRefunds(const OrderRecord* existing, const shop::Order& order) {
  std::vector<std::string> added;
  for (const shop::Refund& r : order.refunds) {
    bool had = false;
    if (existing)
      for (const shop::Refund& e : existing->order.refunds) had = had || e.id == r.id;
    if (!had) added.push_back(r.id);
  }
  return added;
}

std::string RefundLinesToText(const std::vector<shop::RefundLine>& lines) {
  json j = json::array();
  for (const shop::RefundLine& l : lines) j.push_back({{"sku", l.sku}, {"quantity", l.quantity}});
  return j.dump();
}

std::vector<shop::RefundLine> RefundLinesFromText(const std::string& text) {
  std::vector<shop::RefundLine> out;
  json j = json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const json& l : j)
    if (l.is_object() && l.value("sku", json()).is_string() &&
        l.value("quantity", json()).is_number_integer())
      out.push_back({l["sku"].get<std::string>(), l["quantity"].get<int64_t>()});
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

namespace store {

Result<ExportClaim> ExportStore::ClaimExport(StoreId store, const std::string& number,
                                             const std::string& holder, base::Duration lease) {
  auto claimed = ClaimExports(store, {number}, holder, lease);
  if (!claimed.ok()) return claimed.error();
  if (claimed->empty()) return rules::NotDue(number);
  return claimed->front().second;
}

Result<std::optional<int64_t>> ExportStore::LeaseLane(const std::string& lane,
                                                      const std::string& node, base::Duration ttl) {
  auto leased = LeaseLanes({lane}, node, ttl);
  if (!leased.ok()) return leased.error();
  auto it = leased->find(lane);
  if (it == leased->end()) return std::optional<int64_t>();
  return std::optional<int64_t>(it->second);
}

}  // namespace store
