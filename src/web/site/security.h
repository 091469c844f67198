// The site manager's security rules: session idle expiry, CSRF comparison, cookies and security
// headers as pure functions, each with a unit test, and the login throttle over the store.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "store/access.h"

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
// Where a login leads: `next` (the page that was asked for) when it is a page of this site,
// else "/orders". Never back to the login or logout page.
std::string AfterLogin(std::string_view next);

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
// The attempts live in the database (store::AccessStore::ReserveLoginAttempt), so every `spoke
// serve` node on it counts the same attempts, measured on the database's clock. Storage stays
// bounded: a key holds at most its limit of attempts, and attempts are deleted once their window
// has passed.
class LoginThrottle {
 public:
  using Limit = store::LoginLimit;
  explicit LoginThrottle(store::AccessStore& store, Limit per_email = {5, std::chrono::minutes(5)},
                         Limit per_address = {20, std::chrono::minutes(1)})
      : store_(store), limits_{per_email, per_address} {}

  // Counts one attempt for `email` (compared without case) from `address`. nullopt: go ahead
  // and check the password; otherwise how long to wait, and nothing was counted. An error when
  // the database could not be asked: the caller refuses the login (fails closed).
  base::Result<std::optional<base::Duration>> Reserve(std::string_view email,
                                                      std::string_view address);
  // The password was right: the e-mail's failures are forgotten and this attempt no longer
  // counts against the address (its earlier failures still do).
  base::Status Succeeded(std::string_view email, std::string_view address);

 private:
  store::AccessStore& store_;
  const store::LoginLimits limits_;
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
