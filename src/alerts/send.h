// Sending one alert: a signed webhook POST and an e-mail over SMTP, both through libcurl. The
// result says in plain words what happened, for the Settings → Alerts page and the API.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "store/alerts.h"

namespace alerts {

// HMAC-SHA256 of `body` keyed with the secret's bytes (the hex text as shown), lowercase hex: the
// value of `X-Spoke-Signature: sha256=<hex>`.
std::string SignatureHex(std::string_view secret, std::string_view body);

struct SendResult {
  bool delivered = false;
  std::string
      what;  // "delivered (HTTP 200)", "the receiver answered HTTP 500", "connection refused …"
};

struct WebhookRequest {
  std::string url;
  std::string secret;
  std::string body;         // JSON, signed as is
  std::string delivery_id;  // X-Spoke-Delivery: the same on every retry of one notice
  int64_t timestamp = 0;    // X-Spoke-Timestamp (epoch seconds); the body carries sent_at too
  long timeout_seconds = 10;
};
// 2xx is delivered; anything else (another status, no answer) is not. Redirects are not followed.
SendResult PostWebhook(const WebhookRequest& request);

struct MailRequest {
  std::string host;
  int port = 587;
  store::SmtpSecurity security = store::SmtpSecurity::kStartTls;
  std::string user, password;  // no login when user is empty
  std::string from;
  std::vector<std::string> to;
  std::string subject, text;  // plain text, UTF-8
  std::string message_id;     // without the angle brackets
  base::TimePoint date;
  long timeout_seconds = 20;
};
// The whole message as it goes over the wire (headers, CRLF line ends), for tests.
std::string MailMessage(const MailRequest& request);
SendResult SendMail(const MailRequest& request);

}  // namespace alerts
