#include "alerts/alerts.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "alerts/incidents.h"
#include "alerts/send.h"
#include "base/secrets.h"
#include "base/text.h"
#include "base/thread_name.h"
#include "base/url.h"
#include "exporter/connections.h"

namespace alerts {
namespace {

using nlohmann::json;
using store::AlertChannel;

constexpr int kFactsLimit = 200;  // needs-attention orders considered per pass
// One delivery per claim: its lease (Options::lease) then covers a single send, whatever the
// timeouts, so a slow batch never outlives its lease and gets sent twice by another node.
constexpr int kClaimBatch = 1;

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::vector<AlertChannel> Channels(const store::AlertSettings& s) {
  std::vector<AlertChannel> out;
  if (s.webhook_enabled) out.push_back(AlertChannel::kWebhook);
  if (s.email_enabled) out.push_back(AlertChannel::kEmail);
  return out;
}

// The short title of an incident: an e-mail's subject.
std::string Title(const store::AlertCondition& c) {
  if (c.kind == "order_attention") return "Order " + c.order_number + " needs attention";
  if (c.kind == "reconnect") return "Lightspeed must be connected again";
  if (c.kind == "token_lapse") return "The Lightspeed connection is about to lapse";
  if (c.kind == "queue_age") return "Orders are waiting to be exported";
  if (c.kind == "test") return "Test alert";
  return c.kind;
}

}  // namespace

base::Status CheckWebhookUrl(std::string_view url, const std::string& field) {
  if (url.size() > 2000) return base::Invalid(field, field + " is longer than 2,000 characters");
  if (!base::IsValidUtf8(url) || HasControl(url) || url.find(' ') != std::string_view::npos)
    return base::Invalid(field, field + " must be a URL without spaces or control characters");
  const bool https = url.rfind("https://", 0) == 0;
  const bool http = url.rfind("http://", 0) == 0;
  if (!https && !http)
    return base::Invalid(field, field + " must start with https:// (or http:// to this machine)");
  std::string_view rest = url.substr(https ? 8 : 7);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty()) return base::Invalid(field, field + " has no host");
  if (authority.find('@') != std::string_view::npos)
    return base::Invalid(field, field + " must not carry a user name or password");
  const std::string host = base::HostOfAuthority(authority);
  if (host.empty()) return base::Invalid(field, field + " has no host");
  if (http && !base::IsLoopbackHost(host))
    return base::Invalid(field,
                         field + " must use https:// (plain http:// only to a loopback host)");
  return {};
}

base::Status CheckMailAddress(std::string_view a, const std::string& field) {
  const size_t at = a.rfind('@');
  const bool shaped = a.size() <= 254 && at != std::string_view::npos && at > 0 &&
                      at + 1 < a.size() && base::IsValidUtf8(a) && !HasControl(a) &&
                      a.find_first_of(" <>,;\"()[]\\") == std::string_view::npos &&
                      a.find('@') == at;
  if (!shaped)
    return base::Invalid(field, field + " must be an e-mail address like alerts@example.com: \"" +
                                    base::CutUtf8(a, 60) + "\" is not one");
  return {};
}

