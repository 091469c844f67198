// The site manager: server-rendered pages for staff, logged in with a server-side session.
// Private to web/: server.cpp registers the routes. Pages read through the store and
// shop::CheckEligibility and change things only through api::Api's typed operations, so a page
// and the JSON API can never disagree about what is allowed.
#pragma once

#include <string>
#include <thread>
#include <vector>

#include "alerts/alerts.h"
#include "api/api.h"
#include "base/mutex.h"
#include "http/http.h"
#include "web/site/chart.h"
#include "web/site/html.h"
#include "web/site/security.h"

namespace web::site {

struct SiteOptions {
  exporter::Connections* connections = nullptr;  // Connect, pickers, bucket; may be null
  base::Clock* clock = nullptr;                  // default: the system clock
  SessionPolicy sessions;
  base::Duration sample_every = std::chrono::seconds(10);  // bucket chart resolution
  // server.public_url ("" = none): the OAuth redirect's base; without it only a loopback
  // request may connect.
  std::string public_url;
  // Settings → Alerts (issue 15); null: the page says alerts are not available here.
  alerts::Alerts* alerts = nullptr;
};

class Site {
 public:
  Site(api::Api& api, store::Store& store, SiteOptions options);
  ~Site();
  void Register(http::Router& router);
  // The bucket sampler thread.
  void Start();
  void Stop();

 private:
  struct Ctx {
    const http::Request& req;
    http::Response& res;
    store::Session session;
    // The store's settings, read once as the request starts; every page needs its time zone.
    base::Result<store::LightspeedSettings> settings;
    // (Not `ok() ? time_zone : "UTC"`: that makes a temporary std::string, and a dangling view.)
    std::string_view time_zone() const {
      if (settings.ok()) return settings->time_zone;
      return "UTC";
    }
  };
  using PageFn = void (Site::*)(Ctx&);

  // Runs `fn` for a logged-in user (302 to /login otherwise); POSTs need the session's CSRF token.
  http::Handler Guard(PageFn fn, bool post);

  // site.cpp: plumbing, login and logout.
  void Html(Ctx& c, const std::string& title, const std::string& active, const std::string& body,
            int refresh_seconds = 0);
  // 303 after a form (the browser follows with GET); 302 to the login page.
  void Redirect(http::Response& res, const std::string& path, int status = 303);
  // A Set-Cookie header: Secure when spoke is served over https (server.public_url).
  void SetSiteCookie(http::Response& res, std::string_view name, std::string_view value,
                     int max_age_seconds = -1) const;
  // Flashes are kept in the store by session hash, so the next page may come from any node.
  void AddFlash(const std::string& session, bool error, const std::string& text);
  std::vector<Flash> TakeFlashes(const std::string& session);
  void LoginPage(const http::Request& req, http::Response& res);
  void LoginPost(const http::Request& req, http::Response& res);
  void RenderLogin(http::Response& res, int status, const std::string& email,
                   const std::string& error, const std::string& next = "/orders");
  void Logout(Ctx& c);
  void SampleOnce();

  // pages_orders.cpp
  void OrdersPage(Ctx& c);
  void ExportSelected(Ctx& c);
  // An export form refused for its CSRF token: back to its list with its boxes still ticked.
  void StaleExportForm(const http::Request& req, http::Response& res,
                       const store::Session& session);
  // pages_order.cpp
  void OrderPage(Ctx& c);
  void OrderStatusPost(Ctx& c);
  void CapturePost(Ctx& c);
  void RetryPost(Ctx& c);
  void RetryRefundPost(Ctx& c);
  // pages_exports.cpp
  void ExportsPage(Ctx& c);
  void RetryAllPost(Ctx& c);
  // pages_reconcile.cpp
  void ReconcilePage(Ctx& c);
  void ReconcilePost(Ctx& c);
  // pages_settings.cpp
  void SettingsPage(Ctx& c);
  void SettingsPost(Ctx& c);
  void ConnectPost(Ctx& c);
  void ConnectCallback(Ctx& c);
  // pages_alerts.cpp: Settings → Alerts.
  void AlertsPage(Ctx& c);
  void AlertsPost(Ctx& c);
  void AlertsSecretPost(Ctx& c);
  void AlertsTestPost(Ctx& c);

  api::Api& api_;
  store::Store& store_;
  SiteOptions options_;
  base::Clock& clock_;
  LoginThrottle throttle_;
  const bool secure_cookies_;
  BucketHistory history_;

  base::Mutex sampler_mu_;
  base::CondVar sampler_cv_;
  bool stopping_ GUARDED_BY(sampler_mu_) = false;
  std::thread sampler_;
};

// A plain page, with the security headers, for errors the server or router answers itself
// (404, 405, 408, 413, 431, 500 …) outside /api. Keeps res.status.
void ErrorPage(http::Response& res, int status);

// The order page's "What will be sent" section (pages_preview.cpp).
std::string ExportPreviewHtml(const api::ExportPreview& preview);

}  // namespace web::site
