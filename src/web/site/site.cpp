// Site manager plumbing: routes, the session guard, flash messages, login and logout, and the
// bucket sampler behind the Exports chart.
#include "web/site/site.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/secrets.h"
#include "base/text.h"
#include "base/thread_name.h"

namespace web::site {
namespace {

constexpr const char* kSessionCookie = "spoke_session";
constexpr const char* kLoginCookie = "spoke_login";  // the login form's CSRF (no session yet)
constexpr const char* kHtml = "text/html; charset=utf-8";

void SetSecurityHeaders(http::Response& res) {
  for (const auto& [k, v] : SecurityHeaders()) res.SetHeader(k, v);
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

void ErrorPage(http::Response& res, int status) {
  std::string text = "Something went wrong (HTTP " + std::to_string(status) + ").";
  if (status == 404) text = "There is no page at this address.";
  if (status == 405) text = "This page cannot be used that way.";
  if (status == 408) text = "The request took too long to arrive.";
  if (status == 413) text = "The form was too large to accept.";
  if (status == 431) text = "The request's headers (cookies?) were too large to accept.";
  if (status == 400) text = "The request was malformed.";
  if (status == 422) text = "The form had characters that are not text.";
  if (status == 503) text = "spoke is busy right now; try again in a moment.";
  Layout l;
  l.title = "Error";
  l.flashes.push_back({true, text});
  res.status = status;
  SetSecurityHeaders(res);
  res.SetContent(RenderPage(l, "<p><a href=\"/orders\">Go to Open Orders</a></p>"), kHtml);
}

Site::Site(api::Api& api, store::Store& store, SiteOptions options)
    : api_(api),
      store_(store),
      options_(std::move(options)),
      clock_(options_.clock ? *options_.clock : base::SystemClock()),
      throttle_(store_),
      secure_cookies_(options_.public_url.rfind("https://", 0) == 0) {}

Site::~Site() { Stop(); }

void Site::Register(http::Router& http) {
  http.Get("/site.css", [](const http::Request&, http::Response& res) {
    res.SetHeader("Cache-Control", "max-age=300");
    res.SetHeader("X-Content-Type-Options", "nosniff");
    res.SetContent(kStylesheet, "text/css; charset=utf-8");
  });
  http.Get("/site.js", [](const http::Request&, http::Response& res) {
    res.SetHeader("Cache-Control", "max-age=300");
    res.SetHeader("X-Content-Type-Options", "nosniff");
    res.SetContent(kScript, "text/javascript; charset=utf-8");
  });
  http.Get("/", [this](const http::Request&, http::Response& res) { Redirect(res, "/orders"); });
  http.Get("/login", [this](const http::Request& q, http::Response& r) { LoginPage(q, r); });
  http.Post("/login", [this](const http::Request& q, http::Response& r) { LoginPost(q, r); });
  http.Post("/logout", Guard(&Site::Logout, true));
  http.Get("/orders", Guard(&Site::OrdersPage, false));
  http.Post("/orders/export", Guard(&Site::ExportSelected, true));
  http.Get(R"(/orders/([^/]+))", Guard(&Site::OrderPage, false));
  http.Post(R"(/orders/([^/]+)/status)", Guard(&Site::OrderStatusPost, true));
  http.Post(R"(/orders/([^/]+)/payments/([^/]+)/capture)", Guard(&Site::CapturePost, true));
  http.Post(R"(/orders/([^/]+)/retry)", Guard(&Site::RetryPost, true));
  http.Post(R"(/orders/([^/]+)/refunds/([^/]+)/retry)", Guard(&Site::RetryRefundPost, true));
  http.Get("/exports", Guard(&Site::ExportsPage, false));
  http.Post("/exports/retry-all", Guard(&Site::RetryAllPost, true));
  http.Get("/exports/reconciliation", Guard(&Site::ReconcilePage, false));
  http.Post("/exports/reconciliation", Guard(&Site::ReconcilePost, true));
  http.Get("/settings/lightspeed", Guard(&Site::SettingsPage, false));
  http.Post("/settings/lightspeed", Guard(&Site::SettingsPost, true));
  http.Post("/settings/lightspeed/connect", Guard(&Site::ConnectPost, true));
  http.Get("/settings/lightspeed/callback", Guard(&Site::ConnectCallback, false));
  http.Get("/settings/alerts", Guard(&Site::AlertsPage, false));
  http.Post("/settings/alerts", Guard(&Site::AlertsPost, true));
  http.Post("/settings/alerts/secret", Guard(&Site::AlertsSecretPost, true));
  http.Post("/settings/alerts/test", Guard(&Site::AlertsTestPost, true));
}

http::Handler Site::Guard(PageFn fn, bool post) {
  return [this, fn, post](const http::Request& req, http::Response& res) {
    SetSecurityHeaders(res);
    // Browsers send forms as UTF-8; other bytes are a hand-made request, refused whole.
    for (const auto& [name, value] : req.params)
      if (!base::IsValidUtf8(name) || !base::IsValidUtf8(value)) return ErrorPage(res, 422);
    // After logging in, a page asked for by address (a bookmark, a link in an e-mail) is shown.
    const std::string next = post ? "" : "next=" + UrlEncode(req.target);
    const std::string id = CookieValue(req.Header("Cookie"), kSessionCookie);
    if (id.empty()) return Redirect(res, next.empty() ? "/login" : "/login?" + next, 302);
    auto session = store_.FindSession(base::Sha256Hex(id));
    if (!session.ok()) {
      if (session.error().code != base::ErrorCode::kNotFound)
        spdlog::error("session lookup failed: {}", session.error().message);
      SetSiteCookie(res, kSessionCookie, "", 0);
      return Redirect(res, next.empty() ? "/login" : "/login?" + next, 302);
    }
    const base::TimePoint now = clock_.Now();
    if (IsIdleExpired(session->last_seen_at, now, options_.sessions)) {
      (void)store_.DeleteSession(session->id_hash);
      SetSiteCookie(res, kSessionCookie, "", 0);
      return Redirect(res, "/login?expired=1" + (next.empty() ? "" : "&" + next), 302);
    }
    if (NeedsTouch(session->last_seen_at, now, options_.sessions))
      (void)store_.TouchSession(session->id_hash, now);
    if (post && !CsrfMatches(session->csrf_token, req.Param("csrf"))) {
      if (fn == &Site::ExportSelected) return StaleExportForm(req, res, *session);
      res.status = 403;
      Layout l{"Refused", "", session->email, session->csrf_token, {}, 0};
      l.flashes.push_back({true,
                           "This form was refused because its security token is missing or out "
                           "of date. Go back, reload the page and try again."});
      res.SetContent(RenderPage(l,
                                "<h1>Refused</h1><p><a href=\"/orders\">Back to Open "
                                "Orders</a></p>"),
                     kHtml);
      return;
    }
    auto settings = store_.GetLightspeedSettings(session->store_id);
    Ctx c{req, res, std::move(*session), std::move(settings)};
    (this->*fn)(c);
  };
}

void Site::Html(Ctx& c, const std::string& title, const std::string& active,
                const std::string& body, int refresh_seconds) {
  Layout l;
  l.title = title;
  l.active = active;
  l.user_email = c.session.email;
  l.csrf = c.session.csrf_token;
  l.flashes = TakeFlashes(c.session.id_hash);
  l.refresh_seconds = refresh_seconds;
  c.res.SetContent(RenderPage(l, body), kHtml);
}

void Site::Redirect(http::Response& res, const std::string& path, int status) {
  res.status = status;
  res.SetHeader("Location", IsLocalPath(path) ? path : "/orders");
}

void Site::SetSiteCookie(http::Response& res, std::string_view name, std::string_view value,
                         int max_age_seconds) const {
  res.AddHeader("Set-Cookie", SetCookie(name, value, max_age_seconds, secure_cookies_));
}

void Site::AddFlash(const std::string& session, bool error, const std::string& text) {
  if (auto r = store_.AddFlash(session, {error, text}); !r.ok())
    spdlog::error("a flash message was not stored: {}", r.error().message);
}

std::vector<Flash> Site::TakeFlashes(const std::string& session) {
  auto taken = store_.TakeFlashes(session);
  if (!taken.ok()) {
    spdlog::error("flash messages could not be read: {}", taken.error().message);
    return {};
  }
  std::vector<Flash> out;
  out.reserve(taken->size());
  for (store::SessionFlash& f : *taken) out.push_back({f.error, std::move(f.text)});
  return out;
}

void Site::RenderLogin(http::Response& res, int status, const std::string& email,
                       const std::string& error, const std::string& next) {
  // Double-submit token: the form's hidden field must match the cookie set with the form.
  const std::string token = base::RandomHex(16);
  SetSiteCookie(res, kLoginCookie, token);
  Layout l;
  l.title = "Log in";
  if (!error.empty()) l.flashes.push_back({true, error});
  res.status = status;
  res.SetContent(
      RenderPage(l,
                 "<section class=\"login\"><h1>Log in to spoke</h1>"
                 "<form method=\"post\" action=\"/login\">" +
                     CsrfField(token) + "<input type=\"hidden\" name=\"next\" value=\"" +
                     Escape(next) + "\">" +
                     "<label for=\"email\">E-mail</label><input id=\"email\" name=\"email\" "
                     "type=\"email\" autocomplete=\"username\" required value=\"" +
                     Escape(email) +
                     "\"><label for=\"password\">Password</label><input id=\"password\" "
                     "name=\"password\" type=\"password\" autocomplete=\"current-password\" "
                     "required><div class=\"actions\"><button type=\"submit\">Log "
                     "in</button></div></form></section>"),
      kHtml);
}

void Site::LoginPage(const http::Request& req, http::Response& res) {
  SetSecurityHeaders(res);
  const std::string next = AfterLogin(req.Param("next"));
  const std::string id = CookieValue(req.Header("Cookie"), kSessionCookie);
  if (!id.empty()) {
    auto s = store_.FindSession(base::Sha256Hex(id));
    if (s.ok() && !IsIdleExpired(s->last_seen_at, clock_.Now(), options_.sessions))
      return Redirect(res, next);
  }
  RenderLogin(res, 200, "",
              req.HasParam("expired") ? "Your session ended after a while without use; log "
                                        "in again."
                                      : "",
              next);
}

void Site::LoginPost(const http::Request& req, http::Response& res) {
  SetSecurityHeaders(res);
  const std::string email = req.Param("email");
  const std::string next = AfterLogin(req.Param("next"));
  if (!CsrfMatches(CookieValue(req.Header("Cookie"), kLoginCookie), req.Param("csrf"))) {
    return RenderLogin(res, 403, email,
                       "The login form was out of date (or cookies are off). Please try again.",
                       next);
  }
  // The attempt is counted before the slow password check (parallel guesses cannot pass the
  // limit), and an unknown e-mail costs the same check as a wrong password.
  auto wait = throttle_.Reserve(Lower(email), req.remote_addr);
  if (!wait.ok()) {
    // Fail closed: without the shared count a guesser would be unthrottled.
    spdlog::error("login throttle unavailable, login refused: {}", wait.error().message);
    return RenderLogin(res, 503, email, "Logging in is not possible right now; try again shortly.",
                       next);
  }
  if (*wait) {
    const double secs = std::chrono::duration<double>(**wait).count();
    return RenderLogin(res, 429, email,
                       "Too many failed logins. Try again in " + FormatWait(secs) + ".", next);
  }
  auto user = store_.FindUser(email);
  if (!CheckLoginPassword(user.ok() ? std::optional(user->password_hash) : std::nullopt,
                          req.Param("password")))
    return RenderLogin(res, 401, email, "Wrong e-mail or password.", next);
  if (auto r = throttle_.Succeeded(Lower(email), req.remote_addr); !r.ok())
    spdlog::warn("a successful login was not forgotten by the throttle: {}", r.error().message);
  const base::TimePoint now = clock_.Now();
  (void)store_.DeleteIdleSessions(now - options_.sessions.idle);  // sweep now and then
  const std::string id = base::RandomHex(32);
  store::Session s;
  s.id_hash = base::Sha256Hex(id);
  s.user_id = user->id;
  s.csrf_token = base::RandomHex(32);
  s.created_at = s.last_seen_at = now;
  if (auto r = store_.CreateSession(s); !r.ok())
    return RenderLogin(res, 503, email, "Could not log in right now: " + r.error().message, next);
  SetSiteCookie(res, kSessionCookie, id);
  Redirect(res, next);
}

void Site::Logout(Ctx& c) {
  (void)store_.DeleteSession(c.session.id_hash);  // its flashes go with it
  SetSiteCookie(c.res, kSessionCookie, "", 0);
  Redirect(c.res, "/login");
}

void Site::SampleOnce() {
  if (!options_.connections) return;
  auto stores = store_.ListStores();
  if (!stores.ok()) return;
  for (const store::StoreInfo& s : *stores) {
    auto b = options_.connections->Bucket(s.id);
    if (b && b->known) history_.Add(s.id.value, {clock_.Now(), b->level, b->size});
  }
}

void Site::Start() {
  if (!options_.connections || sampler_.joinable()) return;
  sampler_ = std::thread([this] {
    base::NameThisThread("site-sampler");
    base::MutexLock lock(sampler_mu_);
    while (!stopping_) {
      lock.Unlock();
      SampleOnce();
      lock.Lock();
      // A real-time wait is right here: the chart samples wall-clock time, and Stop() wakes it.
      const auto deadline = std::chrono::steady_clock::now() + options_.sample_every;
      while (!stopping_ && sampler_cv_.WaitUntil(sampler_mu_, deadline)) {
      }
    }
  });
}

void Site::Stop() {
  {
    base::MutexLock lock(sampler_mu_);
    stopping_ = true;
  }
  sampler_cv_.SignalAll();
  if (sampler_.joinable()) sampler_.join();
}

}  // namespace web::site
