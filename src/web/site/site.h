// The site manager: server-rendered pages for staff, logged in with a server-side session.
// Private to web/: server.cpp registers the routes. Pages read through the store and
// shop::CheckEligibility and change things only through api::Api, so a page and the JSON API
// can never disagree about what is allowed.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <thread>
#include <vector>

#include "api/api.h"
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
};

class Site {
 public:
  Site(api::Api& api, store::Store& store, SiteOptions options);
  ~Site();
  void Register(httplib::Server& http);
  // The bucket sampler thread.
  void Start();
  void Stop();

 private:
  struct Ctx {
    const httplib::Request& req;
    httplib::Response& res;
    store::Session session;
  };
  using PageFn = void (Site::*)(Ctx&);

  // Runs `fn` for a logged-in user (302 to /login otherwise); POSTs need the session's CSRF token.
  httplib::Server::Handler Guard(PageFn fn, bool post);

  // site.cpp: plumbing, login and logout.
  void Html(Ctx& c, const std::string& title, const std::string& active, const std::string& body,
            int refresh_seconds = 0);
  // 303 after a form (the browser follows with GET); 302 to the login page.
  void Redirect(httplib::Response& res, const std::string& path, int status = 303);
  void AddFlash(const std::string& session, bool error, const std::string& text);
  std::vector<Flash> TakeFlashes(const std::string& session);
  void LoginPage(const httplib::Request& req, httplib::Response& res);
  void LoginPost(const httplib::Request& req, httplib::Response& res);
  void RenderLogin(httplib::Response& res, int status, const std::string& email,
                   const std::string& error);
  void Logout(Ctx& c);
  void SampleOnce();

  // pages_orders.cpp
  void OrdersPage(Ctx& c);
  void ExportSelected(Ctx& c);
  // pages_order.cpp
  void OrderPage(Ctx& c);
  void OrderStatusPost(Ctx& c);
  void CapturePost(Ctx& c);
  void RetryPost(Ctx& c);
  // pages_exports.cpp
  void ExportsPage(Ctx& c);
  // pages_settings.cpp
  void SettingsPage(Ctx& c);
  void SettingsPost(Ctx& c);
  void ConnectPost(Ctx& c);
  void ConnectCallback(Ctx& c);

  api::Api& api_;
  store::Store& store_;
  SiteOptions options_;
  base::Clock& clock_;
  LoginThrottle throttle_;
  BucketHistory history_;

  std::mutex flash_mu_;
  std::map<std::string, std::vector<Flash>> flashes_;  // by session hash; shown once

  std::mutex sampler_mu_;
  std::condition_variable sampler_cv_;
  bool stopping_ = false;
  std::thread sampler_;
};

// A plain page for errors httplib answers itself (404, 405, 413 …) outside /api.
std::string ErrorPage(int status);

// A JSON body for api::Api made from form fields. Bytes that are not UTF-8 (browsers never send
// them; hand-made requests may) become U+FFFD instead of an exception.
std::string ApiBody(const nlohmann::json& body);

// The message of an api::Response's {"error":{"message":…}}, or `fallback`.
std::string ErrorMessage(const api::Response& r, const std::string& fallback = "");

}  // namespace web::site
