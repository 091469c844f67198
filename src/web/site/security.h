// The site manager's security rules as pure functions: session idle expiry, CSRF comparison,
// cookies, security headers and a small login throttle. No I/O, so each rule has a unit test.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"

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
// cookie; 0: deletes it. `secure`: sent over HTTPS only (when the site is served over https).
std::string SetCookie(std::string_view name, std::string_view value, int max_age_seconds = -1,
                      bool secure = false);

// Headers every page carries (name, value).
const std::vector<std::pair<std::string, std::string>>& SecurityHeaders();

// Only same-site paths may be redirect targets ("/orders?x" yes; "//evil", "http://…" no).
bool IsLocalPath(std::string_view path);

// Slows password guessing, per e-mail and per client address. An attempt is counted before the
// password is checked, in the same step as the check of the limits, so parallel attempts cannot
// slip past them while the slow password hash runs.
//
// The address limit is looser and much shorter than the e-mail's: it stops one address from
// trying many e-mails, but the merchant's colleagues behind the same address (an office NAT) are
// locked out for at most `per_address.window` even while an attacker keeps trying. A locked
// address is refused before any password is checked, a right one included: checking passwords
// for a locked address would let it guess on, unthrottled, across e-mails.
//
// Memory stays bounded: a key holds at most its limit of attempts, and past `max_keys` keys the
// ones nobody tried for longest are forgotten first.
class LoginThrottle {
 public:
  struct Limit {
    int max_failures;       // attempts within `window` before the key must wait
    base::Duration window;  // how long an attempt counts; also the longest wait
  };
  explicit LoginThrottle(base::Clock& clock, Limit per_email = {5, std::chrono::minutes(5)},
                         Limit per_address = {20, std::chrono::minutes(1)}, size_t max_keys = 10000)
      : clock_(clock), per_email_(per_email), per_address_(per_address), max_keys_(max_keys) {}

  // Counts one attempt for `email` (compared without case) from `address`. nullopt: go ahead
  // and check the password; otherwise how long to wait, and nothing was counted.
  std::optional<base::Duration> Reserve(std::string_view email, std::string_view address);
  // The password was right: the e-mail's failures are forgotten and this attempt no longer
  // counts against the address (its earlier failures still do).
  void Succeeded(std::string_view email, std::string_view address);

 private:
  using Attempts = std::map<std::string, std::vector<base::TimePoint>, std::less<>>;
  // `keys` is emails_ or addresses_.
  std::optional<base::Duration> Wait(Attempts& keys, const std::string& key, const Limit& limit,
                                     base::TimePoint now) REQUIRES(mu_);
  void Trim(Attempts& keys, const Limit& limit, base::TimePoint now) REQUIRES(mu_);

  base::Clock& clock_;
  const Limit per_email_, per_address_;
  const size_t max_keys_;
  base::Mutex mu_;
  Attempts emails_ GUARDED_BY(mu_);
  Attempts addresses_ GUARDED_BY(mu_);
};

// Checks a login's password. `password_hash` is the user's, or nullopt for an unknown e-mail:
// then the password is checked against a fixed dummy hash made once, so an unknown e-mail costs
// the same Argon2id verify as a known one and the answer's timing does not tell them apart.
using PasswordVerifier = bool (*)(std::string_view hash, std::string_view password);
// base::VerifyPassword, and the dummy hash used for unknown e-mails.
bool DefaultPasswordVerifier(std::string_view hash, std::string_view password);
const std::string& DummyPasswordHash();
bool CheckLoginPassword(const std::optional<std::string>& password_hash, std::string_view password,
                        PasswordVerifier verify = &DefaultPasswordVerifier);

}  // namespace web::site