base::Status Validate(const store::AlertSettings& s) {
  if (s.attention_minutes < 0 || s.attention_minutes > kMaxMinutes)
    return base::Invalid("attention_minutes", "attention_minutes must be 0 to 10080 (a week)");
  if (s.queue_minutes < 0 || s.queue_minutes > kMaxMinutes)
    return base::Invalid("queue_minutes", "queue_minutes must be 0 to 10080 (a week)");
  if (s.token_lapse_days < 1 || s.token_lapse_days > kMaxLapseDays)
    return base::Invalid("token_lapse_days", "token_lapse_days must be 1 to 29");
  if (!s.webhook_url.empty()) {
    if (auto st = CheckWebhookUrl(s.webhook_url, "webhook_url"); !st.ok()) return st;
  } else if (s.webhook_enabled) {
    return base::Invalid("webhook_url", "webhook_url is needed to turn the webhook on");
  }
  if (s.smtp_host.size() > 253 || HasControl(s.smtp_host) || !base::IsValidUtf8(s.smtp_host) ||
      s.smtp_host.find_first_of(" /@") != std::string::npos)
    return base::Invalid("smtp_host", "smtp_host must be a host name or address");
  if (s.smtp_port < 1 || s.smtp_port > 65535)
    return base::Invalid("smtp_port", "smtp_port must be 1 to 65535");
  if (s.smtp_security == store::SmtpSecurity::kNone && !s.smtp_host.empty() &&
      !base::IsLoopbackHost(s.smtp_host))
    return base::Invalid("smtp_security",
                         "smtp_security none (no encryption) is allowed only for a mail server on "
                         "this machine; use starttls or tls");
  if (s.smtp_user.size() > 256 || HasControl(s.smtp_user) || !base::IsValidUtf8(s.smtp_user))
    return base::Invalid("smtp_user", "smtp_user must be at most 256 characters of text");
  if (!s.smtp_from.empty())
    if (auto st = CheckMailAddress(s.smtp_from, "smtp_from"); !st.ok()) return st;
  if (s.smtp_to.size() > kMaxRecipients)
    return base::Invalid("smtp_to", "smtp_to holds at most 10 addresses");
  for (const auto& r : s.smtp_to)
    if (auto st = CheckMailAddress(r, "smtp_to"); !st.ok()) return st;
  if (s.email_enabled) {
    if (s.smtp_host.empty())
      return base::Invalid("smtp_host", "smtp_host is needed to turn e-mail on");
    if (s.smtp_from.empty())
      return base::Invalid("smtp_from", "smtp_from is needed to turn e-mail on");
    if (s.smtp_to.empty())
      return base::Invalid("smtp_to", "smtp_to needs at least one address to turn e-mail on");
  }
  return {};
}

Alerts::Alerts(store::Store& store, base::Clock& clock, Options options)
    : store_(store), clock_(clock), options_(std::move(options)) {}

Alerts::~Alerts() { Stop(); }

base::Result<store::AlertSettings> Alerts::LoadWithSecret(store::StoreId id) {
  if (auto info = store_.GetStore(id); !info.ok()) return info.error();
  auto s = store_.GetAlertSettings(id);
  if (!s.ok()) return s.error();
  if (s->webhook_secret.empty()) {
    s->webhook_secret = base::RandomHex(32);
    if (auto st = store_.PutAlertSettings(id, *s); !st.ok()) return st.error();
  }
  return s;
}

namespace {
SettingsView ViewOf(store::AlertSettings s) {
  SettingsView v;
  v.smtp_password_set = !s.smtp_password_sealed.empty();
  s.smtp_password_sealed.clear();
  v.settings = std::move(s);
  return v;
}
}  // namespace

base::Result<SettingsView> Alerts::GetSettings(store::StoreId id) {
  auto s = LoadWithSecret(id);
  if (!s.ok()) return s.error();
  return ViewOf(*s);
}

