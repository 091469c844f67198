#include "web/site/views.h"

#include "web/site/html.h"

namespace web::site {

namespace {

std::string PlainBalanceHtml(const shop::Balance& b) {
  const bool paid = b.state == shop::BalanceState::kPaidInFull;
  return std::string("<span class=\"") + (paid ? "paid" : "unbalanced") + "\">" +
         Escape(b.message) + "</span>";
}

}  // namespace

std::string BalanceHtml(const store::OrderRecord& r, const shop::Balance& b,
                        const std::map<std::string, store::RefundExport>& sent) {
  const store::ExportRecord& e = r.export_record;
  if (e.state != shop::ExportState::kExported) return PlainBalanceHtml(b);
  base::Money refunded, by_hand;
  for (const shop::Refund& f : r.order.refunds)
    if (!e.exported_at || f.at >= *e.exported_at) {
      refunded += f.amount;
      if (!sent.count(f.id)) by_hand += f.amount;
    }
  if (refunded.IsZero()) return PlainBalanceHtml(b);
  if (by_hand.IsZero())
    return "<span class=\"paid refunded\">Refunded " +
           Escape(FormatMoney(refunded, r.order.currency)) +
           " after export: spoke sends it to Lightspeed</span>";
  return "<span class=\"unbalanced refunded\">Refunded " +
         Escape(FormatMoney(by_hand, r.order.currency)) +
         " after export: refund it in Lightspeed too</span>";
}

std::string RefundStateHtml(const store::RefundExport& x, std::string_view time_zone) {
  switch (x.state) {
    case store::RefundState::kSent:
      return "<span class=\"exported\">Sent" +
             (x.sent_at ? " " + Escape(FormatWhen(*x.sent_at, time_zone)) : std::string()) +
             "<br>Lightspeed sale <strong class=\"sale-id\">#" + Escape(x.sale_id) +
             "</strong></span>";
    case store::RefundState::kQueued:
      return "<span class=\"tag\">Queued for Lightspeed…</span>" +
             (x.message.empty() ? std::string()
                                : " <span class=\"reason\">" + Escape(x.message) + "</span>");
    case store::RefundState::kSending:
      return "<span class=\"tag\">Sending to Lightspeed…</span>";
    case store::RefundState::kNeedsAttention:
      return "<span class=\"tag attention\">Needs attention</span> <span class=\"reason\">" +
             Escape(x.message) + "</span>";
  }
  return "";
}

std::string ExportStateHtml(const store::ExportRecord& e, const shop::Eligibility& why,
                            std::string_view time_zone) {
  switch (e.state) {
    case shop::ExportState::kExported:
      return "<span class=\"exported\">Exported " +
             (e.exported_at ? Escape(FormatWhen(*e.exported_at, time_zone)) : std::string()) +
             "<br>Lightspeed sale <strong class=\"sale-id\">#" + Escape(e.sale_id) +
             "</strong></span>";
    case shop::ExportState::kQueued:
      return "<span class=\"tag\">Queued for Lightspeed…</span>";
    case shop::ExportState::kExporting:
      return "<span class=\"tag\">Sending to Lightspeed…</span>";
    case shop::ExportState::kNeedsAttention:
      return "<span class=\"tag attention\">Needs attention</span> <span class=\"reason\">" +
             Escape(e.message) + "</span>";
    case shop::ExportState::kNotExported:
      break;
  }
  if (why.ok()) return "";
  return "<span class=\"reason\">" + Escape(why.message) + "</span>";
}

std::string StatusLabel(shop::OrderStatus s) {
  switch (s) {
    case shop::OrderStatus::kOpen:
      return "Open";
    case shop::OrderStatus::kProcessing:
      return "Processing";
    case shop::OrderStatus::kShipped:
      return "Shipped";
    case shop::OrderStatus::kCompleted:
      return "Completed";
    case shop::OrderStatus::kCancelled:
      return "Cancelled";
  }
  return "?";
}

std::string StatusOptions(shop::OrderStatus selected) {
  std::string out;
  for (auto s :
       {shop::OrderStatus::kOpen, shop::OrderStatus::kProcessing, shop::OrderStatus::kShipped,
        shop::OrderStatus::kCompleted, shop::OrderStatus::kCancelled})
    out += std::string("<option value=\"") + shop::Name(s) + "\"" +
           (s == selected ? " selected" : "") + ">" + StatusLabel(s) + "</option>";
  return out;
}

bool InFlight(const store::ExportRecord& e) {
  return e.state == shop::ExportState::kQueued || e.state == shop::ExportState::kExporting;
}

}  // namespace web::site
