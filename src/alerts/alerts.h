// Alerts (issue 15): a periodic checker finds each store's incidents (incidents.h), the store
// opens and resolves each once across restarts and nodes (store/alerts.h), and every opened or
// resolved incident is sent once to each channel the store turned on — a signed webhook and an
// e-mail over SMTP (send.h) — retried with backoff. Settings → Alerts and
// /api/v1/settings/alerts read and change the settings through this class. Off by default.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/result.h"
#include "store/store.h"

namespace alerts {

struct Options {
  std::string secret_key_hex;  // seals the SMTP password at rest (the config's secret key)
  std::string public_url;      // server.public_url, checked ("" = none: alerts carry no link)
  std::string node = "spoke";  // who holds a delivery's lease (the process's node name)
  base::Duration check_every = std::chrono::seconds(30);  // the checker's period
  base::Duration lease = std::chrono::minutes(2);         // one delivery's send, at most
  base::Duration first_retry = std::chrono::seconds(30);  // after the first failure; doubles
  base::Duration max_retry = std::chrono::minutes(15);    // the longest wait between attempts
  base::Duration give_up_after = std::chrono::hours(1);   // then the delivery is given up
  long timeout_seconds = 10;                              // one webhook POST or SMTP session
};

// A change from PUT /api/v1/settings/alerts or the Settings → Alerts form: fields left out keep
// their value. smtp_password is write-only ("" clears it).
struct SettingsChange {
  std::optional<bool> webhook_enabled, email_enabled;
  std::optional<int> attention_minutes, queue_minutes, token_lapse_days, smtp_port;
  std::optional<std::string> webhook_url, smtp_host, smtp_user, smtp_password, smtp_from;
  std::optional<store::SmtpSecurity> smtp_security;
  std::optional<std::vector<std::string>> smtp_to;
};

// The settings as shown: never the password, only whether one is set.
struct SettingsView {
  store::AlertSettings settings;  // smtp_password_sealed is always empty here
  bool smtp_password_set = false;
};

// What a test alert did on one channel, in plain words.
struct TestOutcome {
  store::AlertChannel channel = store::AlertChannel::kWebhook;
  bool delivered = false;
  std::string what;
};

inline constexpr int kMaxRecipients = 10;
inline constexpr int kMaxMinutes = 7 * 24 * 60;  // thresholds in minutes: 0 .. one week
inline constexpr int kMaxLapseDays = 29;         // Lightspeed forgets a token unused for 30 days

// Checks whole settings (a change applied to the stored ones); errors name the field.
base::Status Validate(const store::AlertSettings& settings);
// https, or http to a loopback host only; no user info; at most 2,000 bytes. Errors name `field`.
base::Status CheckWebhookUrl(std::string_view url, const std::string& field);
// A plain address "name@domain" (no display name), at most 254 bytes. Errors name `field`.
base::Status CheckMailAddress(std::string_view address, const std::string& field);

class Alerts {
 public:
  Alerts(store::Store& store, base::Clock& clock, Options options);
  ~Alerts();
  Alerts(const Alerts&) = delete;
  Alerts& operator=(const Alerts&) = delete;

  // The store's settings; the first read makes the store's webhook secret.
  base::Result<SettingsView> GetSettings(store::StoreId store);
  // Applies and validates `change` as a whole; a refusal stores nothing.
  base::Result<SettingsView> ChangeSettings(store::StoreId store, const SettingsChange& change);
  // A new random webhook secret (the old one stops verifying at once).
  base::Result<SettingsView> NewWebhookSecret(store::StoreId store);
  // Sends a test alert to each channel that is on, now, and says what happened on each.
  // kInvalidInput naming `webhook_enabled` when no channel is on.
  base::Result<std::vector<TestOutcome>> SendTest(store::StoreId store);

  // One pass: every store's incidents synced (stores with no channel on are left alone), then
  // the due deliveries sent. Errors of one store do not stop the others; the first is answered.
  base::Status CheckOnce();
  base::Status CheckStore(store::StoreId store);
  // Sends the deliveries due now (any store); answers how many attempts were made.
  base::Result<int> DeliverDue();

  // The checker thread: CheckOnce every check_every until Stop. Not the engine's dispatcher.
  void Start();
  void Stop();

 private:
  struct Rendered;
  base::Result<store::AlertSettings> LoadWithSecret(store::StoreId store);
  store::DeliveryOutcome Attempt(const store::AlertDelivery& d, base::TimePoint now);
  base::Duration RetryDelay(int failed_attempts);
  std::string Link(const store::AlertCondition& c) const;
  void Run();

  store::Store& store_;
  base::Clock& clock_;
  const Options options_;
  base::Mutex mu_;
  base::CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace alerts