base::Result<SettingsView> Alerts::ChangeSettings(store::StoreId id, const SettingsChange& c) {
  auto loaded = LoadWithSecret(id);
  if (!loaded.ok()) return loaded.error();
  store::AlertSettings s = *loaded;
  if (c.webhook_enabled) s.webhook_enabled = *c.webhook_enabled;
  if (c.email_enabled) s.email_enabled = *c.email_enabled;
  if (c.attention_minutes) s.attention_minutes = *c.attention_minutes;
  if (c.queue_minutes) s.queue_minutes = *c.queue_minutes;
  if (c.token_lapse_days) s.token_lapse_days = *c.token_lapse_days;
  if (c.smtp_port) s.smtp_port = *c.smtp_port;
  if (c.webhook_url) s.webhook_url = *c.webhook_url;
  if (c.smtp_host) s.smtp_host = *c.smtp_host;
  if (c.smtp_user) s.smtp_user = *c.smtp_user;
  if (c.smtp_from) s.smtp_from = *c.smtp_from;
  if (c.smtp_security) s.smtp_security = *c.smtp_security;
  if (c.smtp_to) s.smtp_to = *c.smtp_to;
  if (auto st = Validate(s); !st.ok()) return st.error();
  if (c.smtp_password) {
    if (c.smtp_password->size() > 1000 || HasControl(*c.smtp_password))
      return base::Invalid("smtp_password",
                           "smtp_password must be at most 1,000 characters without control "
                           "characters");
    if (c.smtp_password->empty()) {
      s.smtp_password_sealed.clear();
    } else {
      auto sealed = base::Seal(options_.secret_key_hex, *c.smtp_password);
      if (!sealed.ok()) return sealed.error();
      s.smtp_password_sealed = *sealed;
    }
  }
  if (auto st = store_.PutAlertSettings(id, s); !st.ok()) return st.error();
  return ViewOf(s);
}

base::Result<SettingsView> Alerts::NewWebhookSecret(store::StoreId id) {
  auto s = LoadWithSecret(id);
  if (!s.ok()) return s.error();
  s->webhook_secret = base::RandomHex(32);
  if (auto st = store_.PutAlertSettings(id, *s); !st.ok()) return st.error();
  return ViewOf(*s);
}

// One notice, rendered for both channels.
struct Alerts::Rendered {
  std::string event;  // opened | resolved | test
  std::string id;     // the delivery's id, the same on every retry
  json body;
  std::string subject, text;
};

std::string Alerts::Link(const store::AlertCondition& c) const {
  if (options_.public_url.empty()) return "";
  if (c.kind == "order_attention")
    return options_.public_url + "/orders/" + base::PercentEncode(c.order_number);
  if (c.kind == "queue_age") return options_.public_url + "/exports";
  if (c.kind == "test") return options_.public_url + "/settings/alerts";
  return options_.public_url + "/settings/lightspeed";
}

