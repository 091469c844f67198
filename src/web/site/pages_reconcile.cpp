// Exports → Reconciliation (issue 15): the newest kept comparison of the store's exports with
// Lightspeed's sales, each difference linked to its order, the last daily run, and "Check now".
// Read-only: nothing here changes an order or a sale.
#include "web/site/site.h"

namespace web::site {
namespace {

const char* KindLabel(const std::string& kind) {
  if (kind == "sale_missing") return "Sale missing in Lightspeed";
  if (kind == "sale_voided") return "Sale voided or archived in Lightspeed";
  if (kind == "total_differs") return "Total differs";
  if (kind == "unknown_sale") return "Sale spoke did not export";
  return "Difference";
}

std::string RunSummary(const store::ReconcileRun& r, std::string_view zone) {
  std::string s = Escape(FormatWhen(r.finished_at, zone)) + " — " +
                  Escape(FormatWhen(r.from, zone)) + " to " + Escape(FormatWhen(r.to, zone)) + ": ";
  if (!r.ok) return s + "<span class=\"error\">" + Escape(r.message) + "</span>";
  if (r.differences.empty()) return s + "everything matches";
  return s + FormatCount(static_cast<int64_t>(r.differences.size())) +
         (r.differences.size() == 1 ? " difference" : " differences");
}

}  // namespace

void Site::ReconcilePage(Ctx& c) {
  const store::StoreId s = c.session.store_id;
  const std::string_view zone = c.time_zone();
  std::string b =
      "<h1>Reconciliation</h1><p class=\"muted\">Compares the sales spoke exported with the sales "
      "Lightspeed holds. It changes nothing on either side: each difference is for you to look "
      "at. <a href=\"/exports\">Back to Exports</a></p>";
  auto daily = api_.LastReconciliation(s, "daily");
  b += "<p id=\"daily-run\">Daily run: ";
  if (!daily.ok())
    b += Escape(daily.error().message);
  else if (!daily->has_value())
    b += "none yet (set <code>reconcile.daily_at</code> in the configuration to run it every "
         "day).";
  else
    b += RunSummary(**daily, zone);
  b += "</p>";
  b += "<form method=\"post\" action=\"/exports/reconciliation\" class=\"actions\">" +
       CsrfField(c.session.csrf_token) + "<label>From <input type=\"date\" name=\"from\" value=\"" +
       Escape(c.req.Param("from")) +
       "\"></label> <label>To <input type=\"date\" name=\"to\" value=\"" +
       Escape(c.req.Param("to")) +
       "\"></label> <button type=\"submit\" id=\"check-now\">Check now</button> <span "
       "class=\"muted\">Empty: the last 7 days. At most 92 days.</span></form>";
  auto last = api_.LastReconciliation(s);
  b += "<section id=\"reconciliation\"><h2>Latest result</h2>";
  if (!last.ok()) {
    b += "<p class=\"flash error\">" + Escape(last.error().message) + "</p>";
  } else if (!last->has_value()) {
    b += "<p class=\"muted\">No reconciliation has run yet.</p>";
  } else {
    const store::ReconcileRun& r = **last;
    b += "<p id=\"latest-run\">" + RunSummary(r, zone) + "</p>";
    if (!r.differences.empty()) {
      b += "<div class=\"table-wrap\"><table><thead><tr><th>Order</th><th>Difference</th><th>"
           "Lightspeed sale</th><th>What spoke knows</th></tr></thead><tbody>";
      for (const store::ReconcileDifference& d : r.differences) {
        b += "<tr class=\"difference\" data-kind=\"" + Escape(d.kind) + "\"><td>" +
             (d.order.empty()
                  ? std::string("<span class=\"muted\">none</span>")
                  : "<a href=\"/orders/" + UrlEncode(d.order) + "\">#" + Escape(d.order) + "</a>") +
             "</td><td>" + KindLabel(d.kind) + "</td><td>" +
             (d.sale_id.empty() ? std::string("—") : "#" + Escape(d.sale_id)) + "</td><td>" +
             Escape(d.message) + "</td></tr>";
      }
      b += "</tbody></table></div>";
    }
  }
  b += "</section>";
  Html(c, "Reconciliation", "exports", b);
}

void Site::ReconcilePost(Ctx& c) {
  auto run = api_.Reconcile(c.session.store_id, {c.req.Param("from"), c.req.Param("to")});
  if (!run.ok())
    AddFlash(c.session.id_hash, true, "The reconciliation did not finish: " + run.error().message);
  else if (run->differences.empty())
    AddFlash(c.session.id_hash, false, "Everything matches: no differences.");
  else
    AddFlash(c.session.id_hash, false,
             "Found " + FormatCount(static_cast<int64_t>(run->differences.size())) +
                 (run->differences.size() == 1 ? " difference." : " differences."));
  Redirect(c.res, "/exports/reconciliation");
}

}  // namespace web::site
