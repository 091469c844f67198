#include "web/site/security.h"

#include <algorithm>

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

std::string SetCookie(std::string_view name, std::string_view value, int max_age_seconds) {
  std::string c = std::string(name) + "=" + std::string(value) + "; Path=/; HttpOnly; SameSite=Lax";
  if (max_age_seconds >= 0) c += "; Max-Age=" + std::to_string(max_age_seconds);
  return c;
}

const std::vector<std::pair<std::string, std::string>>& SecurityHeaders() {
  // No script runs on these pages at all; styles come from /site.css only.
  static const std::vector<std::pair<std::string, std::string>> kHeaders = {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
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

std::optional<base::Duration> LoginThrottle::Blocked(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return std::nullopt;
  const base::TimePoint now = clock_.Now();
  auto& times = it->second;
  std::erase_if(times, [&](base::TimePoint t) { return now - t >= window_; });
  if (static_cast<int>(times.size()) < max_failures_) return std::nullopt;
  return times.front() + window_ - now;
}

void LoginThrottle::Failed(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_[key].push_back(clock_.Now());
  // Forget keys nobody has tried lately, so the map stays small under a spray of addresses.
  if (failures_.size() > 10000) {
    const base::TimePoint now = clock_.Now();
    std::erase_if(failures_, [&](const auto& kv) { return now - kv.second.back() >= window_; });
  }
}

void LoginThrottle::Succeeded(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

}  // namespace web::site
