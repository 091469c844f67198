// Open Orders: the list with balance, status and the export column; search, filters, sorts and
// paging (issue 14); ticking several boxes, a whole page or everything the filter matches and
// exporting them together (R26). Every task works without script; /site.js only adds a
// select-all box and a live count of the ticked boxes.
#include <algorithm>
#include <map>
#include <set>

#include "web/site/site.h"
#include "web/site/views.h"

namespace web::site {
namespace {

constexpr int kPageSize = 25;
// Ticks carried back to a page after a refused form (?sel=…): a page never shows more boxes.
constexpr size_t kMaxKeptTicks = 200;
// "Export all matching" reads at most this many orders looking for exportable ones.
constexpr int kMaxMatchingScan = 5000;

struct ExportFilter {
  const char* value;
  const char* label;
  const char* heading;  // the page's heading when this filter is chosen
};
const ExportFilter kExportFilters[] = {
    {"", "Any", ""},
    {"not_exported", "Not exported", "Orders not exported"},
    {"needs_action", "Can't export: needs action", "Orders that can't be exported: needs action"},
    {"queued", "Queued", "Orders queued for Lightspeed"},
    {"exporting", "Sending", "Orders being sent to Lightspeed"},
    {"exported", "Exported", "Exported orders"},
    {"needs_attention", "Needs attention", "Orders needing attention"}};

struct SortChoice {
  store::OrderSort sort;
  const char* label;
};
const SortChoice kSorts[] = {{store::OrderSort::kNewest, "Newest first"},
                             {store::OrderSort::kOldest, "Oldest first"},
                             {store::OrderSort::kTotalHigh, "Total: high to low"},
                             {store::OrderSort::kTotalLow, "Total: low to high"}};

std::string Option(const std::string& value, const std::string& label, const std::string& cur) {
  return "<option value=\"" + Escape(value) + "\"" + (value == cur ? " selected" : "") + ">" +
         Escape(label) + "</option>";
}

std::string Hidden(const std::string& name, const std::string& value) {
  return "<input type=\"hidden\" name=\"" + Escape(name) + "\" value=\"" + Escape(value) + "\">";
}

// The list's filter as the address (GET) or the export form (POST) gives it; what was not
// understood is reported in `notes` and replaced by the default.
struct ListChoice {
  std::string status = "open_orders", exp, q, sort = "newest";
  store::OrderFilter filter;

