#include "alerts/send.h"

#include <curl/curl.h>
#include <sodium.h>

#include <cstring>
#include <ctime>
#include <mutex>

#include "base/string_reader.h"

namespace alerts {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (sodium_init() < 0) std::abort();
  });
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

// What a failed transfer means to a merchant.
std::string Explain(CURLcode code, const char* errbuf, const std::string& where, long timeout) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
      return "connection refused: nothing answered at " + where;
    case CURLE_COULDNT_RESOLVE_HOST:
      return "the host name of " + where + " is not known";
    case CURLE_OPERATION_TIMEDOUT:
      return "no answer from " + where + " within " + std::to_string(timeout) + " seconds";
    case CURLE_LOGIN_DENIED:
      return "the mail server refused the user name or password";
    case CURLE_USE_SSL_FAILED:
      return "the mail server at " + where + " does not offer STARTTLS";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
      return "a secure connection to " + where +
             " failed: " + (errbuf[0] ? errbuf : curl_easy_strerror(code));
    default:
      return std::string(errbuf[0] ? errbuf : curl_easy_strerror(code)) + " (" + where + ")";
  }
}

// A header value on one line: CR and LF would start another header.
std::string OneLine(std::string_view v) {
  std::string out;
  for (char c : v) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

std::string RfcDate(base::TimePoint t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

}  // namespace

std::string SignatureHex(std::string_view secret, std::string_view body) {
  GlobalInit();
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&st, mac);
  char hex[2 * sizeof mac + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return hex;
}

SendResult PostWebhook(const WebhookRequest& req) {
  GlobalInit();
  CURL* h = curl_easy_init();
  if (!h) return {false, "could not start an HTTP request"};
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(
      headers, ("X-Spoke-Signature: sha256=" + SignatureHex(req.secret, req.body)).c_str());
  headers =
      curl_slist_append(headers, ("X-Spoke-Timestamp: " + std::to_string(req.timestamp)).c_str());
  headers = curl_slist_append(headers, ("X-Spoke-Delivery: " + OneLine(req.delivery_id)).c_str());
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, req.timeout_seconds);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, std::min(req.timeout_seconds, 10L));
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "spoke-alerts/1");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  const CURLcode code = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  if (code != CURLE_OK) return {false, Explain(code, errbuf, req.url, req.timeout_seconds)};
  if (status >= 200 && status < 300)
    return {true, "delivered (the receiver answered HTTP " + std::to_string(status) + ")"};
  return {false, "the receiver answered HTTP " + std::to_string(status)};
}

std::string MailMessage(const MailRequest& m) {
  std::string to;
  for (const auto& r : m.to) to += (to.empty() ? "" : ", ") + OneLine(r);
  std::string msg = "Date: " + RfcDate(m.date) + "\r\nFrom: " + OneLine(m.from) + "\r\nTo: " + to +
                    "\r\nSubject: " + OneLine(m.subject) + "\r\nMessage-ID: <" +
                    OneLine(m.message_id) +
                    ">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    "Content-Transfer-Encoding: 8bit\r\n\r\n";
  for (char c : m.text) {
    if (c == '\n')
      msg += "\r\n";
    else if (c != '\r')
      msg += c;
  }
  if (msg.size() < 2 || msg.substr(msg.size() - 2) != "\r\n") msg += "\r\n";
  return msg;
}

SendResult SendMail(const MailRequest& m) {
  GlobalInit();
  CURL* h = curl_easy_init();
  if (!h) return {false, "could not start an SMTP session"};
  char errbuf[CURL_ERROR_SIZE] = {0};
  const std::string scheme = m.security == store::SmtpSecurity::kTls ? "smtps://" : "smtp://";
  const bool v6 = m.host.find(':') != std::string::npos;
  const std::string where = (v6 ? "[" + m.host + "]" : m.host) + ":" + std::to_string(m.port);
  const std::string url = scheme + where;
  const std::string message = MailMessage(m);
  base::StringReader reader{&message};
  curl_slist* rcpt = nullptr;
  for (const auto& r : m.to) rcpt = curl_slist_append(rcpt, ("<" + r + ">").c_str());
  const std::string from = "<" + m.from + ">";
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, m.timeout_seconds);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, std::min(m.timeout_seconds, 10L));
  curl_easy_setopt(h, CURLOPT_USE_SSL,
                   m.security == store::SmtpSecurity::kNone ? CURLUSESSL_NONE : CURLUSESSL_ALL);
  if (!m.user.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, m.user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, m.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, base::ReadFromString);
  curl_easy_setopt(h, CURLOPT_READDATA, &reader);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  const CURLcode code = curl_easy_perform(h);
  long reply = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(h);
  if (code != CURLE_OK) return {false, Explain(code, errbuf, where, m.timeout_seconds)};
  return {true, "delivered (the mail server accepted it for " + std::to_string(m.to.size()) +
                    (m.to.size() == 1 ? " recipient)" : " recipients)")};
}

}  // namespace alerts
