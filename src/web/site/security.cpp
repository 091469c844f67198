#include "web/site/security.h"

#include "base/secrets.h"

namespace web::site {

bool IsIdleExpired(base::TimePoint last_seen, base::TimePoint now, const SessionPolicy& p) {
  return now - last_seen >= p.idle;
}

bool NeedsTouch(base::TimePoint last_seen, base::TimePoint now, const SessionPolicy& p) {
  return now - last_seen >= p.touch_every;
}

bool CsrfMatches(std::string_view expected, std::string_view given) {
  if (expected.empty() || given.empty()) return false;
  return base::SecretEquals(expected, given);
}

std::string CookieValue(std::string_view header, std::string_view name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view part = header.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    const size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name)
      return std::string(part.substr(eq + 1));
    pos = end + 1;
  }
  return "";
}

std::string SetCookie(std::string_view name, std::string_view value, int max_age_seconds,
                      bool secure) {
  std::string c = std::string(name) + "=" + std::string(value) + "; Path=/; HttpOnly; SameSite=Lax";
  if (max_age_seconds >= 0) c += "; Max-Age=" + std::to_string(max_age_seconds);
  if (secure) c += "; Secure";
  return c;
}

const std::vector<std::pair<std::string, std::string>>& SecurityHeaders() {
  // Scripts and styles come from our own files only (/site.js, /site.css): no inline script or
  // style, no eval. Every page works without the script; it only enhances Open Orders.
  static const std::vector<std::pair<std::string, std::string>> kHeaders = {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"},
      {"X-Frame-Options", "DENY"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "same-origin"},
      {"Cache-Control", "no-store"},
  };
  return kHeaders;
}

bool IsLocalPath(std::string_view path) {
  if (path.empty() || path[0] != '/') return false;
  if (path.size() > 1 && (path[1] == '/' || path[1] == '\\')) return false;
  return path.find_first_of("\r\n") == std::string_view::npos;
}

std::string AfterLogin(std::string_view next) {
  if (!IsLocalPath(next) || next.size() > 2048 || next.rfind("/login", 0) == 0 ||
      next.rfind("/logout", 0) == 0)
    return "/orders";
  // Printable ASCII only (a request target is): browsers drop tabs and turn '\\' into '/', so
  // "/\t/evil.example" or "/\\evil.example" would lead off the site.
  for (char ch : next)
    if (ch <= ' ' || ch >= 0x7f || ch == '\\') return "/orders";
  return std::string(next);
}

namespace {

// Keys are kept short whatever is typed into the form; longer e-mails share a key (stricter).
constexpr size_t kMaxKeyBytes = 320;

std::string Key(std::string_view text, bool lower) {
  std::string k(text.substr(0, kMaxKeyBytes));
  if (lower)
    for (char& c : k)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return k;
}

}  // namespace

base::Result<std::optional<base::Duration>> LoginThrottle::Reserve(std::string_view email,
                                                                   std::string_view address) {
  return store_.ReserveLoginAttempt(Key(email, true), Key(address, false), limits_);
}

base::Status LoginThrottle::Succeeded(std::string_view email, std::string_view address) {
  return store_.LoginSucceeded(Key(email, true), Key(address, false));
}

bool DefaultPasswordVerifier(std::string_view hash, std::string_view password) {
  return base::VerifyPassword(hash, password);
}

const std::string& DummyPasswordHash() {
  // Made once, with the same Argon2id limits as real hashes, from a password nobody knows.
  static const std::string kHash = [] {
    auto h = base::HashPassword(base::RandomHex(16));
    return h.ok() ? *h : std::string();
  }();
  return kHash;
}

bool CheckLoginPassword(const std::optional<std::string>& password_hash, std::string_view password,
                        PasswordVerifier verify) {
  if (!password_hash) {
    (void)verify(DummyPasswordHash(), password);  // the same cost as a wrong password
    return false;
  }
  return verify(*password_hash, password);
}

}  // namespace web::site
