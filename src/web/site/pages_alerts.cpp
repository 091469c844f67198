// Settings → Alerts (issue 15): what raises an alert, the webhook and its secret, SMTP e-mail,
// the "Send test alert" button, the open incidents and the latest deliveries. Changes go through
// alerts::Alerts, the same operations as /api/v1/settings/alerts.
#include <sstream>

#include "web/site/site.h"

namespace web::site {
namespace {

constexpr char kPath[] = "/settings/alerts";

std::string Checkbox(const std::string& name, const std::string& label, bool on) {
  return "<label class=\"check\"><input type=\"checkbox\" name=\"" + name + "\" value=\"on\"" +
         (on ? " checked" : "") + "> " + Escape(label) + "</label>";
}

std::string Input(const std::string& name, const std::string& label, const std::string& value,
                  const std::string& type = "text", const std::string& extra = "") {
  return "<label for=\"" + name + "\">" + Escape(label) + "</label><input id=\"" + name +
         "\" name=\"" + name + "\" type=\"" + type + "\" value=\"" + Escape(value) + "\"" + extra +
         ">";
}

// A whole number from a form field, or a refusal naming it.
base::Result<int> WholeNumber(const std::string& text, const std::string& field,
                              const std::string& label) {
  try {
    size_t used = 0;
    const long v = std::stol(text, &used);
    if (used == text.size() && v >= INT32_MIN && v <= INT32_MAX) return static_cast<int>(v);
  } catch (const std::exception&) {
  }
  return base::Invalid(field, label + " must be a whole number");
}

// Recipients typed one per line or separated by commas.
std::vector<std::string> Addresses(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    const size_t a = cur.find_first_not_of(" \t\r");
    const size_t b = cur.find_last_not_of(" \t\r");
    if (a != std::string::npos) out.push_back(cur.substr(a, b - a + 1));
    cur.clear();
  };
  for (char ch : text) {
    if (ch == '\n' || ch == ',' || ch == ';') {
      flush();
    } else {
      cur += ch;
    }
  }
  flush();
  return out;
}

std::string ChannelName(store::AlertChannel c) {
  return c == store::AlertChannel::kWebhook ? "Webhook" : "E-mail";
}

}  // namespace

