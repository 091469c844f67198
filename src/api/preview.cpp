// Api::PreviewExport: what an export would send, planned by the exporter's pure planner over
// spoke's own records. Reads the store only: no Lightspeed request, no write anywhere.
#include "api/api.h"
#include "base/clock.h"
#include "exporter/plan.h"

namespace api {
namespace {

// R17: the codes an item is looked for by in Lightspeed, in the exporter's order.
std::string ItemLookup(const shop::Item& item) {
  std::string codes;
  const auto add = [&codes](const char* what, const std::optional<std::string>& code) {
    if (!code || code->empty()) return;
    codes += (codes.empty() ? "" : ", ") + std::string(what) + " " + *code;
  };
  add("UPC", item.upc);
  add("EAN", item.ean);
  add("manufacturer SKU", item.manufacturer_sku);
  add("custom SKU", item.sku);
  return "New to spoke: looked up in Lightspeed by " + codes +
         " when exported, created if not found";
}

std::string FullName(const shop::Customer& c) {
  std::string name = c.first_name;
  if (!c.last_name.empty()) name += (name.empty() ? "" : " ") + c.last_name;
  return name;
}

void FillFromPlan(const store::OrderRecord& rec, const std::map<std::string, shop::Item>& catalog,
                  const store::LightspeedSettings& settings, const exporter::Plan& plan,
                  ExportPreview* out) {
  const shop::Order& o = rec.order;
  const exporter::Draft& d = plan.draft;
  out->hold = plan.hold;
  out->reference_number = d.sale.reference_number;
  out->reference_source = d.sale.reference_source;

  out->customer.name = FullName(o.customer);
  out->customer.email = exporter::NormalizeKey(o.customer.email);
  out->customer.id = d.sale.customer_id;
  if (out->customer.id.empty())
    out->customer.lookup =
        "New to spoke: looked up in Lightspeed by e-mail when exported, " +
        std::string(settings.customer_marketing == store::CustomerMarketing::kConsented
                        ? "created if not found"
                        : "created if not found (opted out of marketing)");

  for (size_t i = 0; i < d.sale.lines.size(); ++i) {
    const lightspeed::NewSaleLine& l = d.sale.lines[i];
    const base::Money amount = base::Money::FromCents(l.unit_price.cents() * l.quantity);
    if (i >= d.order_lines.size()) {
      out->charges.push_back({l.note, amount - l.discount});
      continue;
    }
    const shop::Line& web = o.lines[d.order_lines[i]];
    ExportPreview::Line line;
    line.sku = web.sku;
    line.description = web.description;
    line.quantity = l.quantity;
    line.unit_price = l.unit_price;
    line.discount = l.discount;
    line.total = amount - l.discount;
    line.item_id = l.item_id;
    if (line.item_id.empty()) {
      const auto item = catalog.find(web.sku);
      line.lookup = item == catalog.end() ? "Not in the web store's catalog any more"
                                          : ItemLookup(item->second);
    }
    out->lines.push_back(std::move(line));
  }
  for (const exporter::SerialNeed& s : plan.serials)
    if (s.sale_line < out->lines.size()) out->lines[s.sale_line].serial_numbers.push_back(s.serial);

  out->tax_mode = settings.tax_mode;
  out->web_tax = o.tax;
  if (settings.tax_mode == store::TaxMode::kLightspeed)
    out->tax =
        "Lightspeed adds the tax with its own rates. Before sending, spoke checks that it "
        "comes to the web order's " +
        o.tax.Dollars() + " and holds the order if it would not";
  else if (o.tax.IsZero())
    out->tax = "No tax: the web order charged none";
  else
    out->tax = "The web order's tax, " + o.tax.Dollars() +
               ", is sent as the charge line \"Sales tax (web order)\"; the item lines are sent "
               "untaxed";

  for (size_t i = 0; i < d.sale.payments.size(); ++i) {
    ExportPreview::Payment p;
    p.method = i < d.payment_methods.size() ? d.payment_methods[i] : "";
    p.type_name = i < d.payment_type_names.size() ? d.payment_type_names[i] : "";
    p.type_id = d.sale.payments[i].payment_type_id;
    p.amount = d.sale.payments[i].amount;
    if (p.type_id.empty())
      p.lookup =
          "New to spoke: looked up in Lightspeed by name when exported, created if not found";
    out->payments.push_back(std::move(p));
  }
  out->not_sent = plan.not_sent;
  out->expected_total = plan.expected_total;
  if (!plan.expected_total && plan.hold.empty() &&
      settings.tax_mode == store::TaxMode::kLightspeed) {
    base::Money sent = o.total;  // R11: what was paid for lines not sent is not in the sale
    for (const store::NotSent& n : plan.not_sent) sent -= n.amount;
    out->notes.push_back("The sale's total depends on Lightspeed's tax: " + sent.Dollars() +
                         (plan.not_sent.empty() ? "" : " (the web total less the lines not sent)") +
                         " if Lightspeed's tax comes to the web order's " + o.tax.Dollars());
  }
}

}  // namespace

Result<ExportPreview> Api::PreviewExport(store::StoreId s, const std::string& number) {
  auto rec = store_.GetOrder(s, number);
  if (!rec.ok()) return rec.error();
  auto settings = store_.GetLightspeedSettings(s);
  if (!settings.ok()) return settings.error();
  const shop::Order& o = rec->order;
  const store::ExportRecord& e = rec->export_record;

  ExportPreview out;
  out.number = o.number;
  out.currency = o.currency;
  out.export_record = e;
  out.web_total = o.total;
  out.exportable = shop::CheckEligibility(o, e.state, store::ConnectionOf(*settings));
  if (e.state == shop::ExportState::kExported) {
    // R1: it is never sent again, so nothing is planned; the record says what was.
    out.exported = true;
    out.not_sent = e.not_sent;
    out.notes.push_back("Already exported as Lightspeed sale " + e.sale_id +
                        (e.exported_at ? " on " + base::FormatTime(*e.exported_at) : "") +
                        ": it will not be sent again");
    return out;
  }

  std::vector<std::string> skus;
  for (const shop::Line& l : o.lines) skus.push_back(l.sku);
  auto catalog = store_.GetItems(s, skus);
  if (!catalog.ok()) return catalog.error();
  exporter::Links links;
  if (!settings->account_id.empty()) {
    const std::pair<const char*, std::map<std::string, std::string>*> kinds[] = {
        {"customer", &links.customer_by_email},
        {"item", &links.item_by_sku},
        {"payment_type", &links.payment_type_by_name}};
    for (const auto& [kind, into] : kinds) {
      auto known = store_.GetLinks(s, settings->account_id, kind);
      if (!known.ok()) return known.error();
      *into = std::move(*known);
    }
  }
  if (e.state == shop::ExportState::kQueued || e.state == shop::ExportState::kExporting)
    out.notes.push_back("On its way to Lightspeed: this is what it will send");
  else if (e.state == shop::ExportState::kNeedsAttention && !e.message.empty())
    out.notes.push_back("Needs attention: " + e.message);
  FillFromPlan(*rec, *catalog, *settings, exporter::PlanExport(o, *catalog, *settings, links),
               &out);
  out.notes.push_back(
      "Nothing has been sent: this preview uses what spoke already knows of the Lightspeed "
      "account. What is new to spoke is looked up in Lightspeed when the order is exported, and "
      "created only if not found");
  return out;
}

}  // namespace api
