// Exports: the queue for the store's Lightspeed account with the expected time to drain it, the
// bucket level over the last hour, and the orders that need attention with Retry (R27).
#include <algorithm>
#include <cmath>

#include "web/site/site.h"
#include "web/site/views.h"

namespace web::site {

void Site::ExportsPage(Ctx& c) {
  const store::StoreId s = c.session.store_id;
  SampleOnce();  // the chart ends at this moment, not up to 10 s ago
  auto status = api_.LightspeedStatus(s);
  std::string b = "<h1>Exports</h1>";
  if (!status.ok()) {
    AddFlash(c.session.id_hash, true,
             "The export status could not be read: " + status.error().message);
    return Html(c, "Exports", "exports", b);
  }
  const int64_t queue = status->queue_length;
  auto shop = store_.GetStore(s);
  b += "<section class=\"queue\"><h2>Queue</h2>";
  if (!status->connected)
    b += "<p class=\"notice\">" + Escape(status->message) +
         ". <a href=\"/settings/lightspeed\">Settings → Lightspeed</a></p>";
  b += "<table><thead><tr><th>Shop</th><th class=\"num\">Waiting</th><th>Expected "
       "time to send them</th><th class=\"num\">Need attention</th></tr></thead><tbody><tr><td>" +
       (shop.ok() ? Escape(shop->name) : std::string("<span class=\"muted\">this shop</span>")) +
       "</td><td class=\"num\" id=\"queue-length\">" + std::to_string(queue) + "</td><td>";
  if (queue == 0)
    b += "nothing waiting";
  else if (status->expected_drain_seconds)
    b += Escape(FormatWait(*status->expected_drain_seconds));
  else
    b += "unknown until Lightspeed answers the first call";
  b += "</td><td class=\"num\">" + std::to_string(status->needs_attention) +
       "</td></tr></tbody></table>";
  // Issue 13: with several worker nodes, which one sends this account's sales.
  b += "<p id=\"driving-node\">" +
       (status->driving_node.empty()
            ? std::string(queue == 0 ? "No node is sending: nothing is waiting."
                                     : "No node is sending right now; a running worker takes "
                                       "the queue within seconds.")
            : "Sending from node " + Escape(status->driving_node) + ".") +
       "</p>";
  if (status->bucket && status->bucket->size > 0) {
    const double used = std::clamp(status->bucket->level / status->bucket->size, 0.0, 1.0);
    b += "<p class=\"muted\" id=\"capacity-now\">Lightspeed capacity now: " +
         std::to_string(static_cast<int>(std::lround(100 * (1 - used)))) +
         "% free. Lightspeed lets each shop make only so many requests a minute; spoke sends as "
         "fast as that allows and waits rather than be refused.</p>";
  }
  b += "</section>";

  b += "<section><h2>Lightspeed capacity, last hour</h2>" +
       RenderLevelChart(history_.Get(s.value, clock_.Now()), clock_.Now()) +
       "<p class=\"muted\">How much of the capacity Lightspeed gives this shop was in use, "
       "sampled every few seconds. Exports wait while it is all in use.</p></section>";

  auto attention = store_.ListExports(s, shop::ExportState::kNeedsAttention, 100);
  b += "<section class=\"attention\"><h2>Needs attention</h2>";
  if (!attention.ok()) {
    b += "<p class=\"flash error\">" + Escape(attention.error().message) + "</p>";
  } else if (attention->empty()) {
    b += "<p class=\"muted\">Nothing needs attention.</p>";
  } else {
    // One button for all of them, e.g. after fixing a setting or a payment type in Lightspeed.
    b += "<form method=\"post\" action=\"/exports/retry-all\" class=\"actions\">" +
         CsrfField(c.session.csrf_token) + "<button type=\"submit\" id=\"retry-all\">Retry all " +
         std::to_string(attention->size()) + (attention->size() == 1 ? " order" : " orders") +
         "</button></form>";
    b += "<div class=\"table-wrap\"><table><thead><tr><th>Order</th><th>What happened</th><th "
         "class=\"num\">Attempts</th><th><span class=\"visually-hidden\">Retry</span></th>"
         "</tr></thead><tbody>";
    for (const store::OrderRecord& r : *attention) {
      const std::string n = r.order.number;
      b += "<tr><td><a href=\"/orders/" + UrlEncode(n) + "\">#" + Escape(n) + "</a></td><td>" +
           Escape(r.export_record.message) + "</td><td class=\"num\">" +
           std::to_string(r.export_record.attempts) + "</td><td><form method=\"post\" action=\"" +
           "/orders/" + UrlEncode(n) + "/retry\">" + CsrfField(c.session.csrf_token) +
           "<input type=\"hidden\" name=\"back\" value=\"/exports\"><button "
           "type=\"submit\" aria-label=\"Retry order " +
           Escape(n) + "\">Retry</button></form></td></tr>";
    }
    b += "</tbody></table></div>";
  }
  b += "</section>";

  // Refunds spoke could not send (issue 15): each links to its order, where Retry is.
  auto refunds = store_.ListStoppedRefunds(s, 100);
  if (refunds.ok() && !refunds->empty()) {
    b += "<section class=\"attention\"><h2>Refunds that need attention</h2><div "
         "class=\"table-wrap\"><table><thead><tr><th>Order</th><th>Refund</th><th>What "
         "happened</th></tr></thead><tbody>";
    for (const store::RefundExport& x : *refunds)
      b += "<tr><td><a href=\"/orders/" + UrlEncode(x.number) + "\">#" + Escape(x.number) +
           "</a></td><td>" + Escape(x.refund_id) + "</td><td>" + Escape(x.message) + "</td></tr>";
    b += "</tbody></table></div></section>";
  }
  b += "<p><a href=\"/exports/reconciliation\" id=\"reconciliation-link\">Reconciliation</a>: "
       "compare the exported sales with Lightspeed's.</p>";

  auto recent = store_.ListExports(s, shop::ExportState::kExported, 10);
  if (recent.ok() && !recent->empty()) {
    b += "<section><h2>Recently exported</h2><ul>";
    for (const store::OrderRecord& r : *recent)
      b += "<li><a href=\"/orders/" + UrlEncode(r.order.number) + "\">#" + Escape(r.order.number) +
           "</a> → Lightspeed sale #" + Escape(r.export_record.sale_id) +
           (r.export_record.exported_at
                ? " · " + Escape(FormatWhen(*r.export_record.exported_at, c.time_zone()))
                : std::string()) +
           "</li>";
    b += "</ul></section>";
  }
  Html(c, "Exports", "exports", b, queue > 0 ? 5 : 0);
}

void Site::RetryAllPost(Ctx& c) {
  auto results = api_.RetryAll(c.session.store_id);
  if (!results.ok()) {
    AddFlash(c.session.id_hash, true, "Nothing was retried: " + results.error().message);
    return Redirect(c.res, "/exports");
  }
  size_t queued = 0;
  for (const api::BatchResult& one : *results) {
    if (one.result.ok())
      ++queued;
    else
      AddFlash(c.session.id_hash, true,
               "Order " + one.number + " was not retried: " + one.result.error().message);
  }
  if (queued > 0)
    AddFlash(c.session.id_hash, false,
             "Retrying " + std::to_string(queued) + (queued == 1 ? " order" : " orders") +
                 ". Each shows its sale number when Lightspeed has it.");
  Redirect(c.res, "/exports");
}

}  // namespace web::site
