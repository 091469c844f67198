#include "api/codec.h"

namespace api::codec {
namespace {

using base::Invalid;
using base::Money;

std::string Join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

// Reads fields of one JSON object, remembering the first error. Fields are named with their
// full path ("lines[0].unit_price") so the merchant can find the bad value.
class Reader {
 public:
  Reader(const json& j, std::string prefix) : j_(j), prefix_(std::move(prefix)) {
    if (!j_.is_object())
      Fail(Invalid(
          prefix_.empty() ? "body" : prefix_,
          (prefix_.empty() ? std::string("the body") : prefix_) + " must be a JSON object"));
  }
  bool ok() const { return !error_; }
  const base::Error& error() const { return *error_; }
  void Fail(base::Error e) {
    if (!error_) error_ = std::move(e);
  }
  std::string Path(const std::string& key) const { return Join(prefix_, key); }
  const json* Get(const std::string& key) const {
    if (!j_.is_object()) return nullptr;
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  std::string Str(const std::string& key, bool required, const std::string& fallback = "") {
    const json* v = Get(key);
    if (!v) {
      if (required) Fail(Invalid(Path(key), Path(key) + " is required"));
      return fallback;
    }
    if (!v->is_string()) {
      Fail(Invalid(Path(key), Path(key) + " must be a string"));
      return fallback;
    }
    return v->get<std::string>();
  }
  std::optional<std::string> OptStr(const std::string& key) {
    if (!Get(key)) return std::nullopt;
    return Str(key, false);
  }
  // Lightspeed ids: digits, given as a string or a whole number.
  std::optional<std::string> OptId(const std::string& key) {
    const json* v = Get(key);
    if (!v) return std::nullopt;
    if (v->is_number_unsigned()) return std::to_string(v->get<uint64_t>());
    return Str(key, false);
  }
  Money Amount(const std::string& key, bool required) {
    const json* v = Get(key);
    if (!v) {
      if (required) Fail(Invalid(Path(key), Path(key) + " is required"));
      return Money();
    }
    if (!v->is_string()) {
      Fail(Invalid(Path(key),
                   Path(key) + " must be a string amount like \"899.99\", not a " + v->type_name(),
                   "invalid_amount"));
      return Money();
    }
    auto m = Money::Parse(v->get<std::string>(), Path(key));
    if (!m.ok()) {
      Fail(m.error());
      return Money();
    }
    return *m;
  }
  std::optional<Money> OptAmount(const std::string& key) {
    if (!Get(key)) return std::nullopt;
    return Amount(key, false);
  }
  bool Bool(const std::string& key, bool fallback) {
    const json* v = Get(key);
    if (!v) return fallback;
    if (!v->is_boolean()) {
      Fail(Invalid(Path(key), Path(key) + " must be true or false"));
      return fallback;
    }
    return v->get<bool>();
  }
  int64_t Int(const std::string& key, bool required) {
    const json* v = Get(key);
    if (!v) {
      if (required) Fail(Invalid(Path(key), Path(key) + " is required"));
      return 0;
    }
    if (!v->is_number_integer()) {
      Fail(Invalid(Path(key), Path(key) + " must be a whole number"));
      return 0;
    }
    return v->get<int64_t>();
  }
  base::TimePoint Time(const std::string& key, bool required, base::TimePoint fallback) {
    const json* v = Get(key);
    if (!v) {
      if (required) Fail(Invalid(Path(key), Path(key) + " is required"));
      return fallback;
    }
    if (!v->is_string()) {
      Fail(Invalid(Path(key), Path(key) + " must be an RFC 3339 time string"));
      return fallback;
    }
    auto t = base::ParseTime(v->get<std::string>(), Path(key));
    if (!t.ok()) {
      Fail(t.error());
      return fallback;
    }
    return *t;
  }
  template <typename E>
  E Enum(const std::string& key, E fallback, const char* choices) {
    const json* v = Get(key);
    if (!v) return fallback;
    E out = fallback;
    if (!v->is_string() || !shop::Parse(v->get<std::string>(), &out))
      Fail(Invalid(Path(key), Path(key) + " must be one of " + choices));
    return out;
  }
  // Each element of an array field, with its indexed path; absent means empty.
  const json* Array(const std::string& key) {
    const json* v = Get(key);
    if (v && !v->is_array()) {
      Fail(Invalid(Path(key), Path(key) + " must be an array"));
      return nullptr;
    }
    return v;
  }

 private:
  const json& j_;
  std::string prefix_;
  std::optional<base::Error> error_;
};

std::string Indexed(const std::string& key, size_t i) {
  return key + "[" + std::to_string(i) + "]";
}

// A refund's lines, each an order line's sku and the units given back.
std::vector<shop::RefundLine> ReadRefundLines(Reader& r) {
  std::vector<shop::RefundLine> out;
  const json* lines = r.Array("lines");
  if (!lines) return out;
  for (size_t k = 0; k < lines->size(); ++k) {
    Reader lr((*lines)[k], r.Path(Indexed("lines", k)));
    out.push_back({lr.Str("sku", true), lr.Int("quantity", true)});
    if (!lr.ok()) r.Fail(lr.error());
  }
  return out;
}

std::optional<shop::Address> ReadAddress(Reader& parent, const json& j, const std::string& key) {
  const json* v = parent.Get(key);
  if (!v) return std::nullopt;
  Reader r(*v, key);
  shop::Address a;
  a.line1 = r.Str("line1", true);
  a.line2 = r.OptStr("line2");
  a.city = r.Str("city", true);
  a.region = r.Str("region", false);
  a.postal_code = r.Str("postal_code", false);
  a.country = r.Str("country", true);
  if (!r.ok()) parent.Fail(r.error());
  return a;
}

json Opt(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }
json Opt(const std::optional<Money>& m) { return m ? json(m->ToString()) : json(nullptr); }
json Opt(const std::optional<base::TimePoint>& t) {
  return t ? json(base::FormatTime(*t)) : json(nullptr);
}

json AddressJson(const std::optional<shop::Address>& a) {
  if (!a) return nullptr;
  return {{"line1", a->line1},   {"line2", Opt(a->line2)},        {"city", a->city},
          {"region", a->region}, {"postal_code", a->postal_code}, {"country", a->country}};
}

}  // namespace

base::Result<json> ParseBody(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded())
    return base::Malformed("body", "the body is not valid JSON", "malformed_json");
  return j;
}

base::Result<shop::Item> ItemFromJson(const json& j, const std::string& sku_in_path) {
  Reader r(j, "");
  shop::Item item;
  item.sku = r.Str("sku", false, sku_in_path);
  if (r.ok() && item.sku != sku_in_path)
    r.Fail(Invalid(
        "sku", "sku \"" + item.sku + "\" differs from the SKU in the URL \"" + sku_in_path + "\""));
  item.description = r.Str("description", true);
  item.kind = r.Enum("kind", shop::ItemKind::kInventory, "inventory, gift_card, non_inventory");
  item.source = r.Enum("source", shop::ItemSource::kSite, "pos_sync, supplier_sync, site");
  item.lightspeed_item_id = r.OptId("lightspeed_item_id");
  item.upc = r.OptStr("upc");
  item.ean = r.OptStr("ean");
  item.manufacturer_sku = r.OptStr("manufacturer_sku");
  item.brand = r.OptStr("brand");
  item.price = r.Amount("price", true);
  item.cost = r.OptAmount("cost");
  item.msrp = r.OptAmount("msrp");
  item.serialized = r.Bool("serialized", false);
  if (!r.ok()) return r.error();
  return item;
}

base::Result<shop::Order> OrderFromJson(const json& j, const std::string& number_in_path,
                                        base::TimePoint now) {
  Reader r(j, "");
  shop::Order o;
  o.number = r.Str("number", false, number_in_path);
  if (r.ok() && o.number != number_in_path)
    r.Fail(Invalid("number", "number \"" + o.number + "\" differs from the number in the URL \"" +
                                 number_in_path + "\""));
  o.placed_at = r.Time("placed_at", true, now);
  o.status =
      r.Enum("status", shop::OrderStatus::kOpen, "open, processing, shipped, completed, cancelled");
  o.currency = r.Str("currency", false);  // empty: the store's currency
  if (const json* c = r.Get("customer")) {
    Reader cr(*c, "customer");
    o.customer.email = cr.Str("email", true);
    o.customer.first_name = cr.Str("first_name", false);
    o.customer.last_name = cr.Str("last_name", false);
    o.customer.phone = cr.OptStr("phone");
    if (!cr.ok()) r.Fail(cr.error());
  } else {
    r.Fail(Invalid("customer", "customer is required"));
  }
  o.billing_address = ReadAddress(r, j, "billing_address");
  o.shipping_address = ReadAddress(r, j, "shipping_address");
  if (const json* lines = r.Array("lines")) {
    for (size_t i = 0; i < lines->size(); ++i) {
      Reader lr((*lines)[i], Indexed("lines", i));
      shop::Line l;
      l.sku = lr.Str("sku", true);
      l.quantity = lr.Int("quantity", true);
      l.unit_price = lr.Amount("unit_price", true);
      l.discount = lr.Amount("discount", false);
      l.taxable = lr.Bool("taxable", true);
      if (const json* serials = lr.Array("serial_numbers")) {
        for (size_t k = 0; k < serials->size(); ++k) {
          if (!(*serials)[k].is_string()) {
            lr.Fail(Invalid(lr.Path("serial_numbers"),
                            lr.Path(Indexed("serial_numbers", k)) + " must be a string"));
            break;
          }
          l.serial_numbers.push_back((*serials)[k].get<std::string>());
        }
      }
      if (!lr.ok()) r.Fail(lr.error());
      o.lines.push_back(std::move(l));
    }
  } else if (r.ok()) {
    r.Fail(Invalid("lines", "lines is required"));
  }
  o.order_discount = r.Amount("order_discount", false);
  if (const json* s = r.Get("shipping")) {
    Reader sr(*s, "shipping");
    o.shipping = shop::Shipping{sr.Str("method", false), sr.Amount("amount", true)};
    if (!sr.ok()) r.Fail(sr.error());
  }
  o.tax = r.Amount("tax", true);
  o.total = r.Amount("total", true);
  if (const json* pays = r.Array("payments")) {
    for (size_t i = 0; i < pays->size(); ++i) {
      Reader pr((*pays)[i], Indexed("payments", i));
      shop::Payment p;
      p.id = pr.Str("id", true);
      p.method = pr.Str("method", true);
      p.amount = pr.Amount("amount", true);
      p.status =
          pr.Enum("status", shop::PaymentStatus::kCaptured, "authorized, captured, voided, failed");
      p.reference = pr.OptStr("reference");
      if (!pr.ok()) r.Fail(pr.error());
      o.payments.push_back(std::move(p));
    }
  }
  if (const json* refunds = r.Array("refunds")) {
    for (size_t i = 0; i < refunds->size(); ++i) {
      Reader rr((*refunds)[i], Indexed("refunds", i));
      o.refunds.push_back(shop::Refund{
          rr.Str("id", true), rr.Str("method", true), rr.Amount("amount", true),
          rr.Time("at", false, std::chrono::time_point_cast<std::chrono::seconds>(now)),
          ReadRefundLines(rr)});
      if (!rr.ok()) r.Fail(rr.error());
    }
  }
  if (!r.ok()) return r.error();
  return o;
}

base::Result<shop::Refund> RefundFromJson(const json& j, base::TimePoint now) {
  // Stored to the second; a default with sub-seconds would never compare equal on a re-PUT.
  now = std::chrono::time_point_cast<std::chrono::seconds>(now);
  Reader r(j, "");
  shop::Refund refund{r.Str("id", true), r.Str("method", true), r.Amount("amount", true),
                      r.Time("at", false, now), ReadRefundLines(r)};
  if (!r.ok()) return r.error();
  if (refund.amount.IsZero()) return Invalid("amount", "amount must be more than 0.00");
  return refund;
}

base::Result<SettingsChange> SettingsChangeFromJson(const json& j) {
  Reader r(j, "");
  SettingsChange c;
  for (auto [key, target] : {std::pair{"account_id", &c.account_id},
                             {"shop_id", &c.shop_id},
                             {"register_id", &c.register_id},
                             {"employee_id", &c.employee_id}})
    if (r.Get(key)) *target = r.OptId(key).value_or("");
  for (auto [key, target] : {std::pair{"reference_source", &c.reference_source},
                             {"tax_mode", &c.tax_mode},
                             {"auto_export", &c.auto_export},
                             {"customer_marketing", &c.customer_marketing},
                             {"time_zone", &c.time_zone},
                             {"refunds", &c.refunds}})
    if (r.Get(key)) *target = r.Str(key, false);
  if (const json* types = r.Get("payment_types")) {
    if (!types->is_object()) {
      r.Fail(Invalid("payment_types", "payment_types must be an object of name → name"));
    } else {
      c.payment_types.emplace();
      for (auto& [k, v] : types->items()) {
        if (!v.is_string()) {
          r.Fail(Invalid("payment_types." + k,
                         "payment_types." + k + " must name a Lightspeed payment type"));
          break;
        }
        (*c.payment_types)[k] = v.get<std::string>();
      }
    }
  }
  if (!r.ok()) return r.error();
  return c;
}

json ItemToJson(const shop::Item& i) {
  return {{"sku", i.sku},
          {"description", i.description},
          {"kind", shop::Name(i.kind)},
          {"source", shop::Name(i.source)},
          {"lightspeed_item_id", Opt(i.lightspeed_item_id)},
          {"upc", Opt(i.upc)},
          {"ean", Opt(i.ean)},
          {"manufacturer_sku", Opt(i.manufacturer_sku)},
          {"brand", Opt(i.brand)},
          {"price", i.price.ToString()},
          {"cost", Opt(i.cost)},
          {"msrp", Opt(i.msrp)},
          {"serialized", i.serialized}};
}

json OrderToJson(const shop::Order& o) {
  json lines = json::array();
  for (const shop::Line& l : o.lines)
    lines.push_back({{"sku", l.sku},
                     {"description", l.description},
                     {"kind", shop::Name(l.kind)},
                     {"quantity", l.quantity},
                     {"unit_price", l.unit_price.ToString()},
                     {"discount", l.discount.ToString()},
                     {"taxable", l.taxable},
                     {"serial_numbers", l.serial_numbers}});
  json payments = json::array();
  for (const shop::Payment& p : o.payments)
    payments.push_back({{"id", p.id},
                        {"method", p.method},
                        {"amount", p.amount.ToString()},
                        {"status", shop::Name(p.status)},
                        {"reference", Opt(p.reference)}});
  json refunds = json::array();
  for (const shop::Refund& r : o.refunds) {
    json lines = json::array();
    for (const shop::RefundLine& l : r.lines)
      lines.push_back({{"sku", l.sku}, {"quantity", l.quantity}});
    refunds.push_back({{"id", r.id},
                       {"method", r.method},
                       {"amount", r.amount.ToString()},
                       {"at", base::FormatTime(r.at)},
                       {"lines", lines}});
  }
  json customer = {{"email", o.customer.email},
                   {"first_name", o.customer.first_name},
                   {"last_name", o.customer.last_name},
                   {"phone", Opt(o.customer.phone)}};
  json shipping = nullptr;
  if (o.shipping)
    shipping = {{"method", o.shipping->method}, {"amount", o.shipping->amount.ToString()}};
  return {{"number", o.number},
          {"placed_at", base::FormatTime(o.placed_at)},
          {"status", shop::Name(o.status)},
          {"currency", o.currency},
          {"customer", customer},
          {"billing_address", AddressJson(o.billing_address)},
          {"shipping_address", AddressJson(o.shipping_address)},
          {"lines", lines},
          {"order_discount", o.order_discount.ToString()},
          {"shipping", shipping},
          {"tax", o.tax.ToString()},
          {"total", o.total.ToString()},
          {"payments", payments},
          {"refunds", refunds}};
}

json BalanceToJson(const shop::Balance& b) {
  return {{"due", b.due.ToString()}, {"state", shop::Name(b.state)}, {"message", b.message}};
}

json ExportToJson(const store::ExportRecord& e, const std::vector<store::ExportAttempt>* attempts) {
  json not_sent = json::array();
  for (const store::NotSent& n : e.not_sent)
    not_sent.push_back({{"sku", n.sku}, {"amount", n.amount.ToString()}, {"reason", n.reason}});
  json out = {{"state", shop::Name(e.state)},
              {"sale_id", e.sale_id.empty() ? json(nullptr) : json(e.sale_id)},
              {"queued_at", Opt(e.queued_at)},
              {"exported_at", Opt(e.exported_at)},
              {"attempts", e.attempts},
              {"not_sent", not_sent},
              {"message", e.message.empty() ? json(nullptr) : json(e.message)}};
  if (attempts) {
    json timeline = json::array();
    for (const store::ExportAttempt& a : *attempts)
      timeline.push_back({{"n", a.n},
                          {"started_at", base::FormatTime(a.started_at)},
                          {"finished_at", base::FormatTime(a.finished_at)},
                          {"outcome", store::Name(a.outcome)},
                          {"http_status", a.http_status},
                          {"message", a.message},
                          {"units", a.units},
                          {"sent", a.sent.empty() ? json(nullptr) : json(a.sent)}});
    out["timeline"] = timeline;
  }
  return out;
}

json SettingsToJson(const store::LightspeedSettings& s) {
  json types = json::object();
  for (const auto& [k, v] : s.payment_types) types[k] = v;
  return {{"account_id", s.account_id},
          {"shop_id", s.shop_id},
          {"register_id", s.register_id},
          {"employee_id", s.employee_id},
          {"reference_source", s.reference_source},
          {"tax_mode", store::Name(s.tax_mode)},
          {"auto_export", store::Name(s.auto_export)},
          {"customer_marketing", store::Name(s.customer_marketing)},
          {"time_zone", s.time_zone},
          {"refunds", store::Name(s.refunds)},
          {"payment_types", types},
          {"connection", store::Name(s.connection)}};
}

json ErrorJson(const base::Error& e) {
  json err = {{"code", e.reason.empty() ? base::ErrorCodeName(e.code) : e.reason},
              {"message", e.message}};
  if (!e.field.empty()) err["field"] = e.field;
  return {{"error", err}};
}

}  // namespace api::codec

