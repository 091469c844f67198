// The order page's "What will be sent" section (issue 14, item 8): the sale the exporter would
// send now, from api::Api::PreviewExport, which sends nothing and writes nothing. A <details>
// element opens it, so it needs no script.
#include "web/site/site.h"

namespace web::site {
namespace {

std::string Money(const base::Money& m, const std::string& currency) {
  return Escape(FormatMoney(m, currency));
}

// A Lightspeed record known by id, or how it will be found or created.
std::string Known(const std::string& what, const std::string& id, const std::string& lookup) {
  if (!id.empty()) return Escape(what + " " + id);
  return "<span class=\"tag\">new</span> <span class=\"muted\">" + Escape(lookup) + "</span>";
}

}  // namespace

std::string ExportPreviewHtml(const api::ExportPreview& p) {
  const std::string& cur = p.currency;
  std::string b =
      "<section class=\"preview\"><details id=\"what-will-be-sent\"><summary><h2>What will be "
      "sent to Lightspeed</h2></summary>";
  if (!p.exportable.ok())
    b += "<p class=\"flash error preview-blocked\">Cannot be exported now: " +
         Escape(p.exportable.message) + "</p>";
  if (!p.hold.empty())
    b += "<p class=\"notice preview-hold\">The export would stop here: " + Escape(p.hold) + "</p>";

  b += "<p>A completed sale with reference <strong>" + Escape(p.reference_number) + "</strong> (" +
       Escape(p.reference_source) + ") for <strong>" + Escape(p.customer.name) + "</strong> " +
       Escape("<" + p.customer.email + ">") + " — " +
       Known("Lightspeed customer", p.customer.id, p.customer.lookup) + "</p>";

  b += "<div class=\"table-wrap\"><table class=\"preview-lines\"><thead><tr><th>Item</th><th>SKU"
       "</th><th class=\"num\">Qty</th><th class=\"num\">Price</th><th class=\"num\">Discount</th>"
       "<th class=\"num\">Amount</th><th>In Lightspeed</th></tr></thead><tbody>";
  for (const api::ExportPreview::Line& l : p.lines) {
    std::string desc = Escape(l.description);
    if (!l.serial_numbers.empty()) {
      std::string serials;
      for (const std::string& sn : l.serial_numbers) serials += (serials.empty() ? "" : ", ") + sn;
      desc += "<br><span class=\"muted\">Serial " + Escape(serials) + "</span>";
    }
    b += "<tr><td>" + desc + "</td><td>" + Escape(l.sku) + "</td><td class=\"num\">" +
         std::to_string(l.quantity) + "</td><td class=\"num\">" + Money(l.unit_price, cur) +
         "</td><td class=\"num\">" + (l.discount.IsZero() ? "" : Money(l.discount, cur)) +
         "</td><td class=\"num\">" + Money(l.total, cur) + "</td><td>" +
         Known("item", l.item_id, l.lookup) + "</td></tr>";
  }
  for (const api::ExportPreview::Charge& c : p.charges)
    b += "<tr class=\"charge\"><td>" + Escape(c.note) + "</td><td></td><td class=\"num\">1</td>" +
         "<td class=\"num\">" + Money(c.amount, cur) + "</td><td></td><td class=\"num\">" +
         Money(c.amount, cur) + "</td><td class=\"muted\">misc charge</td></tr>";
  if (p.lines.empty() && p.charges.empty())
    b += "<tr><td colspan=\"7\" class=\"muted\">No lines.</td></tr>";
  b += "</tbody></table></div>";

  b += "<p><strong>Tax:</strong> " + Escape(p.tax) + "</p>";

  b += "<div class=\"table-wrap\"><table class=\"preview-payments\"><thead><tr><th>Payment type"
       "</th><th>Web payment method</th><th class=\"num\">Amount</th><th>In Lightspeed</th></tr>"
       "</thead><tbody>";
  for (const api::ExportPreview::Payment& pay : p.payments)
    b += "<tr><td>" + Escape(pay.type_name) + "</td><td>" + Escape(pay.method) +
         "</td><td class=\"num\">" + Money(pay.amount, cur) + "</td><td>" +
         Known("payment type", pay.type_id, pay.lookup) + "</td></tr>";
  if (p.payments.empty()) b += "<tr><td colspan=\"4\" class=\"muted\">No payments.</td></tr>";
  b += "</tbody></table></div>";

  // The planner names no total for an order it holds: nothing would be sent.
  const std::string total = p.expected_total ? Money(*p.expected_total, cur)
                            : p.hold.empty() ? std::string("not known yet")
                                             : std::string("none, the export would stop");
  b += "<p class=\"preview-total\"><strong>Sale total in Lightspeed: " + total +
       "</strong> <span class=\"muted\">(web order total " + Money(p.web_total, cur) +
       ")</span></p>";

  if (!p.not_sent.empty()) {
    b += "<p>Not sent — ring these up in Lightspeed yourself:</p><ul class=\"preview-not-sent\">";
    for (const store::NotSent& n : p.not_sent)
      b += "<li>" + Escape(n.sku) + " — " + Money(n.amount, cur) + " (" + Escape(n.reason) +
           ")</li>";
    b += "</ul>";
  }
  for (const std::string& note : p.notes) b += "<p class=\"muted\">" + Escape(note) + "</p>";
  return b + "</details></section>";
}

}  // namespace web::site
