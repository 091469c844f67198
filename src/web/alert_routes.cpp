#include "web/alert_routes.h"

#include "api/codec.h"
#include "web/api_routes.h"

namespace web {
namespace {

using api::codec::json;

void SendJson(http::Response& res, int status, const json& body) {
  res.status = status;
  res.SetContent(api::codec::Dump(body), "application/json");
}

json SettingsJson(const alerts::SettingsView& v) {
  const store::AlertSettings& s = v.settings;
  return {{"webhook_enabled", s.webhook_enabled},
          {"email_enabled", s.email_enabled},
          {"attention_minutes", s.attention_minutes},
          {"queue_minutes", s.queue_minutes},
          {"token_lapse_days", s.token_lapse_days},
          {"webhook_url", s.webhook_url},
          {"webhook_secret", s.webhook_secret},
          {"smtp_host", s.smtp_host},
          {"smtp_port", s.smtp_port},
          {"smtp_security", store::Name(s.smtp_security)},
          {"smtp_user", s.smtp_user},
          {"smtp_password_set", v.smtp_password_set},
          {"smtp_from", s.smtp_from},
          {"smtp_to", s.smtp_to}};
}

json Time(const std::optional<base::TimePoint>& t) {
  return t ? json(base::FormatTime(*t)) : json(nullptr);
}

json IncidentJson(const store::AlertIncident& i) {
  return {
      {"key", i.condition.key},
      {"kind", i.condition.kind},
      {"subject", i.condition.subject},
      {"message", i.condition.message},
      {"order", i.condition.order_number.empty() ? json(nullptr) : json(i.condition.order_number)},
      {"opened_at", base::FormatTime(i.opened_at)},
      {"resolved_at", Time(i.resolved_at)}};
}

json DeliveryJson(const store::AlertDelivery& d) {
  return {{"id", "alert-" + std::to_string(d.id)},
          {"incident", d.incident.condition.key},
          {"event", store::Name(d.event)},
          {"channel", store::Name(d.channel)},
          {"state", store::Name(d.state)},
          {"attempts", d.attempts},
          {"created_at", base::FormatTime(d.created_at)},
          {"next_attempt_at", d.state == store::DeliveryState::kPending
                                  ? json(base::FormatTime(d.next_attempt_at))
                                  : json(nullptr)},
          {"delivered_at", Time(d.delivered_at)},
          {"last_error", d.last_error.empty() ? json(nullptr) : json(d.last_error)}};
}

template <typename T>
void Reply(http::Response& res, const base::Result<T>& r, const std::function<json(const T&)>& f) {
  if (!r.ok()) return SendError(res, r.error());
  SendJson(res, 200, f(*r));
}

}  // namespace

base::Result<alerts::SettingsChange> AlertSettingsChangeFromJson(const std::string& body) {
  auto parsed = api::codec::ParseBody(body);
  if (!parsed.ok()) return parsed.error();
  const json& j = *parsed;
  if (!j.is_object()) return base::Invalid("body", "the body must be a JSON object");
  alerts::SettingsChange c;
  auto boolean = [](const json& v, const std::string& k) -> base::Result<bool> {
    if (!v.is_boolean()) return base::Invalid(k, k + " must be true or false");
    return v.get<bool>();
  };
  auto integer = [](const json& v, const std::string& k) -> base::Result<int> {
    if (!v.is_number_integer() || v.get<int64_t>() < INT32_MIN || v.get<int64_t>() > INT32_MAX)
      return base::Invalid(k, k + " must be a whole number");
    return static_cast<int>(v.get<int64_t>());
  };
  auto text = [](const json& v, const std::string& k) -> base::Result<std::string> {
    if (!v.is_string()) return base::Invalid(k, k + " must be a string");
    return v.get<std::string>();
  };
  for (const auto& [k, v] : j.items()) {
    if (k == "webhook_enabled" || k == "email_enabled") {
      auto b = boolean(v, k);
      if (!b.ok()) return b.error();
      (k == "webhook_enabled" ? c.webhook_enabled : c.email_enabled) = *b;
    } else if (k == "attention_minutes" || k == "queue_minutes" || k == "token_lapse_days" ||
               k == "smtp_port") {
      auto n = integer(v, k);
      if (!n.ok()) return n.error();
      (k == "attention_minutes" ? c.attention_minutes
       : k == "queue_minutes"   ? c.queue_minutes
       : k == "smtp_port"       ? c.smtp_port
                                : c.token_lapse_days) = *n;
    } else if (k == "webhook_url" || k == "smtp_host" || k == "smtp_user" || k == "smtp_password" ||
               k == "smtp_from") {
      auto t = text(v, k);
      if (!t.ok()) return t.error();
      (k == "webhook_url"     ? c.webhook_url
       : k == "smtp_host"     ? c.smtp_host
       : k == "smtp_user"     ? c.smtp_user
       : k == "smtp_password" ? c.smtp_password
                              : c.smtp_from) = *t;
    } else if (k == "smtp_security") {
      store::SmtpSecurity sec;
      if (!v.is_string() || !store::Parse(v.get<std::string>(), &sec))
        return base::Invalid(k, "smtp_security must be starttls, tls or none");
      c.smtp_security = sec;
    } else if (k == "smtp_to") {
      if (!v.is_array()) return base::Invalid(k, "smtp_to must be a list of e-mail addresses");
      std::vector<std::string> to;
      for (const json& a : v) {
        if (!a.is_string()) return base::Invalid(k, "smtp_to must be a list of e-mail addresses");
        to.push_back(a.get<std::string>());
      }
      c.smtp_to = std::move(to);
    } else if (k == "webhook_secret") {
      return base::Invalid(k,
                           "webhook_secret is made by spoke: POST /api/v1/settings/alerts/secret "
                           "for a new one");
    } else if (k == "smtp_password_set") {
      return base::Invalid(k, "smtp_password_set is read-only: send smtp_password to change it");
    } else {
      return base::Invalid(k, k + " is not an alert setting");
    }
  }
  return c;
}

void AddAlertRoutes(http::Router& r, alerts::Alerts& alerts, store::Store& store) {
  auto route = [&](const char* method, const std::string& pattern, Authed h) {
    r.Add(method, pattern, WithToken(store, std::move(h)));
  };
  const std::function<json(const alerts::SettingsView&)> settings = SettingsJson;
  route("GET", "/api/v1/settings/alerts",
        [&alerts, settings](store::StoreId s, const http::Request&, http::Response& res) {
          Reply(res, alerts.GetSettings(s), settings);
        });
  route("PUT", "/api/v1/settings/alerts",
        [&alerts, settings](store::StoreId s, const http::Request& req, http::Response& res) {
          auto change = AlertSettingsChangeFromJson(req.body);
          if (!change.ok()) return SendError(res, change.error());
          Reply(res, alerts.ChangeSettings(s, *change), settings);
        });
  route("POST", "/api/v1/settings/alerts/secret",
        [&alerts, settings](store::StoreId s, const http::Request&, http::Response& res) {
          Reply(res, alerts.NewWebhookSecret(s), settings);
        });
  route("POST", "/api/v1/settings/alerts/test",
        [&alerts](store::StoreId s, const http::Request&, http::Response& res) {
          Reply<std::vector<alerts::TestOutcome>>(
              res, alerts.SendTest(s), [](const std::vector<alerts::TestOutcome>& v) {
                json results = json::array();
                for (const auto& o : v)
                  results.push_back({{"channel", store::Name(o.channel)},
                                     {"delivered", o.delivered},
                                     {"message", o.what}});
                return json{{"results", results}};
              });
        });
  route("GET", "/api/v1/alerts",
        [&store](store::StoreId s, const http::Request&, http::Response& res) {
          auto incidents = store.ListAlertIncidents(s, 100);
          if (!incidents.ok()) return SendError(res, incidents.error());
          auto deliveries = store.ListAlertDeliveries(s, 100);
          if (!deliveries.ok()) return SendError(res, deliveries.error());
          json out = {{"incidents", json::array()}, {"deliveries", json::array()}};
          for (const auto& i : *incidents) out["incidents"].push_back(IncidentJson(i));
          for (const auto& d : *deliveries) out["deliveries"].push_back(DeliveryJson(d));
          SendJson(res, 200, out);
        });
}

}  // namespace web