void Site::AlertsPage(Ctx& c) {
  if (!options_.alerts)
    return Html(c, "Settings → Alerts", "alerts",
                "<h1>Settings → Alerts</h1><p class=\"notice\">Alerts are not available on this "
                "server.</p>");
  const store::StoreId s = c.session.store_id;
  auto view = options_.alerts->GetSettings(s);
  if (!view.ok())
    return Html(c, "Settings → Alerts", "alerts",
                "<h1>Settings → Alerts</h1><p class=\"flash error\" role=\"alert\">The alert "
                "settings could not be read: " +
                    Escape(view.error().message) + "</p>");
  const store::AlertSettings& a = view->settings;
  const std::string tz(c.time_zone());
  std::string b = "<h1>Settings → Alerts</h1>";
  b += "<p class=\"muted\">spoke can tell you when something needs a person: an order stuck in "
       "needs-attention, Lightspeed asking to be connected again, a connection about to lapse, "
       "or orders waiting too long to be exported. You get one alert when it starts and one "
       "when it is resolved, not one per retry.</p>";
  b += std::string("<p id=\"alerts-status\">") +
       (a.webhook_enabled || a.email_enabled
            ? "Alerts are <strong>on</strong>: " + std::string(a.webhook_enabled ? "webhook" : "") +
                  (a.webhook_enabled && a.email_enabled ? " and " : "") +
                  (a.email_enabled ? "e-mail" : "") + "."
            : "Alerts are <strong>off</strong>: nothing is sent until you turn on the webhook or "
              "e-mail below.") +
       "</p>";

  b += "<form method=\"post\" action=\"/settings/alerts\">" + CsrfField(c.session.csrf_token);
  b += "<section><h2>When to alert</h2>" +
       Input("attention_minutes", "An order has needed attention for (minutes)",
             std::to_string(a.attention_minutes), "number", " min=\"0\" max=\"10080\"") +
       Input("queue_minutes", "The oldest queued order has waited for (minutes)",
             std::to_string(a.queue_minutes), "number", " min=\"0\" max=\"10080\"") +
       Input("token_lapse_days", "The Lightspeed connection lapses within (days)",
             std::to_string(a.token_lapse_days), "number", " min=\"1\" max=\"29\"") +
       "<p class=\"muted\">Lightspeed asking to be connected again always alerts.</p></section>";

  b += "<section><h2>Webhook</h2>" +
       Checkbox("webhook_enabled", "Send alerts to a webhook", a.webhook_enabled) +
       Input("webhook_url", "Webhook URL (https)", a.webhook_url, "url") +
       "<p class=\"muted\">spoke POSTs JSON and signs the exact body: the header "
       "<code>X-Spoke-Signature</code> is <code>sha256=</code> and the hex HMAC-SHA256 of the "
       "body keyed with this secret.</p><p>Signing secret: <code id=\"webhook-secret\">" +
       Escape(a.webhook_secret) + "</code></p></section>";

  b += "<section><h2>E-mail</h2>" +
       Checkbox("email_enabled", "Send alerts by e-mail", a.email_enabled) +
       Input("smtp_host", "SMTP server", a.smtp_host) +
       Input("smtp_port", "Port", std::to_string(a.smtp_port), "number",
             " min=\"1\" max=\"65535\"") +
       "<label for=\"smtp_security\">Security</label><select id=\"smtp_security\" "
       "name=\"smtp_security\">";
  for (auto [value, label] :
       {std::pair{store::SmtpSecurity::kStartTls, "STARTTLS (usually port 587)"},
        {store::SmtpSecurity::kTls, "TLS from the start (usually port 465)"},
        {store::SmtpSecurity::kNone, "None (only for a mail server on this machine)"}})
    b += std::string("<option value=\"") + store::Name(value) + "\"" +
         (a.smtp_security == value ? " selected" : "") + ">" + label + "</option>";
  b +=
      "</select>" + Input("smtp_user", "User name (empty: no login)", a.smtp_user) +
      Input("smtp_password",
            view->smtp_password_set ? "Password (saved; leave empty to keep it)" : "Password", "",
            "password", " autocomplete=\"new-password\"") +
      (view->smtp_password_set ? Checkbox("smtp_password_clear", "Forget the saved password", false)
                               : "") +
      Input("smtp_from", "From address", a.smtp_from, "email");
  std::string to;
  for (const auto& r : a.smtp_to) to += (to.empty() ? "" : "\n") + r;
  b += "<label for=\"smtp_to\">Recipients (one per line, at most " +
       std::to_string(alerts::kMaxRecipients) +
       ")</label><textarea id=\"smtp_to\" name=\"smtp_to\" rows=\"3\">" + Escape(to) +
       "</textarea></section>";
  b += "<div class=\"actions\"><button type=\"submit\">Save alert settings</button></div></form>";

  b += "<div class=\"actions\"><form method=\"post\" action=\"/settings/alerts/test\">" +
       CsrfField(c.session.csrf_token) +
       "<button type=\"submit\">Send test alert</button></form><form method=\"post\" "
       "action=\"/settings/alerts/secret\">" +
       CsrfField(c.session.csrf_token) +
       "<button type=\"submit\">New signing secret</button></form></div>";

  b += "<section><h2>Incidents</h2>";
  auto incidents = store_.ListAlertIncidents(s, 50);
  if (!incidents.ok()) {
    b += "<p class=\"flash error\">Incidents could not be read: " +
         Escape(incidents.error().message) + "</p>";
  } else if (incidents->empty()) {
    b += "<p class=\"muted\" id=\"no-incidents\">No incidents.</p>";
  } else {
    b += "<div class=\"table-wrap\"><table id=\"incidents\"><thead><tr><th>What</th><th>Opened"
         "</th><th>Resolved</th></tr></thead><tbody>";
    for (const auto& i : *incidents) {
      std::string what = Escape(i.condition.message);
      if (!i.condition.order_number.empty())
        what = "<a href=\"/orders/" + UrlEncode(i.condition.order_number) + "\">" + what + "</a>";
      b += "<tr><td>" + what + "</td><td>" + FormatWhen(i.opened_at, tz) + "</td><td>" +
           (i.resolved_at ? FormatWhen(*i.resolved_at, tz) : "<strong>open</strong>") +
           "</td></tr>";
    }
    b += "</tbody></table></div>";
  }
  b += "</section><section><h2>Recent deliveries</h2>";
  auto deliveries = store_.ListAlertDeliveries(s, 50);
  if (!deliveries.ok()) {
    b += "<p class=\"flash error\">Deliveries could not be read: " +
         Escape(deliveries.error().message) + "</p>";
  } else if (deliveries->empty()) {
    b += "<p class=\"muted\">Nothing sent yet.</p>";
  } else {
    b += "<div class=\"table-wrap\"><table id=\"deliveries\"><thead><tr><th>Alert</th><th>"
         "Channel</th><th>Result</th></tr></thead><tbody>";
    for (const auto& d : *deliveries) {
      std::string result;
      switch (d.state) {
        case store::DeliveryState::kDelivered:
          result = "Delivered " + FormatWhen(d.delivered_at.value_or(d.created_at), tz);
          break;
        case store::DeliveryState::kPending:
          result = d.attempts == 0 ? "Sending"
                                   : "Failing: " + Escape(d.last_error) + " — trying again " +
                                         FormatWhen(d.next_attempt_at, tz);
          break;
        case store::DeliveryState::kFailed:
          result = "<strong>Not delivered</strong>: " + Escape(d.last_error);
          break;
      }
      b += "<tr><td>" + std::string(d.event == store::AlertEvent::kResolved ? "Resolved: " : "") +
           Escape(d.incident.condition.message) + "</td><td>" + ChannelName(d.channel) +
           "</td><td>" + result + "</td></tr>";
    }
    b += "</tbody></table></div>";
  }
  b += "</section>";
  Html(c, "Settings → Alerts", "alerts", b);
}