namespace api::codec {

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json OrderViewToJson(const OrderView& v, bool with_timeline) {
  json out = OrderToJson(v.record.order);
  out["balance"] = BalanceToJson(v.balance);
  out["export"] =
      ExportToJson(v.record.export_record, with_timeline ? &v.record.attempts : nullptr);
  const shop::Eligibility& e = v.exportable;
  out["exportable"] = {{"ok", e.ok()},
                       {"code", e.ok() ? json(nullptr) : json(e.code)},
                       {"message", e.ok() ? json(nullptr) : json(e.message)}};
  out["notices"] = v.notices;
  // Each refund's Lightspeed state when the store sends refunds (issue 15); null otherwise.
  for (json& r : out["refunds"]) {
    auto it = v.refund_exports.find(r["id"].get<std::string>());
    if (it == v.refund_exports.end()) {
      r["lightspeed"] = nullptr;
      continue;
    }
    const store::RefundExport& x = it->second;
    r["lightspeed"] = {{"state", store::Name(x.state)},
                       {"reference", store::RefundReference(x.number, x.refund_id)},
                       {"sale_id", x.sale_id.empty() ? json(nullptr) : json(x.sale_id)},
                       {"sent_at", x.sent_at ? json(base::FormatTime(*x.sent_at)) : json(nullptr)},
                       {"attempts", x.attempts},
                       {"message", x.message.empty() ? json(nullptr) : json(x.message)}};
  }
  return out;
}

json ExportPreviewToJson(const ExportPreview& p) {
  const auto id = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  json lines = json::array();
  for (const ExportPreview::Line& l : p.lines)
    lines.push_back({{"sku", l.sku},
                     {"description", l.description},
                     {"quantity", l.quantity},
                     {"unit_price", l.unit_price.ToString()},
                     {"discount", l.discount.ToString()},
                     {"total", l.total.ToString()},
                     {"item_id", id(l.item_id)},
                     {"lookup", id(l.lookup)},
                     {"serial_numbers", l.serial_numbers}});
  json charges = json::array();
  for (const ExportPreview::Charge& c : p.charges)
    charges.push_back({{"note", c.note}, {"amount", c.amount.ToString()}});
  json payments = json::array();
  for (const ExportPreview::Payment& pay : p.payments)
    payments.push_back({{"method", pay.method},
                        {"payment_type", pay.type_name},
                        {"payment_type_id", id(pay.type_id)},
                        {"amount", pay.amount.ToString()},
                        {"lookup", id(pay.lookup)}});
  json not_sent = json::array();
  for (const store::NotSent& n : p.not_sent)
    not_sent.push_back({{"sku", n.sku}, {"amount", n.amount.ToString()}, {"reason", n.reason}});
  const shop::Eligibility& e = p.exportable;
  json out = {{"number", p.number},
              {"currency", p.currency},
              {"state", shop::Name(p.export_record.state)},
              {"exported", p.exported},
              {"sale_id", id(p.export_record.sale_id)},
              {"exported_at", Opt(p.export_record.exported_at)},
              {"exportable",
               {{"ok", e.ok()},
                {"code", e.ok() ? json(nullptr) : json(e.code)},
                {"message", e.ok() ? json(nullptr) : json(e.message)}}},
              {"hold", id(p.hold)},
              {"not_sent", not_sent},
              {"web_total", p.web_total.ToString()},
              {"notes", p.notes}};
  if (p.exported) return out;  // R1: nothing will be sent, so there is no sale to show
  out["reference"] = {{"number", p.reference_number}, {"source", p.reference_source}};
  out["customer"] = {{"name", p.customer.name},
                     {"email", p.customer.email},
                     {"id", id(p.customer.id)},
                     {"lookup", id(p.customer.lookup)}};
  out["lines"] = lines;
  out["charges"] = charges;
  out["tax"] = {
      {"mode", store::Name(p.tax_mode)}, {"web_order_tax", p.web_tax.ToString()}, {"how", p.tax}};
  out["payments"] = payments;
  out["expected_total"] = Opt(p.expected_total);
  return out;
}

json ConnectionStatusToJson(const ConnectionStatus& st) {
  auto text_or_null = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  json bucket = nullptr;
  if (st.bucket)
    bucket = {{"level", st.bucket->level},
              {"size", st.bucket->size},
              {"drip_rate", st.bucket->drip_rate}};
  const store::LightspeedSettings& s = st.settings;
  return {{"connected", st.connected},
          {"connection", store::Name(st.connection)},
          {"message", text_or_null(st.message)},
          {"lapses_at", st.lapses_at ? json(base::FormatTime(*st.lapses_at)) : json(nullptr)},
          {"oauth_redirect_uri", text_or_null(st.oauth_redirect_uri)},
          {"oauth_redirect_problem", text_or_null(st.oauth_redirect_problem)},
          {"account_id", s.account_id},
          {"shop_id", s.shop_id},
          {"register_id", s.register_id},
          {"employee_id", s.employee_id},
          {"bucket", bucket},
          {"queue_length", st.queue_length},
          {"needs_attention", st.needs_attention},
          {"backlog", {{"queued", st.queued}, {"exporting", st.exporting}}},
          {"lane", st.lane},
          {"driving_node", text_or_null(st.driving_node)},
          {"expected_drain_seconds",
           st.expected_drain_seconds ? json(*st.expected_drain_seconds) : json(nullptr)}};
}

namespace {

std::string KeyOf(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

FileRecord ReadRecord(size_t position, const json& j, base::TimePoint now) {
  FileRecord r;
  r.position = position;
  if (j.is_object() && (j.contains("lines") || j.contains("number"))) {
    r.key = KeyOf(j, "number");
    if (r.key.empty()) {
      r.error = base::Invalid("number", "number must be a string");
      return r;
    }
    auto order = OrderFromJson(j, r.key, now);
    if (order.ok())
      r.order = std::move(*order);
    else
      r.error = order.error();
  } else if (j.is_object() && j.contains("sku")) {
    r.key = KeyOf(j, "sku");
    if (r.key.empty()) {
      r.error = base::Invalid("sku", "sku must be a string");
      return r;
    }
    auto item = ItemFromJson(j, r.key);
    if (item.ok())
      r.item = std::move(*item);
    else
      r.error = item.error();
  } else {
    r.error = base::Invalid("", "neither an item (has \"sku\") nor an order (has \"number\")");
  }
  return r;
}

}  // namespace

base::Result<std::vector<FileRecord>> ReadImportFile(const std::string& content,
                                                     base::TimePoint now) {
  std::vector<FileRecord> out;
  const size_t first = content.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && content[first] == '[') {
    json all = json::parse(content, nullptr, false);
    if (all.is_discarded() || !all.is_array())
      return base::Invalid("file", "the file starts with '[' but is not a valid JSON array");
    for (size_t i = 0; i < all.size(); ++i) out.push_back(ReadRecord(i + 1, all[i], now));
    return out;
  }
  size_t line_no = 0, pos = 0;
  while (pos <= content.size()) {
    size_t end = content.find('\n', pos);
    if (end == std::string::npos) end = content.size();
    const std::string line = content.substr(pos, end - pos);
    ++line_no;
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      FileRecord r;
      r.position = line_no;
      r.error = base::Malformed("", "this line is not valid JSON");
      out.push_back(std::move(r));
    } else {
      out.push_back(ReadRecord(line_no, j, now));
    }
  }
  return out;
}

}  // namespace api::codec
