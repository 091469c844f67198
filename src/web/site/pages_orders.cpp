// Open Orders: the list with balance, status and the export column; ticking several boxes and
// exporting them together (R26).
#include "web/site/site.h"
#include "web/site/views.h"

namespace web::site {
namespace {

constexpr int kPageSize = 25;

struct ExportFilter {
  const char* value;
  const char* label;
};
const ExportFilter kExportFilters[] = {{"", "Any"},
                                       {"not_exported", "Not exported"},
                                       {"queued", "Queued"},
                                       {"exporting", "Sending"},
                                       {"exported", "Exported"},
                                       {"needs_attention", "Needs attention"}};

std::string Option(const std::string& value, const std::string& label, const std::string& cur) {
  return "<option value=\"" + Escape(value) + "\"" + (value == cur ? " selected" : "") + ">" +
         Escape(label) + "</option>";
}

}  // namespace

void Site::OrdersPage(Ctx& c) {
  const store::StoreId s = c.session.store_id;
  std::string status = c.req.Param("status");
  std::string exp = c.req.Param("export");
  store::OrderFilter f;
  f.limit = kPageSize;
  f.cursor = c.req.Param("cursor");
  std::vector<Flash> notes;
  if (status.empty()) status = "open_orders";
  shop::OrderStatus one;
  if (status == "open_orders") {
    f.statuses = {shop::OrderStatus::kOpen, shop::OrderStatus::kProcessing,
                  shop::OrderStatus::kShipped};
  } else if (status != "all") {
    if (shop::Parse(status, &one)) {
      f.statuses = {one};
    } else {
      notes.push_back({true, "Unknown status filter \"" + status + "\"; showing open orders."});
      status = "open_orders";
      f.statuses = {shop::OrderStatus::kOpen, shop::OrderStatus::kProcessing,
                    shop::OrderStatus::kShipped};
    }
  }
  shop::ExportState st;
  if (!exp.empty()) {
    if (shop::Parse(exp, &st)) {
      f.export_state = st;
    } else {
      notes.push_back({true, "Unknown export filter \"" + exp + "\"; showing every export state."});
      exp.clear();
    }
  }
  for (const Flash& n : notes) AddFlash(c.session.id_hash, n.error, n.text);

  std::string body = "<h1>Open Orders</h1>";
  // Filters: a plain GET form, so the address can be bookmarked and paging keeps them.
  body +=
      "<form class=\"filters\" method=\"get\" action=\"/orders\"><div><label "
      "for=\"status\">Status</label><select id=\"status\" name=\"status\">";
  body += Option("open_orders", "Open orders (not completed or cancelled)", status);
  body += Option("all", "All orders", status);
  for (auto o :
       {shop::OrderStatus::kOpen, shop::OrderStatus::kProcessing, shop::OrderStatus::kShipped,
        shop::OrderStatus::kCompleted, shop::OrderStatus::kCancelled})
    body += Option(shop::Name(o), StatusLabel(o), status);
  body +=
      "</select></div><div><label for=\"export\">Export</label><select id=\"export\" "
      "name=\"export\">";
  for (const ExportFilter& e : kExportFilters) body += Option(e.value, e.label, exp);
  body += "</select></div><button type=\"submit\" class=\"secondary\">Filter</button></form>";

  auto page = store_.ListOrders(s, f);
  auto settings = store_.GetLightspeedSettings(s);
  if (!page.ok() || !settings.ok()) {
    AddFlash(c.session.id_hash, true,
             "Orders could not be read: " +
                 (page.ok() ? settings.error().message : page.error().message));
    return Html(c, "Open Orders", "orders", body);
  }
  const shop::Connection conn = store::ConnectionOf(*settings);
  if (!conn.connected)
    body +=
        "<p class=\"notice\">Lightspeed is not connected, so nothing can be exported yet. "
        "<a href=\"/settings/lightspeed\">Connect in Settings → Lightspeed</a>.</p>";

  const std::string query = "status=" + UrlEncode(status) + "&export=" + UrlEncode(exp);
  body += "<form method=\"post\" action=\"/orders/export\">" + CsrfField(c.session.csrf_token) +
          "<input type=\"hidden\" name=\"back\" value=\"" +
          Escape("/orders?" + query + (f.cursor.empty() ? "" : "&cursor=" + UrlEncode(f.cursor))) +
          "\">";
  body +=
      "<div class=\"table-wrap\"><table class=\"orders\"><thead><tr><th>Order</th><th "
      "class=\"hide-sm\">Date</th><th>Customer</th><th class=\"num\">Total</th><th>Balance</th>"
      "<th class=\"hide-sm\">Status</th><th>Export to Lightspeed</th></tr></thead><tbody>";
  bool in_flight = false, any_box = false;
  for (const store::OrderRecord& r : page->orders) {
    const shop::Order& o = r.order;
    const shop::Balance balance = shop::ComputeBalance(o);
    const shop::Eligibility why = shop::CheckEligibility(o, r.export_record.state, conn);
    in_flight = in_flight || InFlight(r.export_record);
    const std::string n = Escape(o.number);
    body += "<tr data-order=\"" + n + "\"><td><a href=\"/orders/" + UrlEncode(o.number) + "\">#" +
            n + "</a></td><td class=\"hide-sm\">" + Escape(FormatWhen(o.placed_at, c.time_zone)) +
            "</td><td>" + Escape(o.customer.first_name + " " + o.customer.last_name) +
            "<br><span class=\"muted\">" + Escape(o.customer.email) +
            "</span></td><td class=\"num\">" + Escape(FormatMoney(o.total, o.currency)) +
            "</td><td class=\"balance\">" + BalanceHtml(r, balance) +
            "</td><td class=\"hide-sm\">" + StatusLabel(o.status) + "</td><td class=\"export\">";
    const std::string state = ExportStateHtml(r.export_record, why, c.time_zone);
    if (state.empty()) {
      any_box = true;
      body += "<label class=\"box\"><input type=\"checkbox\" name=\"orders\" value=\"" + n +
              "\" aria-label=\"Export order " + n + "\"> Export</label>";
    } else {
      body += state;
    }
    body += "</td></tr>";
  }
  if (page->orders.empty())
    body += "<tr><td colspan=\"7\" class=\"muted\">No orders match these filters.</td></tr>";
  body += "</tbody></table></div><div class=\"actions\">";
  if (any_box)
    body += "<button type=\"submit\" id=\"export-selected\">Export selected to Lightspeed</button>";
  if (!f.cursor.empty()) body += "<a href=\"/orders?" + Escape(query) + "\">← First page</a>";
  if (!page->next_cursor.empty())
    body += "<a href=\"/orders?" + Escape(query + "&cursor=" + UrlEncode(page->next_cursor)) +
            "\" rel=\"next\">Next page →</a>";
  body += "</div></form>";
  if (in_flight)
    body +=
        "<p class=\"muted\">Exports are under way; this page refreshes itself every few "
        "seconds.</p>";
  Html(c, "Open Orders", "orders", body, in_flight ? 3 : 0);
}

void Site::ExportSelected(Ctx& c) {
  std::string back = c.req.Param("back");
  if (!IsLocalPath(back) || back.rfind("/orders", 0) != 0) back = "/orders";
  const std::vector<std::string> numbers = c.req.Params("orders");
  if (numbers.empty()) {
    AddFlash(c.session.id_hash, true, "Tick at least one order's box, then press Export.");
    return Redirect(c.res, back);
  }
  auto results = api_.RequestExports(c.session.store_id, numbers);
  if (!results.ok()) {
    AddFlash(c.session.id_hash, true, "Nothing was exported: " + results.error().message);
    return Redirect(c.res, back);
  }
  std::vector<std::string> queued;
  for (const api::BatchResult& one : *results) {
    if (one.result.ok())
      queued.push_back(one.number);
    else
      AddFlash(c.session.id_hash, true,
               "Order " + one.number + " was not exported: " + one.result.error().message);
  }
  if (!queued.empty()) {
    std::string list;
    for (const std::string& n : queued) list += (list.empty() ? "#" : ", #") + n;
    AddFlash(c.session.id_hash, false,
             (queued.size() == 1 ? "Sending order " : "Sending orders ") + list +
                 " to Lightspeed. The sale number appears here when Lightspeed has it.");
  }
  Redirect(c.res, back);
}

}  // namespace web::site
