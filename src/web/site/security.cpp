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

std::string SetCookie(std::string_view name, std::string_view value, int max_age_seconds,
                      bool secure) {
  std::string c = std::string(name) + "=" + std::string(value) + "; Path=/; HttpOnly; SameSite=Lax";
  if (max_age_seconds >= 0) c += "; Max-Age=" + std::to_string(max_age_seconds);
  if (secure) c += "; Secure";
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

std::optional<base::Duration> LoginThrottle::Wait(Attempts& keys, const std::string& key,
                                                  const Limit& limit, base::TimePoint now) {
  auto it = keys.find(key);
  if (it == keys.end()) return std::nullopt;
  auto& times = it->second;
  std::erase_if(times, [&](base::TimePoint t) { return now - t >= limit.window; });
  if (static_cast<int>(times.size()) < limit.max_failures) return std::nullopt;
  return times.front() + limit.window - now;
}

void LoginThrottle::Trim(Attempts& keys, const Limit& limit, base::TimePoint now) {
  if (keys.size() <= max_keys_) return;
  std::erase_if(keys, [&](const auto& kv) {
    return kv.second.empty() || now - kv.second.back() >= limit.window;
  });
  if (keys.size() <= max_keys_) return;
  // Still too many (a spray of addresses or e-mails): forget the half tried least recently.
  std::vector<base::TimePoint> last;
  last.reserve(keys.size());
  for (const auto& [key, times] : keys) last.push_back(times.back());
  auto middle = last.begin() + static_cast<std::ptrdiff_t>(last.size() / 2);
  std::nth_element(last.begin(), middle, last.end());
  const base::TimePoint cut = *middle;
  std::erase_if(keys, [&](const auto& kv) { return kv.second.back() < cut; });
}

std::optional<base::Duration> LoginThrottle::Reserve(std::string_view email,
                                                     std::string_view address) {
  const std::string e = Key(email, true), a = Key(address, false);
  base::MutexLock lock(mu_);
  const base::TimePoint now = clock_.Now();
  auto by_email = Wait(emails_, e, per_email_, now);
  auto by_address = Wait(addresses_, a, per_address_, now);
  if (by_email || by_address)
    return std::max(by_email.value_or(base::Duration::zero()),
                    by_address.value_or(base::Duration::zero()));
  emails_[e].push_back(now);
  addresses_[a].push_back(now);
  Trim(emails_, per_email_, now);
  Trim(addresses_, per_address_, now);
  return std::nullopt;
}

void LoginThrottle::Succeeded(std::string_view email, std::string_view address) {
  const std::string e = Key(email, true), a = Key(address, false);
  base::MutexLock lock(mu_);
  emails_.erase(e);
  // Give back this attempt only: a right password for one account must not wipe the address's
  // failures against others.
  if (auto it = addresses_.find(a); it != addresses_.end() && !it->second.empty()) {
    it->second.pop_back();
    if (it->second.empty()) addresses_.erase(it);
  }
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
