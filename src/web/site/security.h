// The site manager's security rules as pure functions: session idle expiry, CSRF comparison,
// cookies, security headers and a small login throttle. No I/O, so each rule has a unit test.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"

namespace web::site {

struct SessionPolicy {
  base::Duration idle = std::chrono::hours(2);  // a session unused this long is over
  // last_seen is written at most this often, so reading a page is not a write every time.
  base::Duration touch_every = std::chrono::minutes(1);
};

bool IsIdleExpired(base::TimePoint last_seen, base::TimePoint now, const SessionPolicy& p);
bool NeedsTouch(base::TimePoint last_seen, base::TimePoint now, const SessionPolicy& p);

// A form's token against the session's, in constant time; an empty token never matches.
bool CsrfMatches(std::string_view expected, std::string_view given);

// The value of cookie `name` in a Cookie header, or empty.
std::string CookieValue(std::string_view cookie_header, std::string_view name);
// A Set-Cookie value: HttpOnly, SameSite=Lax, Path=/. max_age_seconds < 0: a browser-session
// cookie; 0: deletes it.
std::string SetCookie(std::string_view name, std::string_view value, int max_age_seconds = -1);

// Headers every page carries (name, value).
const std::vector<std::pair<std::string, std::string>>& SecurityHeaders();

// Only same-site paths may be redirect targets ("/orders?x" yes; "//evil", "http://…" no).
bool IsLocalPath(std::string_view path);

// Slows password guessing: after `max_failures` failed logins for a key (an e-mail or an
// address) within `window`, further attempts are refused until the window has passed.
class LoginThrottle {
 public:
  LoginThrottle(base::Clock& clock, int max_failures = 5,
                base::Duration window = std::chrono::minutes(5))
      : clock_(clock), max_failures_(max_failures), window_(window) {}
  // How long the key must wait, when it must.
  std::optional<base::Duration> Blocked(const std::string& key);
  void Failed(const std::string& key);
  void Succeeded(const std::string& key);

 private:
  base::Clock& clock_;
  int max_failures_;
  base::Duration window_;
  std::mutex mu_;
  std::map<std::string, std::vector<base::TimePoint>> failures_;
};

}  // namespace web::site
