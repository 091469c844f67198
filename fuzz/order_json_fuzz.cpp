// The JSON intake of PUT /api/v1/orders/{number}, PUT /api/v1/items/{sku}, POST …/refunds and
// PUT /api/v1/settings/lightspeed, step for step as api::Api does it (ParseBody, the codec's
// reader, shop's validation, the answer's JSON) but against an in-memory catalog instead of the
// database; and PUT /api/v1/settings/alerts' reader with the alerts' URL and address checks.
// Input: a first line "order <number>", "item <sku>", "refund", "settings" or "alerts", then the
// body. Every refusal must name a field and serialise as an answer; everything accepted must
// read back identically from the JSON the API answers with.
#include <chrono>
#include <map>
#include <string>

#include "api/api.h"
#include "api/codec.h"
#include "exporter/plan.h"
#include "fuzz/fuzz_util.h"
#include "shop/eligibility.h"
#include "shop/validate.h"
#include "web/alert_routes.h"
#include "web/api_routes.h"

namespace {

using api::codec::json;

const base::TimePoint kNow = base::TimePoint(std::chrono::seconds(1795000000));

const std::map<std::string, shop::Item>& Catalog() {
  static const std::map<std::string, shop::Item> items = [] {
    std::map<std::string, shop::Item> m;
    auto add = [&](const std::string& sku, shop::ItemKind kind, bool serialized) {
      shop::Item i;
      i.sku = sku;
      i.description = "Item " + sku;
      i.kind = kind;
      i.serialized = serialized;
      i.price = base::Money::FromCents(1999);
      m[sku] = i;
    };
    add("BIKE-1", shop::ItemKind::kInventory, true);
    add("TUBE-26", shop::ItemKind::kInventory, false);
    add("GIFT-50", shop::ItemKind::kGiftCard, false);
    add("LABOR", shop::ItemKind::kNonInventory, false);
    return m;
  }();
  return items;
}

// A refusal must name the field and be the caller's fault: the HTTP edge answers 4xx for it.
void Refused(const base::Error& e) {
  FUZZ_CHECK(!e.message.empty(), "an error without a message");
  if (e.code == base::ErrorCode::kInvalidInput)
    FUZZ_CHECK(!e.field.empty(), "invalid input without a field: " + e.message);
  const int status = web::HttpStatus(e.code);
  FUZZ_CHECK(status >= 400 && status < 500, std::to_string(status) + " " + e.message);
  (void)api::codec::Dump(api::codec::ErrorJson(e));
}

void PutItem(const std::string& sku, const std::string& body) {
  auto j = api::codec::ParseBody(body);
  if (!j.ok()) return Refused(j.error());
  auto item = api::codec::ItemFromJson(*j, sku);
  if (!item.ok()) return Refused(item.error());
  if (auto v = shop::ValidateItem(*item); !v.ok()) return Refused(v.error());
  const json shown = api::codec::ItemToJson(*item);
  (void)shown.dump();
  auto again = api::codec::ItemFromJson(shown, sku);
  FUZZ_CHECK(again.ok(), "the item's own JSON is refused: " + again.error().message);
  FUZZ_CHECK(*again == *item, "the item reads back differently: " + shown.dump());
}

// The export preview's source (exporter::Plan::draft) for an accepted order, planned as for a
// store that knows nothing of its Lightspeed account yet: every sale line comes from a line that
// is sent (R8), every payment names its method and type, and what a plan that holds nothing pays
// is the sale's total (R11) — a preview never shows a sale Lightspeed would refuse as unbalanced.
void CheckDraft(const shop::Order& order) {
  store::LightspeedSettings settings;
  settings.shop_id = settings.register_id = settings.employee_id = "1";
  const exporter::Plan plan = exporter::PlanExport(order, Catalog(), settings, exporter::Links{});
  const exporter::Draft& d = plan.draft;
  FUZZ_CHECK(d.order_lines.size() <= d.sale.lines.size(), "more order lines than sale lines");
  for (size_t i : d.order_lines)
    FUZZ_CHECK(i < order.lines.size() && shop::IsSentToLightspeed(order.lines[i]),
               "a sale line from a line that is not sent");
  FUZZ_CHECK(d.payment_methods.size() == d.sale.payments.size() &&
                 d.payment_type_names.size() == d.sale.payments.size(),
             "a payment without its method or type");
  if (plan.hold.empty() && plan.expected_total) {
    base::Money paid;
    for (const auto& p : d.sale.payments) paid += p.amount;
    FUZZ_CHECK(paid == *plan.expected_total, "payments " + paid.ToString() + " for a total of " +
                                                 plan.expected_total->ToString());
  }
}

void PutOrder(const std::string& number, const std::string& body) {
  if (!shop::IsValidKey(number)) return;  // answered before the body is read
  auto j = api::codec::ParseBody(body);
  if (!j.ok()) return Refused(j.error());
  auto order = api::codec::OrderFromJson(*j, number, kNow);
  if (!order.ok()) return Refused(order.error());
  if (order->currency.empty()) order->currency = "USD";  // as Api::PutOrder does
  auto valid = shop::ValidateOrder(*order, "USD", [](std::string_view sku) -> const shop::Item* {
    auto it = Catalog().find(std::string(sku));
    return it == Catalog().end() ? nullptr : &it->second;
  });
  if (!valid.ok()) return Refused(valid.error());
  for (shop::Line& l : order->lines) {
    const shop::Item& item = Catalog().at(l.sku);
    l.kind = item.kind;
    l.description = item.description;
  }
  const json shown = api::codec::OrderToJson(*order);
  (void)shown.dump();
  auto again = api::codec::OrderFromJson(shown, number, kNow);
  FUZZ_CHECK(again.ok(), "the order's own JSON is refused: " + again.error().message);
  for (size_t i = 0; i < again->lines.size() && i < order->lines.size(); ++i) {
    again->lines[i].kind = order->lines[i].kind;
    again->lines[i].description = order->lines[i].description;
  }
  FUZZ_CHECK(*again == *order, "the order reads back differently: " + shown.dump());
  // The balance and R1–R5 as the API shows them with the order.
  (void)api::codec::BalanceToJson(shop::ComputeBalance(*order)).dump();
  for (auto state : {shop::ExportState::kNotExported, shop::ExportState::kNeedsAttention})
    (void)shop::CheckEligibility(*order, state, shop::Connection{true, true, true, true});
  CheckDraft(*order);
}

void AddRefund(const std::string& body) {
  auto j = api::codec::ParseBody(body);
  if (!j.ok()) return Refused(j.error());
  auto refund = api::codec::RefundFromJson(*j, kNow);
  if (!refund.ok()) return Refused(refund.error());
  // A paid order of 100.00 that the refund is added to, as AddRefund does with the stored one.
  shop::Order o;
  o.number = "1001";
  o.placed_at = kNow;
  o.customer.email = "ada@example.com";
  o.lines.push_back({"TUBE-26", 5, base::Money::FromCents(2000), {}, true, {}});
  o.total = base::Money::FromCents(10000);
  o.payments.push_back({"p1", "card", o.total, shop::PaymentStatus::kCaptured, std::nullopt});
  o.refunds.push_back(*refund);
  if (auto v = shop::ValidatePaymentsAndRefunds(o); !v.ok()) return Refused(v.error());
  (void)api::codec::BalanceToJson(shop::ComputeBalance(o)).dump();
  (void)api::codec::OrderToJson(o).dump();
}

void PutSettings(const std::string& body) {
  store::LightspeedSettings current;
  current.reference_source = "web";
  auto j = api::codec::ParseBody(body);
  if (!j.ok()) return Refused(j.error());
  auto change = api::codec::SettingsChangeFromJson(*j);
  if (!change.ok()) return Refused(change.error());
  auto next = api::ApplySettingsChange(current, *change);
  if (!next.ok()) return Refused(next.error());
  json shown = api::codec::SettingsToJson(*next);
  (void)shown.dump();
  shown.erase("connection");  // shown, never set
  auto again_change = api::codec::SettingsChangeFromJson(shown);
  FUZZ_CHECK(again_change.ok(), "the settings' own JSON is refused");
  auto again = api::ApplySettingsChange(current, *again_change);
  FUZZ_CHECK(again.ok(), "the settings' own JSON is refused: " + again.error().message);
  FUZZ_CHECK(*again == *next, "the settings read back differently: " + shown.dump());
}

void PutAlertSettings(const std::string& body) {
  auto change = web::AlertSettingsChangeFromJson(body);
  if (!change.ok()) return Refused(change.error());
  if (change->webhook_url)
    if (auto s = alerts::CheckWebhookUrl(*change->webhook_url, "webhook_url"); !s.ok())
      Refused(s.error());
  if (change->smtp_from)
    if (auto s = alerts::CheckMailAddress(*change->smtp_from, "smtp_from"); !s.ok())
      Refused(s.error());
  if (change->smtp_to)
    for (const std::string& to : *change->smtp_to)
      if (auto s = alerts::CheckMailAddress(to, "smtp_to"); !s.ok()) Refused(s.error());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [first, body] = fuzz::SplitFirstLine(fuzz::AsText(data, size));
  auto [kind, key] = fuzz::SplitWord(first);
  if (kind == "order")
    PutOrder(key, body);
  else if (kind == "item")
    PutItem(key, body);
  else if (kind == "refund")
    AddRefund(body);
  else if (kind == "settings")
    PutSettings(body);
  else if (kind == "alerts")
    PutAlertSettings(body);
  return 0;
}