namespace {

std::string Body(const std::string& event, const std::string& id, const store::StoreInfo& info,
                 const store::AlertIncident& incident, const std::string& link,
                 base::TimePoint now) {
  const auto& c = incident.condition;
  json j = {{"event", event},
            {"id", id},
            {"kind", c.kind},
            {"store", info.slug},
            {"subject", c.subject},
            {"message", c.message},
            {"opened_at", base::FormatTime(incident.opened_at)},
            {"resolved_at",
             incident.resolved_at ? json(base::FormatTime(*incident.resolved_at)) : json(nullptr)},
            {"order", c.order_number.empty() ? json(nullptr) : json(c.order_number)},
            {"link", link.empty() ? json(nullptr) : json(link)},
            {"sent_at", base::FormatTime(now)}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

base::Duration Alerts::RetryDelay(int failed_attempts) {
  base::Duration d = options_.first_retry;
  for (int i = 1; i < failed_attempts && d < options_.max_retry; ++i) d *= 2;
  d = std::min(d, options_.max_retry);
  // ±20 % jitter, so many stores' retries after one outage do not arrive together.
  const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  const int64_t spread = ms / 5;
  const int64_t jitter =
      spread > 0 ? static_cast<int64_t>(randombytes_uniform(
                       static_cast<uint32_t>(std::min<int64_t>(2 * spread + 1, UINT32_MAX)))) -
                       spread
                 : 0;
  return std::chrono::milliseconds(ms + jitter);
}

namespace {

// Sends one rendered notice on one channel.
SendResult SendOn(AlertChannel channel, const store::AlertSettings& s, const std::string& password,
                  const std::string& body, const std::string& id, const std::string& subject,
                  const std::string& text, base::TimePoint now, long timeout) {
  if (channel == AlertChannel::kWebhook) {
    WebhookRequest req;
    req.url = s.webhook_url;
    req.secret = s.webhook_secret;
    req.body = body;
    req.delivery_id = id;
    req.timestamp =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    req.timeout_seconds = timeout;
    return PostWebhook(req);
  }
  MailRequest m;
  m.host = s.smtp_host;
  m.port = s.smtp_port;
  m.security = s.smtp_security;
  m.user = s.smtp_user;
  m.password = password;
  m.from = s.smtp_from;
  m.to = s.smtp_to;
  m.subject = subject;
  m.text = text;
  m.message_id =
      id + "." +
      std::to_string(
          std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()) +
      "@spoke";
  m.date = now;
  m.timeout_seconds = timeout * 2;
  return SendMail(m);
}

std::string MailText(const std::string& event, const store::StoreInfo& info,
                     const store::AlertIncident& incident, const std::string& link) {
  std::string t;
  if (event == "resolved") t += "Resolved: this no longer needs attention.\n\n";
  t += incident.condition.message + ".\n\n";
  t += "Store: " + info.name + " (" + info.slug + ")\n";
  t += "Opened: " + base::FormatTime(incident.opened_at) + "\n";
  if (incident.resolved_at) t += "Resolved: " + base::FormatTime(*incident.resolved_at) + "\n";
  if (!link.empty()) t += "\n" + link + "\n";
  t += "\n-- \nspoke alerts. Settings → Alerts turns these off.\n";
  return t;
}

}  // namespace

store::DeliveryOutcome Alerts::Attempt(const store::AlertDelivery& d, base::TimePoint now) {
  store::DeliveryOutcome out;
  auto fail = [&](const std::string& why) {
    const base::Duration wait = RetryDelay(d.attempts + 1);
    if (now + wait > d.created_at + options_.give_up_after) {
      out.state = store::DeliveryState::kFailed;
      out.error = "gave up after " + std::to_string(d.attempts + 1) +
                  (d.attempts == 0 ? " attempt: " : " attempts: ") + why;
    } else {
      out.state = store::DeliveryState::kPending;
      out.error = why;
      out.next_attempt_at = now + wait;
    }
    return out;
  };
  auto info = store_.GetStore(d.store);
  auto s = store_.GetAlertSettings(d.store);
  if (!info.ok()) return fail(info.error().message);
  if (!s.ok()) return fail(s.error().message);
  const bool on = d.channel == AlertChannel::kWebhook ? s->webhook_enabled : s->email_enabled;
  if (!on) {
    out.state = store::DeliveryState::kFailed;
    out.error = std::string("not sent: ") +
                (d.channel == AlertChannel::kWebhook ? "the webhook" : "e-mail") +
                " was turned off";
    return out;
  }
  std::string password;
  if (d.channel == AlertChannel::kEmail && !s->smtp_password_sealed.empty()) {
    auto p = base::Unseal(options_.secret_key_hex, s->smtp_password_sealed);
    if (!p.ok())
      return fail(
          "the SMTP password cannot be read with this server's secret key; enter it "
          "again in Settings → Alerts");
    password = *p;
  }
  const std::string event = store::Name(d.event);
  const std::string id = "alert-" + std::to_string(d.id);
  const std::string link = Link(d.incident.condition);
  const std::string title = Title(d.incident.condition);
  const std::string subject =
      "[spoke] " + info->name + ": " + (event == "resolved" ? "Resolved: " : "") + title;
  const SendResult r =
      SendOn(d.channel, *s, password, Body(event, id, *info, d.incident, link, now), id, subject,
             MailText(event, *info, d.incident, link), now, options_.timeout_seconds);
  if (r.delivered) return {store::DeliveryState::kDelivered, "", now};
  return fail(r.what);
}

base::Result<std::vector<TestOutcome>> Alerts::SendTest(store::StoreId id) {
  auto info = store_.GetStore(id);
  if (!info.ok()) return info.error();
  auto s = LoadWithSecret(id);
  if (!s.ok()) return s.error();
  const auto channels = Channels(*s);
  if (channels.empty())
    return base::Invalid("webhook_enabled",
                         "turn on the webhook or e-mail (and save) before sending a test alert");
  const base::TimePoint now = clock_.Now();
  store::AlertIncident incident;
  incident.condition = {
      "test", "test", "test",
      "This is a test alert from spoke for " + info->name + ": alerts reach you here", ""};
  incident.opened_at = now;
  const std::string test_id = "test-" + base::RandomHex(8);
  const std::string link = Link(incident.condition);
  std::vector<TestOutcome> out;
  for (AlertChannel ch : channels) {
    std::string password;
    if (ch == AlertChannel::kEmail && !s->smtp_password_sealed.empty()) {
      auto p = base::Unseal(options_.secret_key_hex, s->smtp_password_sealed);
      if (!p.ok()) {
        out.push_back({ch, false, "the SMTP password cannot be read; enter it again"});
        continue;
      }
      password = *p;
    }
    const SendResult r =
        SendOn(ch, *s, password, Body("test", test_id, *info, incident, link, now), test_id,
               "[spoke] " + info->name + ": Test alert", MailText("test", *info, incident, link),
               now, options_.timeout_seconds);
    out.push_back({ch, r.delivered, r.what});
  }
  return out;
}

base::Status Alerts::CheckStore(store::StoreId id) {
  auto s = store_.GetAlertSettings(id);
  if (!s.ok()) return s.error();
  const auto channels = Channels(*s);
  if (channels.empty()) return {};  // off: nothing is watched, nothing changes
  auto facts = store_.GetAlertFacts(id, kFactsLimit);
  if (!facts.ok()) return facts.error();
  auto refunds = store_.ListStoppedRefunds(id, kFactsLimit);
  if (!refunds.ok()) return refunds.error();
  for (const store::RefundExport& x : *refunds)
    facts->stopped_refunds.push_back({x.number, x.refund_id, x.message});
  std::optional<base::TimePoint> lapses;
  if (facts->connection == store::ConnectionState::kConnected)
    lapses = exporter::ConnectionLapsesAt(store_, id);
  const base::TimePoint now = clock_.Now();
  auto open = OpenConditions(*facts, lapses, ThresholdsOf(*s), now);
  auto changes = store_.SyncIncidents(id, open, channels, now);
  if (!changes.ok()) return changes.error();
  return {};
}

base::Result<int> Alerts::DeliverDue() {
  int attempts = 0;
  for (;;) {
    const base::TimePoint now = clock_.Now();
    auto claimed = store_.ClaimAlertDeliveries(options_.node, now, options_.lease, kClaimBatch);
    if (!claimed.ok()) return claimed.error();
    for (const auto& d : *claimed) {
      const store::DeliveryOutcome outcome = Attempt(d, now);
      // kConflict: the lease ran out while sending and another node took the delivery over.
      (void)store_.FinishAlertDelivery(d.id, d.fence, outcome, clock_.Now());
      ++attempts;
    }
    if (static_cast<int>(claimed->size()) < kClaimBatch) return attempts;
  }
}

base::Status Alerts::CheckOnce() {
  base::Status first;
  auto stores = store_.ListStores();
  if (!stores.ok()) return stores.error();
  for (const auto& info : *stores)
    if (auto st = CheckStore(info.id); !st.ok() && first.ok()) first = st;
  if (auto d = DeliverDue(); !d.ok() && first.ok()) first = d.error();
  return first;
}

void Alerts::Start() {
  base::MutexLock lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] {
    base::NameThisThread("alerts");
    Run();
  });
}

void Alerts::Stop() {
  {
    base::MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

void Alerts::Run() {
  for (;;) {
    (void)CheckOnce();  // a failing pass is tried again on the next one
    base::MutexLock lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() + options_.check_every;
    while (!stop_)
      if (!cv_.WaitUntil(mu_, deadline)) break;
    if (stop_) return;
  }
}

}  // namespace alerts