  // status=…&export=…&q=…&sort=… (the defaults left out), for links that keep the choice.
  std::string Query() const {
    std::string out = "status=" + UrlEncode(status);
    if (!exp.empty()) out += "&export=" + UrlEncode(exp);
    if (!q.empty()) out += "&q=" + UrlEncode(q);
    if (sort != "newest") out += "&sort=" + UrlEncode(sort);
    return out;
  }
  std::string Heading() const {
    if (!filter.q.empty()) return "Search: " + filter.q;
    for (const ExportFilter& e : kExportFilters)
      if (!exp.empty() && exp == e.value) return e.heading;
    if (status == "all") return "All orders";
    shop::OrderStatus one;
    if (shop::Parse(status, &one)) return StatusLabel(one) + " orders";
    return "Open Orders";
  }
};

ListChoice ChoiceOf(const http::Request& req, std::vector<Flash>* notes) {
  ListChoice c;
  store::OrderFilter& f = c.filter;
  if (std::string status = req.Param("status"); !status.empty()) c.status = status;
  shop::OrderStatus one;
  if (c.status == "open_orders") {
    f.statuses = {shop::OrderStatus::kOpen, shop::OrderStatus::kProcessing,
                  shop::OrderStatus::kShipped};
  } else if (c.status != "all") {
    if (shop::Parse(c.status, &one)) {
      f.statuses = {one};
    } else {
      notes->push_back({true, "Unknown status filter \"" + c.status + "\"; showing open orders."});
      c.status = "open_orders";
      f.statuses = {shop::OrderStatus::kOpen, shop::OrderStatus::kProcessing,
                    shop::OrderStatus::kShipped};
    }
  }
  c.exp = req.Param("export");
  shop::ExportState st;
  if (c.exp == "needs_action") {
    f.needs_action = true;
  } else if (!c.exp.empty()) {
    if (shop::Parse(c.exp, &st)) {
      f.export_state = st;
    } else {
      notes->push_back(
          {true, "Unknown export filter \"" + c.exp + "\"; showing every export state."});
      c.exp.clear();
    }
  }
  if (std::string sort = req.Param("sort"); !sort.empty()) {
    if (store::Parse(sort, &f.sort)) {
      c.sort = sort;
    } else {
      notes->push_back({true, "Unknown sort \"" + sort + "\"; showing the newest first."});
    }
  }
  c.q = req.Param("q");
  f.q = c.q;
  // What the store searches for: q without the spaces around it (the heading shows that).
  const size_t b = f.q.find_first_not_of(" \t");
  f.q = b == std::string::npos ? "" : f.q.substr(b, f.q.find_last_not_of(" \t") - b + 1);
  f.limit = kPageSize;
  return c;
}

// The order numbers a refused form had ticked, from ?sel=N1,N2 (numbers hold no commas).
std::set<std::string> KeptTicks(const http::Request& req) {
  std::set<std::string> out;
  std::string rest = req.Param("sel");
  while (!rest.empty() && out.size() < kMaxKeptTicks) {
    const size_t comma = rest.find(',');
    if (comma != 0) out.insert(rest.substr(0, comma));
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
  return out;
}

// The Export buttons, above and below the table: the ticked boxes, every box on this page, and
// (without ticking anything) every exportable order the filter matches.
std::string ExportActions(bool any_box, int64_t matching, bool capped, size_t ticked, bool bottom) {
  std::string h = std::string("<div class=\"actions export-actions\">");
  if (any_box) {
    h += std::string("<button type=\"submit\" name=\"scope\" value=\"selected\"") +
         (bottom ? " id=\"export-selected\"" : "") + ">Export selected to Lightspeed</button>";
    h += "<button type=\"submit\" name=\"scope\" value=\"page\" class=\"secondary\">Export all "
         "on this page</button>";
    h += "<span class=\"selected-count muted\" aria-live=\"polite\"" +
         std::string(ticked ? "" : " hidden") + ">" + std::to_string(ticked) + " selected</span>";
  }
  if (matching > 0)
    h += "<button type=\"submit\" name=\"scope\" value=\"matching\" class=\"secondary\">Export "
         "all " +
         FormatCount(matching) + (capped ? "+" : "") + " matching</button>";
  return h + "</div>";
}

// Where an export form goes back to: its own list (a local /orders address), else Open Orders.
std::string BackOf(const http::Request& req) {
  std::string back = req.Param("back");
  if (!IsLocalPath(back) || back.rfind("/orders", 0) != 0) back = "/orders";
  return back;
}

// `back` with the boxes a refused form had ticked, to be ticked again (?sel=…).
std::string WithTicks(const std::string& back, const std::vector<std::string>& ticked) {
  if (ticked.empty()) return back;
  std::string sel;
  for (size_t i = 0; i < ticked.size() && i < kMaxKeptTicks; ++i) sel += (i ? "," : "") + ticked[i];
  return back + (back.find('?') == std::string::npos ? "?" : "&") + "sel=" + UrlEncode(sel);
}

}  // namespace

void Site::StaleExportForm(const http::Request& req, http::Response& res,
                           const store::Session& session) {
  // Still refused (403), nothing done; the way back keeps what was ticked.
  const std::vector<std::string> ticked = req.Params("orders");
  res.status = 403;
  Layout l{"Refused", "orders", session.email, session.csrf_token, {}, 0};
  l.flashes.push_back({true,
                       "Nothing was exported: this form was refused because its security token "
                       "is missing or out of date."});
  const std::string n = std::to_string(std::min(ticked.size(), kMaxKeptTicks));
  res.SetContent(RenderPage(l, "<h1>Refused</h1><p><a class=\"button\" href=\"" +
                                   Escape(WithTicks(BackOf(req), ticked)) + "\">Back to the list" +
                                   (ticked.empty() ? std::string()
                                                   : " with your " + n +
                                                         (ticked.size() == 1 ? " ticked order"
                                                                             : " ticked orders")) +
                                   "</a> — then press Export again.</p>"),
                 "text/html; charset=utf-8");
}

void Site::OrdersPage(Ctx& c) {
  const store::StoreId s = c.session.store_id;
  std::vector<Flash> notes;
  ListChoice choice = ChoiceOf(c.req, &notes);
  store::OrderFilter& f = choice.filter;
  f.cursor = c.req.Param("cursor");
  // Where this page starts in the whole list (1-based), carried by the paging links.
  int64_t at = 1;
  if (const std::string a = c.req.Param("at");
      !a.empty() && a.size() < 10 && a.find_first_not_of("0123456789") == std::string::npos)
    at = std::max<int64_t>(1, std::stoll(a));
  if (f.cursor.empty()) at = 1;
  const std::set<std::string> kept = KeptTicks(c.req);
  for (const Flash& n : notes) AddFlash(c.session.id_hash, n.error, n.text);

  const std::string heading = choice.Heading();
  std::string body = "<h1>" + Escape(heading) + "</h1>";
  // Filters: a plain GET form, so the address can be bookmarked and paging keeps them.
  body +=
      "<form class=\"filters\" method=\"get\" action=\"/orders\" role=\"search\"><div><label "
      "for=\"q\">Search</label><input type=\"search\" id=\"q\" name=\"q\" value=\"" +
      Escape(choice.q) +
      "\" maxlength=\"100\" placeholder=\"Order number, e-mail or name\"></div><div><label "
      "for=\"status\">Status</label><select id=\"status\" name=\"status\">";
  body += Option("open_orders", "Open orders (not completed or cancelled)", choice.status);
  body += Option("all", "All orders", choice.status);
  for (auto o :
       {shop::OrderStatus::kOpen, shop::OrderStatus::kProcessing, shop::OrderStatus::kShipped,
        shop::OrderStatus::kCompleted, shop::OrderStatus::kCancelled})
    body += Option(shop::Name(o), StatusLabel(o), choice.status);
  body +=
      "</select></div><div><label for=\"export\">Export</label><select id=\"export\" "
      "name=\"export\">";
  for (const ExportFilter& e : kExportFilters) body += Option(e.value, e.label, choice.exp);
  body += "</select></div><div><label for=\"sort\">Sort</label><select id=\"sort\" name=\"sort\">";
  for (const SortChoice& o : kSorts) body += Option(store::Name(o.sort), o.label, choice.sort);
  body += "</select></div><button type=\"submit\" class=\"secondary\">Filter</button>";
  if (choice.Query() != "status=open_orders") body += "<a href=\"/orders\">Clear</a>";
  body += "</form>";

  auto page = store_.ListOrders(s, f);
  const auto& settings = c.settings;
  if (!page.ok() || !settings.ok()) {
    const base::Error& e = page.ok() ? settings.error() : page.error();
    if (e.code == base::ErrorCode::kInvalidInput && e.field == "q")
      AddFlash(c.session.id_hash, true, "Search not run: " + e.message + ".");
    else if (e.code == base::ErrorCode::kInvalidInput && e.field == "cursor")
      AddFlash(c.session.id_hash, true, "That page link is out of date; here is the first page.");
    else
      AddFlash(c.session.id_hash, true, "Orders could not be read: " + e.message);
    if (e.field == "cursor") return Redirect(c.res, "/orders?" + choice.Query(), 302);
    return Html(c, heading, "orders", body);
  }
  auto counted = api_.CountOrders(s, f);
  const int64_t matching = counted.ok() ? *counted : 0;
  const bool capped = matching >= api::Api::kMaxCount;
  if (page->prev_cursor.empty()) at = 1;  // a Previous link that reached the start
  const shop::Connection conn = store::ConnectionOf(*settings);
  if (!conn.connected)
    body +=
        "<p class=\"notice\">Lightspeed is not connected, so nothing can be exported yet. "
        "<a href=\"/settings/lightspeed\">Connect in Settings → Lightspeed</a>.</p>";

  const std::string query = choice.Query();
  const std::string here =
      "/orders?" + query +
      (f.cursor.empty() ? "" : "&cursor=" + UrlEncode(f.cursor) + "&at=" + std::to_string(at));
  std::string rows, page_boxes;
  bool in_flight = false, any_box = false;
  size_t ticked = 0;
  for (const store::OrderRecord& r : page->orders) {
    const shop::Order& o = r.order;
    const shop::Balance balance = shop::ComputeBalance(o);
    const shop::Eligibility why = shop::CheckEligibility(o, r.export_record.state, conn);
    in_flight = in_flight || InFlight(r.export_record);
    const std::string n = Escape(o.number);
    // Refunds spoke sends (issue 15), read only for exported orders refunded at all.
    std::map<std::string, store::RefundExport> sent;
    if (r.export_record.state == shop::ExportState::kExported && !o.refunds.empty())
      if (auto x = store_.ListRefundExports(c.session.store_id, o.number); x.ok())
        for (store::RefundExport& e : *x) sent[e.refund_id] = std::move(e);
    rows +=
        "<tr data-order=\"" + n + "\"><td data-label=\"Order\"><a href=\"/orders/" +
        UrlEncode(o.number) + "\">#" + n + "</a></td><td class=\"hide-sm\" data-label=\"Date\">" +
        Escape(FormatWhen(o.placed_at, c.time_zone())) + "</td><td data-label=\"Customer\">" +
        Escape(o.customer.first_name + " " + o.customer.last_name) + "<br><span class=\"muted\">" +
        Escape(o.customer.email) + "</span></td><td class=\"num\" data-label=\"Total\">" +
        Escape(FormatMoney(o.total, o.currency)) +
        "</td><td class=\"balance\" data-label=\"Balance\">" + BalanceHtml(r, balance, sent) +
        "</td><td class=\"hide-sm\" data-label=\"Status\">" + StatusLabel(o.status) +
        "</td><td class=\"export\" data-label=\"Export\">";
    const std::string state = ExportStateHtml(r.export_record, why, c.time_zone());
    if (state.empty()) {
      any_box = true;
      const bool tick = kept.count(o.number) > 0;
      ticked += tick ? 1 : 0;
      rows += "<label class=\"box\"><input type=\"checkbox\" name=\"orders\" value=\"" + n +
              "\" aria-label=\"Export order " + n + "\"" + (tick ? " checked" : "") +
              "> Export</label>";
      page_boxes += Hidden("page_orders", o.number);
    } else {
      rows += state;
    }
    rows += "</td></tr>";
  }
  if (page->orders.empty())
    rows += "<tr><td colspan=\"7\" class=\"muted\">No orders match " +
            std::string(f.q.empty() ? "these filters" : "this search") + ".</td></tr>";

  // "26–50 of 312", Previous and Next.
  std::string pager = "<nav class=\"pager\" aria-label=\"Pages\">";
  if (!page->orders.empty()) {
    const int64_t last = at + static_cast<int64_t>(page->orders.size()) - 1;
    pager += "<span class=\"range\">" + FormatCount(at) + "–" + FormatCount(last) + " of " +
             (capped ? "more than " + FormatCount(std::max(matching, last))
                     : FormatCount(std::max(matching, last))) +
             "</span>";
  }
  if (!page->prev_cursor.empty())
    pager += "<a href=\"" +
             Escape("/orders?" + query + "&cursor=" + UrlEncode(page->prev_cursor) +
                    "&at=" + std::to_string(std::max<int64_t>(1, at - kPageSize))) +
             "\" rel=\"prev\">← Previous</a>";
  if (!page->next_cursor.empty())
    pager += "<a href=\"" +
             Escape("/orders?" + query + "&cursor=" + UrlEncode(page->next_cursor) +
                    "&at=" + std::to_string(at + static_cast<int64_t>(page->orders.size()))) +
             "\" rel=\"next\">Next →</a>";
  pager += "</nav>";

  body += "<form method=\"post\" action=\"/orders/export\" id=\"orders-form\">" +
          CsrfField(c.session.csrf_token) + Hidden("back", here) + Hidden("status", choice.status) +
          Hidden("export", choice.exp) + Hidden("q", choice.q) + Hidden("sort", choice.sort) +
          page_boxes;
  body += "<div class=\"list-head\">" + pager +
          ExportActions(any_box, matching, capped, ticked, false) + "</div>";
  body +=
      "<div class=\"table-wrap\"><table class=\"orders\"><thead><tr><th>Order</th><th "
      "class=\"hide-sm\">Date</th><th>Customer</th><th class=\"num\">Total</th><th>Balance</th>"
      "<th class=\"hide-sm\">Status</th><th>Export to Lightspeed";
  if (any_box)  // shown by /site.js: a box that ticks nothing without script would mislead
    body +=
        "<label class=\"select-all\" hidden><input type=\"checkbox\" id=\"select-all\"> Select "
        "all on this page</label>";
  body += "</th></tr></thead><tbody>" + rows + "</tbody></table></div>";
  body += "<div class=\"list-foot\">" + ExportActions(any_box, matching, capped, ticked, true) +
          pager + "</div></form>";
  if (in_flight)
    body +=
        "<p class=\"muted\">Exports are under way; this page refreshes itself every few "
        "seconds.</p>";
  Html(c, heading, "orders", body, in_flight ? 3 : 0);
}

void Site::ExportSelected(Ctx& c) {
  const std::string back = BackOf(c.req);
  const std::string scope = c.req.Param("scope");
  std::vector<std::string> numbers;
  std::string matching_note;
  if (scope == "page") {
    numbers = c.req.Params("page_orders");
  } else if (scope == "matching") {
    // Everything the list's filter matches that can be exported now, newest first by the list's
    // sort, at most kMaxBatch: the rest can be sent by pressing the button again.
    std::vector<Flash> notes;
    ListChoice choice = ChoiceOf(c.req, &notes);
    store::OrderFilter f = choice.filter;
    f.limit = 200;
    const auto& settings = c.settings;
    if (!settings.ok()) {
      AddFlash(c.session.id_hash, true, "Nothing was exported: " + settings.error().message);
      return Redirect(c.res, back);
    }
    const shop::Connection conn = store::ConnectionOf(*settings);
    if (!conn.connected || !conn.has_shop || !conn.has_register || !conn.has_employee) {
      // R3: nothing can go until then, whatever the orders
      AddFlash(c.session.id_hash, true,
               "Nothing was exported: Lightspeed is not connected and set up yet (Settings → "
               "Lightspeed).");
      return Redirect(c.res, back);
    }
    int64_t read = 0, skipped = 0;
    bool more = false;
    for (;;) {
      auto page = store_.ListOrders(c.session.store_id, f);
      if (!page.ok()) {
        AddFlash(c.session.id_hash, true, "Nothing was exported: " + page.error().message);
        return Redirect(c.res, back);
      }
      for (const store::OrderRecord& r : page->orders) {
        ++read;
        if (numbers.size() == api::Api::kMaxBatch) {
          more = true;
          break;
        }
        if (shop::CheckEligibility(r.order, r.export_record.state, conn).ok())
          numbers.push_back(r.order.number);
        else
          ++skipped;
      }
      if (more || page->next_cursor.empty()) break;
      if (read >= kMaxMatchingScan) {
        more = true;
        break;
      }
      f.cursor = page->next_cursor;
    }
    if (numbers.empty()) {
      AddFlash(c.session.id_hash, true,
               "None of the orders this list shows can be exported as they are" +
                   std::string(skipped ? " (already exported or on their way, cancelled, "
                                         "unbalanced or with nothing to send)."
                                       : "."));
      return Redirect(c.res, back);
    }
    if (more)
      matching_note = " More orders match than can be sent at once (" +
                      std::to_string(api::Api::kMaxBatch) +
                      "); press Export all matching again for the rest.";
  } else {
    numbers = c.req.Params("orders");
  }
  if (numbers.empty()) {
    AddFlash(c.session.id_hash, true, "Tick at least one order's box, then press Export.");
    return Redirect(c.res, back);
  }
  // A refused form comes back with the boxes it had ticked still ticked.
  const auto back_with = [&](const std::vector<std::string>& ticked) {
    return scope == "matching" || scope == "page" ? back : WithTicks(back, ticked);
  };
  auto results = api_.RequestExports(c.session.store_id, numbers);
  if (!results.ok()) {
    AddFlash(c.session.id_hash, true, "Nothing was exported: " + results.error().message);
    return Redirect(c.res, back_with(numbers));
  }
  std::vector<std::string> queued, refused;
  for (const api::BatchResult& one : *results) {
    if (one.result.ok()) {
      queued.push_back(one.number);
    } else {
      refused.push_back(one.number);
      if (refused.size() <= 10)
        AddFlash(c.session.id_hash, true,
                 "Order " + one.number + " was not exported: " + one.result.error().message);
    }
  }
  if (refused.size() > 10)
    AddFlash(c.session.id_hash, true,
             std::to_string(refused.size() - 10) + " more orders were not exported.");
  if (!queued.empty()) {
    std::string list;
    if (queued.size() <= 10) {
      for (const std::string& n : queued) list += (list.empty() ? "#" : ", #") + n;
      list = (queued.size() == 1 ? "order " : "orders ") + list;
    } else {
      list = std::to_string(queued.size()) + " orders";
    }
    AddFlash(c.session.id_hash, false,
             "Sending " + list +
                 " to Lightspeed. The sale number appears here when Lightspeed has it." +
                 matching_note);
  }
  Redirect(c.res, back_with(refused));
}

}  // namespace web::site
