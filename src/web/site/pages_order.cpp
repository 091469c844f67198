// Order details: lines, totals, payments (Capture), refunds, the balance, the status section with
// its export box, what an export would send (pages_preview.cpp), the export timeline and the lines
// not sent (R8), and the R24 reminder.
#include <cctype>

#include "web/site/site.h"
#include "web/site/views.h"

namespace web::site {
namespace {

std::string Row(const std::string& label, const std::string& value, const char* cls = "") {
  return std::string("<tr class=\"") + cls + "\"><th>" + label + "</th><td class=\"num\">" + value +
         "</td></tr>";
}

bool PaidWithPayPal(const shop::Order& o) {
  for (const shop::Payment& p : o.payments) {
    std::string m = p.method;
    for (char& ch : m) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (m.find("paypal") != std::string::npos) return true;
  }
  return false;
}

std::string AddressHtml(const std::optional<shop::Address>& a) {
  if (!a) return "<span class=\"muted\">none</span>";
  std::string out = Escape(a->line1);
  if (a->line2) out += "<br>" + Escape(*a->line2);
  return out + "<br>" + Escape(a->postal_code + " " + a->city + ", " + a->region) + "<br>" +
         Escape(a->country);
}

const char* PaymentStatusLabel(shop::PaymentStatus s) {
  switch (s) {
    case shop::PaymentStatus::kAuthorized:
      return "Authorized (not captured)";
    case shop::PaymentStatus::kCaptured:
      return "Captured";
    case shop::PaymentStatus::kVoided:
      return "Voided";
    case shop::PaymentStatus::kFailed:
      return "Failed";
  }
  return "?";
}

const char* OutcomeLabel(store::AttemptOutcome outcome) {
  switch (outcome) {
    case store::AttemptOutcome::kExported:
      return "Sent — Lightspeed created the sale";
    case store::AttemptOutcome::kAdopted:
      return "Found in Lightspeed (sent earlier) — kept, not sent again";
    case store::AttemptOutcome::kRetry:
      return "Failed for now — will retry";
    case store::AttemptOutcome::kFailed:
      return "Stopped — needs attention";
  }
  return "Attempt";
}

}  // namespace

void Site::OrderPage(Ctx& c) {
  const store::StoreId s = c.session.store_id;
  const std::string number = c.req.matches[1];
  // The API's view of the order: the record, R24's reminder and each refund's Lightspeed state.
  auto view = api_.GetOrder(s, number);
  if (!view.ok()) {
    c.res.status = view.error().code == base::ErrorCode::kNotFound ? 404 : 500;
    return Html(c, "Order not found", "orders",
                "<h1>Order #" + Escape(number) + "</h1><p class=\"flash error\">" +
                    Escape(view.error().code == base::ErrorCode::kNotFound
                               ? "There is no order with this number in your store."
                               : view.error().message) +
                    "</p><p><a href=\"/orders\">Back to Open Orders</a></p>");
  }
  const store::OrderRecord* rec = &view->record;
  const std::map<std::string, store::RefundExport>& refund_exports = view->refund_exports;
  const auto& settings = c.settings;
  const shop::Connection conn = settings.ok() ? store::ConnectionOf(*settings) : shop::Connection{};
  const shop::Order& o = rec->order;
  const store::ExportRecord& e = rec->export_record;
  const shop::Balance& balance = view->balance;
  const shop::Eligibility why = shop::CheckEligibility(o, e.state, conn);
  const std::string cur = o.currency;
  const std::string base_path = "/orders/" + UrlEncode(o.number);
  const std::string csrf = CsrfField(c.session.csrf_token);

  std::string b = "<p><a href=\"/orders\">← Open Orders</a></p><h1>Order #" + Escape(o.number) +
                  " <span class=\"tag\">" + StatusLabel(o.status) + "</span></h1>";
  b += "<p class=\"balance-message\">" + BalanceHtml(*rec, balance, refund_exports) + "</p>";
  for (const std::string& notice : view->notices)
    b += "<p class=\"notice refund-reminder\">" + Escape(notice) + "</p>";

  // Status section: the status select and the export box in one form (R26).
  b += "<section class=\"status-section\"><h2>Order status</h2><form method=\"post\" action=\"" +
       base_path + "/status\">" + csrf +
       "<label for=\"order-status\">Status</label><select id=\"order-status\" name=\"status\">" +
       StatusOptions(o.status) + "</select><div class=\"export-box\">";
  const std::string state = ExportStateHtml(e, why, c.time_zone());
  if (state.empty())
    b += "<label class=\"box\"><input type=\"checkbox\" name=\"export\" value=\"1\" "
         "id=\"export-box\"> Export to Lightspeed</label>";
  else
    b += "<p>Lightspeed: " + state + "</p>";
  b += "</div><div class=\"actions\"><button type=\"submit\">Save</button></div></form>";
  if (e.state == shop::ExportState::kNeedsAttention)
    b += "<form method=\"post\" action=\"" + base_path + "/retry\">" + csrf +
         "<button type=\"submit\" class=\"secondary\" aria-label=\"Retry export of order " +
         Escape(o.number) + "\">Retry export</button></form>";
  b += "</section>";

  // Customer and addresses.
  b += "<div class=\"grid\"><section><h2>Customer</h2><p>" +
       Escape(o.customer.first_name + " " + o.customer.last_name) + "<br>" +
       Escape(o.customer.email) + (o.customer.phone ? "<br>" + Escape(*o.customer.phone) : "") +
       "</p><p class=\"muted\">Placed " + Escape(FormatWhen(o.placed_at, c.time_zone())) +
       "</p></section><section><h2>Billing address</h2><p>" +
       (o.billing_address || !PaidWithPayPal(o)
            ? AddressHtml(o.billing_address)
            : "<span class=\"muted\" id=\"no-billing\">None: PayPal does not give the store "
              "the buyer's billing address.</span>") +
       "</p></section><section><h2>Shipping address</h2><p>" + AddressHtml(o.shipping_address) +
       "</p></section></div>";

  // Lines and totals.
  b += "<section><h2>Lines</h2><div class=\"table-wrap\"><table class=\"cards lines\"><thead>"
       "<tr><th>SKU</th><th>Item"
       "</th><th class=\"num\">Qty</th><th class=\"num\">Price</th><th class=\"num\">Discount</th>"
       "<th class=\"num\">Amount</th></tr></thead><tbody>";
  base::Money subtotal;
  for (const shop::Line& l : o.lines) {
    subtotal += l.Amount();
    std::string desc = Escape(l.description);
    if (!shop::IsSentToLightspeed(l))
      desc += " <span class=\"tag\">" +
              std::string(l.kind == shop::ItemKind::kGiftCard ? "gift card" : "non-inventory") +
              ": not sent</span>";
    if (!l.serial_numbers.empty()) {
      std::string serials;
      for (const auto& sn : l.serial_numbers) serials += (serials.empty() ? "" : ", ") + sn;
      desc += "<br><span class=\"muted\">Serial " + Escape(serials) + "</span>";
    }
    b += "<tr><td data-label=\"SKU\">" + Escape(l.sku) + "</td><td data-label=\"Item\">" + desc +
         "</td><td class=\"num\" data-label=\"Qty\">" + std::to_string(l.quantity) +
         "</td><td class=\"num\" data-label=\"Price\">" + Escape(FormatMoney(l.unit_price, cur)) +
         "</td><td class=\"num\"" + (l.discount.IsZero() ? "" : " data-label=\"Discount\"") + ">" +
         (l.discount.IsZero() ? "" : Escape(FormatMoney(l.discount, cur))) +
         "</td><td class=\"num\" data-label=\"Amount\">" + Escape(FormatMoney(l.Amount(), cur)) +
         "</td></tr>";
  }
  b += "</tbody></table></div><table class=\"totals\">";
  b += Row("Subtotal", Escape(FormatMoney(subtotal, cur)));
  if (!o.order_discount.IsZero())
    b += Row("Order discount", "−" + Escape(FormatMoney(o.order_discount, cur)));
  if (o.shipping)
    b += Row("Shipping (" + Escape(o.shipping->method) + ")",
             Escape(FormatMoney(o.shipping->amount, cur)));
  b += Row("Tax", Escape(FormatMoney(o.tax, cur)));
  b += Row("Total", "<strong>" + Escape(FormatMoney(o.total, cur)) + "</strong>");
  b += Row("Balance due", Escape(FormatMoney(balance.due, cur)));
  b += "</table></section>";

  // Payments, with Capture for authorized ones; refunds.
  b += "<section><h2>Payments</h2><div class=\"table-wrap\"><table><thead><tr><th>Payment</th>"
       "<th>Method</th><th class=\"num\">Amount</th><th>Status</th><th></th></tr></thead><tbody>";
  for (const shop::Payment& p : o.payments) {
    b += "<tr data-payment=\"" + Escape(p.id) + "\"><td>" + Escape(p.id) +
         (p.reference ? "<br><span class=\"muted\">" + Escape(*p.reference) + "</span>" : "") +
         "</td><td>" + Escape(p.method) + "</td><td class=\"num\">" +
         Escape(FormatMoney(p.amount, cur)) + "</td><td>" + PaymentStatusLabel(p.status) +
         "</td><td>";
    if (p.status == shop::PaymentStatus::kAuthorized)
      b += "<form method=\"post\" action=\"" + base_path + "/payments/" + UrlEncode(p.id) +
           "/capture\">" + csrf + "<button type=\"submit\">Capture " +
           Escape(FormatMoney(p.amount, cur)) + "</button></form>";
    b += "</td></tr>";
  }
  if (o.payments.empty()) b += "<tr><td colspan=\"5\" class=\"muted\">No payments.</td></tr>";
  b += "</tbody></table></div>";
  if (!o.refunds.empty()) {
    b += "<h2>Refunds</h2><div class=\"table-wrap\"><table class=\"refunds\"><thead><tr>"
         "<th>Refund</th><th>Method</th><th class=\"num\">Amount</th><th>When</th>"
         "<th>Lightspeed</th></tr></thead><tbody>";
    for (const shop::Refund& r : o.refunds) {
      std::string given_back;
      for (const shop::RefundLine& l : r.lines)
        given_back += "<br><span class=\"muted\">" + std::to_string(l.quantity) + " × " +
                      Escape(l.sku) + " back</span>";
      auto x = refund_exports.find(r.id);
      b +=
          "<tr data-refund=\"" + Escape(r.id) + "\"><td>" + Escape(r.id) + given_back +
          "</td><td>" + Escape(r.method) + "</td><td class=\"num\">" +
          Escape(FormatMoney(r.amount, cur)) + "</td><td>" +
          Escape(FormatWhen(r.at, c.time_zone())) + "</td><td>" +
          (x == refund_exports.end() ? std::string("<span class=\"muted\">Not sent by spoke</span>")
                                     : RefundStateHtml(x->second, c.time_zone()));
      if (x != refund_exports.end() && x->second.state == store::RefundState::kNeedsAttention)
        b += "<form method=\"post\" action=\"" + base_path + "/refunds/" + UrlEncode(r.id) +
             "/retry\">" + csrf + "<button type=\"submit\" aria-label=\"Retry refund " +
             Escape(r.id) + "\">Retry</button></form>";
      b += "</td></tr>";
    }
    b += "</tbody></table></div>";
  }
  b += "</section>";

  // What an export would send now (no Lightspeed request); an exported order is not sent again.
  if (e.state != shop::ExportState::kExported)
    if (auto preview = api_.PreviewExport(s, number); preview.ok())
      b += ExportPreviewHtml(*preview);

  // Not sent (R8): what was left out, or what will be.
  std::string not_sent;
  if (!e.not_sent.empty()) {
    for (const store::NotSent& n : e.not_sent)
      not_sent += "<li>" + Escape(n.sku) + " — " + Escape(FormatMoney(n.amount, cur)) + " (" +
                  Escape(n.reason) + ")</li>";
  } else if (e.state != shop::ExportState::kExported) {
    for (const shop::Line& l : o.lines)
      if (!shop::IsSentToLightspeed(l))
        not_sent += "<li>" + Escape(l.sku + " " + l.description) + " — " +
                    Escape(FormatMoney(l.Amount(), cur)) + " (" +
                    (l.kind == shop::ItemKind::kGiftCard ? "gift card" : "non-inventory item") +
                    ")</li>";
  }
  if (!not_sent.empty())
    b += "<section class=\"not-sent\"><h2>Not sent to Lightspeed</h2><p>Ring these up in "
         "Lightspeed yourself:</p><ul>" +
         not_sent + "</ul></section>";

  // Export timeline: every attempt with Lightspeed's answer (R27).
  b += "<section class=\"timeline\"><h2>Export timeline</h2>";
  if (e.queued_at)
    b += "<p class=\"muted\">Queued " + Escape(FormatWhen(*e.queued_at, c.time_zone())) + "</p>";
  if (rec->attempts.empty()) {
    b += "<p class=\"muted\">No attempts yet.</p>";
  } else {
    b += "<ol>";
    for (const store::ExportAttempt& a : rec->attempts) {
      char units[32];
      std::snprintf(units, sizeof units, "%.1f", a.units);
      b += "<li class=\"attempt\"><strong>Attempt " + std::to_string(a.n) + ": " +
           OutcomeLabel(a.outcome) + "</strong><br><span class=\"muted\">" +
           Escape(FormatWhen(a.started_at, c.time_zone())) +
           (a.http_status ? " · HTTP " + std::to_string(a.http_status) : std::string()) + " · " +
           units + " units</span>";
      if (!a.message.empty()) b += "<br>" + Escape(a.message);
      if (!a.sent.empty()) b += "<br><span class=\"muted\">Sent: " + Escape(a.sent) + "</span>";
      b += "</li>";
    }
    b += "</ol>";
  }
  if (e.state == shop::ExportState::kExported)
    b += "<p>Lightspeed sale <strong class=\"sale-id\">#" + Escape(e.sale_id) + "</strong></p>";
  b += "</section>";
  Html(c, "Order #" + o.number, "orders", b, InFlight(e) ? 2 : 0);
}

void Site::OrderStatusPost(Ctx& c) {
  const store::StoreId s = c.session.store_id;
  const std::string number = c.req.matches[1];
  const std::string back = "/orders/" + UrlEncode(number);
  auto rec = store_.GetOrder(s, number);
  if (!rec.ok()) {
    AddFlash(c.session.id_hash, true, "Order #" + number + ": " + rec.error().message);
    return Redirect(c.res, "/orders");
  }
  const std::string status = c.req.Param("status");
  if (!status.empty() && status != shop::Name(rec->order.status)) {
    shop::OrderStatus next;
    if (!shop::Parse(status, &next))
      AddFlash(c.session.id_hash, true,
               "The status was not changed: \"" + status + "\" is not an order status.");
    else if (auto r = api_.SetOrderStatus(s, number, next); !r.ok())
      AddFlash(c.session.id_hash, true, "The status was not changed: " + r.error().message);
    else
      AddFlash(c.session.id_hash, false, "Status changed to " + status + ".");
  }
  if (c.req.Param("export") == "1") {
    if (auto r = api_.RequestExport(s, number); r.ok())
      AddFlash(c.session.id_hash, false,
               "Sending order #" + number +
                   " to Lightspeed. The sale number appears here when "
                   "Lightspeed has it.");
    else
      AddFlash(c.session.id_hash, true, "Not exported: " + r.error().message);
  }
  Redirect(c.res, back);
}

void Site::CapturePost(Ctx& c) {
  const std::string number = c.req.matches[1], payment = c.req.matches[2];
  if (auto r = api_.CapturePayment(c.session.store_id, number, payment); r.ok())
    AddFlash(c.session.id_hash, false, "Payment " + payment + " captured.");
  else
    AddFlash(c.session.id_hash, true, "The payment was not captured: " + r.error().message);
  Redirect(c.res, "/orders/" + UrlEncode(number));
}

void Site::RetryPost(Ctx& c) {
  const std::string number = c.req.matches[1];
  if (auto r = api_.RetryExport(c.session.store_id, number); r.ok())
    AddFlash(c.session.id_hash, false, "Order #" + number + " is queued for Lightspeed again.");
  else
    AddFlash(c.session.id_hash, true,
             "Order #" + number + " was not retried: " + r.error().message);
  std::string back = c.req.Param("back");
  Redirect(c.res, back == "/exports" ? back : "/orders/" + UrlEncode(number));
}

void Site::RetryRefundPost(Ctx& c) {
  const std::string number = c.req.matches[1], refund = c.req.matches[2];
  if (auto r = api_.RetryRefund(c.session.store_id, number, refund); r.ok())
    AddFlash(c.session.id_hash, false,
             "Refund " + refund + " of order #" + number + " is queued for Lightspeed again.");
  else
    AddFlash(
        c.session.id_hash, true,
        "Refund " + refund + " of order #" + number + " was not retried: " + r.error().message);
  Redirect(c.res, "/orders/" + UrlEncode(number));
}

}  // namespace web::site