void Site::AlertsPost(Ctx& c) {
  if (!options_.alerts) return Redirect(c.res, kPath);
  alerts::SettingsChange change;
  // Unticked boxes are not sent: this form always sets both.
  change.webhook_enabled = c.req.Param("webhook_enabled") == "on";
  change.email_enabled = c.req.Param("email_enabled") == "on";
  base::Status refused;
  for (auto [key, label, target] :
       {std::tuple{"attention_minutes", "Needs-attention minutes", &change.attention_minutes},
        {"queue_minutes", "Queue minutes", &change.queue_minutes},
        {"token_lapse_days", "Lapse days", &change.token_lapse_days},
        {"smtp_port", "The SMTP port", &change.smtp_port}}) {
    if (!c.req.HasParam(key) || !refused.ok()) continue;
    auto n = WholeNumber(c.req.Param(key), key, label);
    if (n.ok())
      *target = *n;
    else
      refused = n.error();
  }
  for (auto [key, target] : {std::pair{"webhook_url", &change.webhook_url},
                             {"smtp_host", &change.smtp_host},
                             {"smtp_user", &change.smtp_user},
                             {"smtp_from", &change.smtp_from}})
    if (c.req.HasParam(key)) *target = c.req.Param(key);
  if (c.req.HasParam("smtp_security")) {
    store::SmtpSecurity sec;
    if (store::Parse(c.req.Param("smtp_security"), &sec))
      change.smtp_security = sec;
    else if (refused.ok())
      refused = base::Invalid("smtp_security", "Choose STARTTLS, TLS or none for security");
  }
  if (c.req.HasParam("smtp_to")) change.smtp_to = Addresses(c.req.Param("smtp_to"));
  if (c.req.Param("smtp_password_clear") == "on")
    change.smtp_password = "";
  else if (!c.req.Param("smtp_password").empty())
    change.smtp_password = c.req.Param("smtp_password");
  if (!refused.ok()) {
    AddFlash(c.session.id_hash, true, "Alert settings were not saved: " + refused.error().message);
    return Redirect(c.res, kPath);
  }
  auto saved = options_.alerts->ChangeSettings(c.session.store_id, change);
  if (saved.ok())
    AddFlash(c.session.id_hash, false, "Alert settings saved.");
  else
    AddFlash(c.session.id_hash, true, "Alert settings were not saved: " + saved.error().message);
  Redirect(c.res, kPath);
}

void Site::AlertsSecretPost(Ctx& c) {
  if (!options_.alerts) return Redirect(c.res, kPath);
  auto renewed = options_.alerts->NewWebhookSecret(c.session.store_id);
  if (renewed.ok())
    AddFlash(c.session.id_hash, false,
             "A new signing secret is in use: update your receiver, the old one no longer "
             "verifies.");
  else
    AddFlash(c.session.id_hash, true, "No new secret: " + renewed.error().message);
  Redirect(c.res, kPath);
}

void Site::AlertsTestPost(Ctx& c) {
  if (!options_.alerts) return Redirect(c.res, kPath);
  auto sent = options_.alerts->SendTest(c.session.store_id);
  if (!sent.ok()) {
    AddFlash(c.session.id_hash, true, "No test alert sent: " + sent.error().message);
    return Redirect(c.res, kPath);
  }
  for (const auto& o : *sent)
    AddFlash(c.session.id_hash, !o.delivered,
             ChannelName(o.channel) +
                 " test alert: " + (o.delivered ? o.what : "not delivered — " + o.what) + ".");
  Redirect(c.res, kPath);
}

}  // namespace web::site
