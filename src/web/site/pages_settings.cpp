// Settings → Lightspeed: Connect (OAuth authorization-code flow, state tied to the session), the
// shop / register / employee pickers filled from Lightspeed, payment type mapping, tax mode,
// automatic export and the reference source.
#include <functional>
#include <map>
#include <set>

#include "base/secrets.h"
#include "base/time_zone.h"
#include "base/url.h"
#include "web/site/site.h"

namespace web::site {
namespace {

struct Choice {
  std::string id, label;
};

// A <select> of Lightspeed records; when Lightspeed cannot list them, the saved choice by its last
// known name, read-only (the form then leaves it as it is).
std::string Picker(const std::string& name, const std::string& label, const std::string& current,
                   const base::Result<std::vector<Choice>>& choices,
                   const std::string& known_name) {
  if (!choices.ok()) {
    std::string shown = "<span class=\"muted\">none chosen</span>";
    if (!current.empty() && current != "0")
      shown = known_name.empty() ? "Lightspeed id " + Escape(current)
                                 : "<strong>" + Escape(known_name) +
                                       "</strong> <span class=\"muted\">(Lightspeed id " +
                                       Escape(current) + ")</span>";
    return "<p class=\"picked\" id=\"" + name + "-saved\"><span class=\"label\">" + label +
           "</span> " + shown + "</p>";
  }
  std::string h = "<label for=\"" + name + "\">" + label + "</label>";
  h += "<select id=\"" + name + "\" name=\"" + name + "\"><option value=\"\">— choose —</option>";
  bool listed = false;
  for (const Choice& c : *choices) {
    listed = listed || c.id == current;
    h += "<option value=\"" + Escape(c.id) + "\"" + (c.id == current ? " selected" : "") + ">" +
         Escape(c.label) + "</option>";
  }
  h += "</select>";
  if (!listed && !current.empty() && current != "0")
    h += " <span class=\"unbalanced\">The saved choice (Lightspeed id " + Escape(current) +
         ") cannot be used at this shop: choose again.</span>";
  return h;
}

std::string Radio(const std::string& name, const std::string& value, const std::string& label,
                  const std::string& current) {
  return "<label class=\"radio\"><input type=\"radio\" name=\"" + name + "\" value=\"" + value +
         "\"" + (value == current ? " checked" : "") + "> " + label + "</label>";
}

constexpr char kCallbackPath[] = "/settings/lightspeed/callback";

// Where Lightspeed sends the merchant back: server.public_url's address, else this request's own
// address when that is loopback (the machine spoke runs on, e.g. `spoke demo`). Lightspeed
// refuses plain-http addresses elsewhere and any address the app did not register.
base::Result<std::string> RedirectUri(const std::string& public_url, const http::Request& req) {
  if (!public_url.empty()) return public_url + kCallbackPath;
  const std::string host = req.Header("Host");
  if (!host.empty() && host.find_first_of("/\\ \r\n@?#") == std::string::npos &&
      base::IsLoopbackHost(base::HostOfAuthority(host)))
    return "http://" + host + kCallbackPath;
  return base::Invalid("server.public_url",
                       "Connecting needs spoke's public https address, and none is set. "
                       "Lightspeed sends the merchant back only to the https address registered "
                       "for this app. Ask whoever runs spoke to set server.public_url (for example "
                       "https://spoke.example.com), or open spoke on the machine it runs on "
                       "(http://127.0.0.1).");
}

template <typename T, typename F>
base::Result<std::vector<Choice>> Choices(const base::Result<std::vector<T>>& list, F label,
                                          std::function<bool(const T&)> keep = nullptr) {
  if (!list.ok()) return list.error();
  std::vector<Choice> out;
  for (const T& t : *list)
    if (!keep || keep(t)) out.push_back({t.id, label(t)});
  return out;
}

}  // namespace

void Site::SettingsPage(Ctx& c) {
  const store::StoreId s = c.session.store_id;
  const auto& settings = c.settings;
  if (!settings.ok()) {
    AddFlash(c.session.id_hash, true, "Settings could not be read: " + settings.error().message);
    return Html(c, "Settings → Lightspeed", "settings", "<h1>Settings → Lightspeed</h1>");
  }
  const store::LightspeedSettings& st = *settings;
  std::string b = "<h1>Settings → Lightspeed</h1><section class=\"connection\"><h2>Connection</h2>";
  const auto lapses_at = exporter::ConnectionLapsesAt(store_, s);
  if (lapses_at && *lapses_at <= clock_.Now())
    b += "<p class=\"unbalanced\" id=\"connection-state\">" +
         Escape(exporter::LapsedMessage(*lapses_at)) + "</p>";
  else if (st.connection == store::ConnectionState::kConnected)
    b += "<p class=\"paid\" id=\"connection-state\">Connected to Lightspeed account " +
         Escape(st.account_id) + ".</p>" +
         (lapses_at ? "<p class=\"muted\" id=\"connection-lapses\">spoke refreshes this "
                      "connection while it runs. If nothing refreshed it, it would lapse on " +
                          Escape(FormatWhen(*lapses_at, c.time_zone())) +
                          " and you would have to connect again.</p>"
                    : std::string());
  else if (st.connection == store::ConnectionState::kReconnect)
    b += "<p class=\"unbalanced\" id=\"connection-state\">" +
         Escape(st.connection_message.empty() ? "Lightspeed no longer accepts this store's "
                                                "authorization; connect again."
                                              : st.connection_message) +
         "</p>";
  else
    b += "<p id=\"connection-state\">Not connected.</p>";
  const auto redirect = RedirectUri(options_.public_url, c.req);
  if (options_.connections && !redirect.ok())
    b += "<p class=\"unbalanced\" id=\"connect-problem\">" + Escape(redirect.error().message) +
         "</p>";
  else if (options_.connections)
    b += "<form method=\"post\" action=\"/settings/lightspeed/connect\">" +
         CsrfField(c.session.csrf_token) + "<button type=\"submit\">" +
         (st.connection == store::ConnectionState::kConnected ? "Connect again"
                                                              : "Connect to Lightspeed") +
         "</button> <span class=\"muted\">You will approve spoke on Lightspeed's site and come "
         "back here.</span></form>";
  else
    b += "<p class=\"muted\">This server has no Lightspeed application configured.</p>";
  b += "</section>";

  // Pickers from Lightspeed, when connected.
  base::Result<std::vector<Choice>> shops = base::Unavailable("connect first"), registers = shops,
                                    employees = shops;
  base::Result<std::vector<lightspeed::PaymentType>> types = base::Unavailable("connect first");
  if (options_.connections && st.connection == store::ConnectionState::kConnected) {
    auto client = options_.connections->ClientFor(s);
    if (client.ok()) {
      shops = Choices(base::SyncWait((*client)->ListShops()),
                      [](const lightspeed::Shop& x) { return x.name; });
      // Only the chosen shop's registers, and the employees who may sell there.
      const std::string shop = st.shop_id;
      const bool any_shop = shop.empty() || shop == "0";
      registers = Choices<lightspeed::Register>(
          base::SyncWait((*client)->ListRegisters()),
          [](const lightspeed::Register& x) { return x.name; },
          [&](const lightspeed::Register& x) { return any_shop || x.shop_id == shop; });
      employees = Choices<lightspeed::Employee>(
          base::SyncWait((*client)->ListEmployees()),
          [](const lightspeed::Employee& x) { return x.first_name + " " + x.last_name; },
          [&](const lightspeed::Employee& x) {
            return any_shop ? !x.locked_out : lightspeed::MaySellAt(x, shop);
          });
      types = base::SyncWait((*client)->ListPaymentTypes());
    } else {
      shops = registers = employees = client.error();
      types = client.error();
    }
  }

  b += "<form method=\"post\" action=\"/settings/lightspeed\">" + CsrfField(c.session.csrf_token);
  // The names last seen in Lightspeed's lists, kept as links of kind "name", so a disconnected
  // store still reads "Downtown", not an id. Refreshed whenever the lists load.
  std::map<std::string, std::string> names;
  if (auto known = store_.GetLinks(s, st.account_id, "name"); known.ok()) names = *known;
  auto remember = [&](const char* kind, const std::string& id,
                      const base::Result<std::vector<Choice>>& list) -> std::string {
    const std::string key = std::string(kind) + ":" + id;
    if (list.ok())
      for (const Choice& ch : *list)
        if (ch.id == id && names[key] != ch.label) {
          (void)store_.PutLink(s, st.account_id, "name", key, ch.label);  // a hint only
          names[key] = ch.label;
        }
    return names[key];
  };
  const std::string shop_name = remember("shop", st.shop_id, shops);
  const std::string register_name = remember("register", st.register_id, registers);
  const std::string employee_name = remember("employee", st.employee_id, employees);
  b += "<section><h2>Where sales are rung up</h2>";
  b += Picker("shop_id", "Shop", st.shop_id, shops, shop_name);
  b += Picker("register_id", "Register", st.register_id, registers, register_name);
  b += Picker("employee_id", "Employee", st.employee_id, employees, employee_name);
  if (!shops.ok())
    b += "<p class=\"notice\" id=\"pickers-off\">" +
         std::string(st.connection == store::ConnectionState::kConnected
                         ? "Lightspeed's lists could not be loaded (" +
                               Escape(shops.error().message) + "), so these cannot be changed now."
                         : "Lightspeed is not connected, so these cannot be changed now: the "
                           "choices come from Lightspeed. Connect above to change them.") +
         " Saving below keeps them as they are.</p></section>";
  else
    b += "<p class=\"muted\">Registers and employees are those of the saved shop: after choosing "
         "another shop, save, then pick its register and employee.</p></section>";

  // Payment type mapping: every web payment method the store has seen, plus those mapped.
  std::set<std::string> methods;
  for (const auto& [web, ls] : st.payment_types) methods.insert(web);
  store::OrderFilter recent;
  recent.limit = 200;
  if (auto page = store_.ListOrders(s, recent); page.ok())
    for (const auto& r : page->orders)
      for (const auto& p : r.order.payments) methods.insert(p.method);
  b += "<section><h2>Payment types</h2><p class=\"muted\">Which Lightspeed payment type each web "
       "payment method becomes. Unmapped methods use the Lightspeed type of the same name, "
       "created when missing.</p><div class=\"table-wrap\"><table><thead><tr><th>Web payment "
       "method</th><th>Lightspeed payment type</th></tr></thead><tbody>";
  for (const std::string& m : methods) {
    const auto it = st.payment_types.find(m);
    const std::string cur = it == st.payment_types.end() ? "" : it->second;
    b += "<tr><td>" + Escape(m) + "<input type=\"hidden\" name=\"pt_web\" value=\"" + Escape(m) +
         "\"></td><td>";
    if (types.ok()) {
      b += "<select name=\"pt_ls\" aria-label=\"Lightspeed payment type for " + Escape(m) +
           "\"><option value=\"\">(same name)</option>";
      bool found = false;
      for (const auto& t : *types) {
        if (t.archived || lightspeed::IsAdjustment(t)) continue;  // never a web payment
        found = found || t.name == cur;
        b += "<option" + std::string(t.name == cur ? " selected" : "") + ">" + Escape(t.name) +
             "</option>";
      }
      if (!cur.empty() && !found) b += "<option selected>" + Escape(cur) + "</option>";
      b += "</select>";
    } else {
      b += "<input name=\"pt_ls\" value=\"" + Escape(cur) +
           "\" aria-label=\"Lightspeed payment "
           "type for " +
           Escape(m) + "\">";
    }
    b += "</td></tr>";
  }
  if (methods.empty())
    b += "<tr><td colspan=\"2\" class=\"muted\">No web payment methods seen yet.</td></tr>";
  b += "</tbody></table></div></section>";

  b += "<section><h2>Tax</h2>" +
       Radio("tax_mode", "web", "Use the web store's tax (sent as one line)",
             store::Name(st.tax_mode)) +
       Radio("tax_mode", "lightspeed", "Let Lightspeed compute tax", store::Name(st.tax_mode)) +
       "<p class=\"muted\" id=\"tax-mode-note\">With the web store's tax, the tax reaches "
       "Lightspeed as a charge line, not as tax: Lightspeed's tax reports show no tax collected "
       "on web sales, so report it from the web store.</p></section>";
  b += "<section><h2>Customer marketing</h2><p class=\"muted\">Customers spoke creates in "
       "Lightspeed are marked as not wanting marketing e-mail, post or calls unless your web "
       "store collected their consent.</p>" +
       Radio("customer_marketing", "no_consent", "No consent given — opt new customers out",
             store::Name(st.customer_marketing)) +
       Radio("customer_marketing", "consented", "Customers consented to marketing",
             store::Name(st.customer_marketing)) +
       "</section>";
  b += "<section><h2>Refunds after export</h2><p class=\"muted\">A refund recorded on an "
       "order that is already in Lightspeed. Sent refunds become a refund sale in Lightspeed "
       "(reference order-R refund id) that pays the amount out with the refund's payment type "
       "and puts returned units back in stock. Refunds recorded before you choose to send them "
       "stay yours to refund in Lightspeed.</p>" +
       Radio("refunds", "manual", "Manual — staff refund it in Lightspeed too",
             store::Name(st.refunds)) +
       Radio("refunds", "send", "Send each refund to Lightspeed", store::Name(st.refunds)) +
       "</section>";
  b += "<section><h2>Automatic export</h2>" +
       Radio("auto_export", "off", "Off — staff tick the export box", store::Name(st.auto_export)) +
       Radio("auto_export", "when_paid", "When the order is paid in full",
             store::Name(st.auto_export)) +
       Radio("auto_export", "when_paid_and_fulfilled", "When paid in full and shipped",
             store::Name(st.auto_export)) +
       "</section>";
  b += "<section><h2>Reference source</h2><label for=\"reference_source\">Shown in Lightspeed "
       "beside the web order number</label><input id=\"reference_source\" "
       "name=\"reference_source\" maxlength=\"32\" value=\"" +
       Escape(st.reference_source) + "\"></section>";
  b += "<section><h2>Time zone</h2><label for=\"time_zone\">Times on these pages are shown in"
       "</label><select id=\"time_zone\" name=\"time_zone\">";
  bool zone_listed = false;
  for (const std::string& z : base::TimeZoneNames()) {
    zone_listed = zone_listed || z == st.time_zone;
    b += "<option" + std::string(z == st.time_zone ? " selected" : "") + ">" + Escape(z) +
         "</option>";
  }
  if (!zone_listed) b += "<option selected>" + Escape(st.time_zone) + "</option>";
  b += "</select></section>";
  b += "<div class=\"actions\"><button type=\"submit\">Save settings</button></div></form>";
  Html(c, "Settings → Lightspeed", "settings", b);
}

void Site::SettingsPost(Ctx& c) {
  api::SettingsChange change;
  for (auto [key, target] : {std::pair{"shop_id", &change.shop_id},
                             {"register_id", &change.register_id},
                             {"employee_id", &change.employee_id},
                             {"tax_mode", &change.tax_mode},
                             {"auto_export", &change.auto_export},
                             {"reference_source", &change.reference_source},
                             {"customer_marketing", &change.customer_marketing},
                             {"time_zone", &change.time_zone},
                             {"refunds", &change.refunds}})
    if (c.req.HasParam(key)) *target = c.req.Param(key);
  const std::vector<std::string> web = c.req.Params("pt_web"), ls = c.req.Params("pt_ls");
  if (!web.empty() && web.size() == ls.size()) {
    change.payment_types.emplace();
    for (size_t i = 0; i < web.size(); ++i)
      if (!ls[i].empty()) (*change.payment_types)[web[i]] = ls[i];
  }
  // The register picker lists the saved shop's registers: a new shop needs one of its own.
  bool register_cleared = false;
  if (const auto& saved = c.settings;
      saved.ok() && change.shop_id && *change.shop_id != saved->shop_id &&
      change.register_id.value_or("") == saved->register_id && !saved->register_id.empty()) {
    change.register_id = "";
    register_cleared = true;
  }
  auto saved = api_.ChangeLightspeedSettings(c.session.store_id, change);
  if (saved.ok() && register_cleared)
    AddFlash(c.session.id_hash, false,
             "Settings saved. The shop changed: choose one of its registers below.");
  else if (saved.ok())
    AddFlash(c.session.id_hash, false, "Settings saved.");
  else
    AddFlash(c.session.id_hash, true, "Settings were not saved: " + saved.error().message);
  Redirect(c.res, "/settings/lightspeed");
}

void Site::ConnectPost(Ctx& c) {
  if (!options_.connections) {
    AddFlash(c.session.id_hash, true, "This server has no Lightspeed application configured.");
    return Redirect(c.res, "/settings/lightspeed");
  }
  const auto redirect = RedirectUri(options_.public_url, c.req);
  if (!redirect.ok()) {
    AddFlash(c.session.id_hash, true, "Could not start connecting: " + redirect.error().message);
    return Redirect(c.res, "/settings/lightspeed");
  }
  const std::string state = base::RandomHex(16);
  if (auto r = store_.SetSessionOAuthState(c.session.id_hash, state); !r.ok()) {
    AddFlash(c.session.id_hash, true, "Could not start connecting: " + r.error().message);
    return Redirect(c.res, "/settings/lightspeed");
  }
  // Leaves the site on purpose: Lightspeed asks the merchant to approve, then sends them back.
  c.res.status = 303;
  c.res.SetHeader("Location", options_.connections->AuthorizeUrl(*redirect, state));
}

void Site::ConnectCallback(Ctx& c) {
  const std::string expected = c.session.oauth_state;
  (void)store_.SetSessionOAuthState(c.session.id_hash, "");  // one use
  if (!options_.connections) return Redirect(c.res, "/settings/lightspeed");
  if (c.req.HasParam("error")) {
    AddFlash(
        c.session.id_hash, true,
        "Lightspeed did not connect: " + c.req.Param("error") +
            (c.req.HasParam("error_description") ? " (" + c.req.Param("error_description") + ")"
                                                 : ""));
    return Redirect(c.res, "/settings/lightspeed");
  }
  if (!CsrfMatches(expected, c.req.Param("state"))) {
    c.res.status = 403;
    AddFlash(c.session.id_hash, true,
             "This Lightspeed answer does not belong to a Connect you started here; press "
             "Connect again.");
    return Html(c, "Refused", "settings",
                "<h1>Refused</h1><p><a href=\"/settings/lightspeed\">Back to Settings</a></p>");
  }
  const auto redirect = RedirectUri(options_.public_url, c.req);
  if (!redirect.ok()) {
    AddFlash(c.session.id_hash, true, "Lightspeed did not connect: " + redirect.error().message);
    return Redirect(c.res, "/settings/lightspeed");
  }
  auto account =
      options_.connections->ConnectWithCode(c.session.store_id, c.req.Param("code"), *redirect);
  if (!account.ok()) {
    AddFlash(c.session.id_hash, true, "Lightspeed did not connect: " + account.error().message);
  } else {
    const auto resumed = api_.ResumeAfterReconnect(c.session.store_id);
    const int n = resumed.ok() ? *resumed : 0;
    AddFlash(c.session.id_hash, false,
             n > 0 ? "Connected to Lightspeed. " + std::to_string(n) +
                         (n == 1 ? " order that was waiting for the connection is being sent."
                                 : " orders that were waiting for the connection are being sent.")
                   : "Connected to Lightspeed. Choose the shop, register and employee below.");
  }
  Redirect(c.res, "/settings/lightspeed");
}

}  // namespace web::site
