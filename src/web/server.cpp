#include "web/server.h"

#include <spdlog/spdlog.h>

#include "base/text.h"
#include "base/url.h"
#include "web/alert_routes.h"
#include "web/api_routes.h"
#include "web/metrics.h"
#include "web/site/site.h"

namespace web {
namespace {

constexpr const char* kJson = "application/json";

bool IsApiPath(const std::string& path) {
  return path.rfind("/api/", 0) == 0 || path == "/healthz" || path == "/metrics";
}

void JsonError(http::Response& res, int status, const char* code, const std::string& message) {
  res.status = status;
  res.SetContent(
      R"({"error":{"code":")" + std::string(code) + R"(","message":")" + message + R"("}})", kJson);
}

// The JSON error for a status the server or router chose itself (no operation ran).
void StatusError(http::Response& res, int status) {
  switch (status) {
    case 400:
      return JsonError(res, status, "bad_request", "the request is malformed");
    case 404:
      return JsonError(res, status, "not_found", "no such endpoint");
    case 405:
      return JsonError(res, status, "method_not_allowed", "method not allowed here");
    case 408:
      return JsonError(res, status, "timeout", "the request was not sent in time");
    case 413:
      return JsonError(res, status, "too_large", "the body is larger than the limit (1 MiB)");
    case 431:
      return JsonError(res, status, "headers_too_large", "the request's headers are too large");
    case 503:
      return JsonError(res, status, "busy", "the server is busy; try again shortly");
    default:
      return JsonError(res, status, "error", "request failed");
  }
}

class HttpServer : public Server {
 public:
  HttpServer(const ServerOptions& o, api::Api& api, store::Store& store)
      : options_(o), store_(store) {
    if (o.site) {
      site::SiteOptions site_options{o.connections};
      site_options.public_url = o.public_url;
      site_options.clock = o.clock;
      site_options.alerts = o.alerts;
      site_ = std::make_unique<site::Site>(api, store, site_options);
    }
    Routes(api);
    if (site_) site_->Register(router_);
  }
  ~HttpServer() override { Stop(); }

  base::Result<int> Start() override {
    http::ServerOptions so;
    so.host = options_.host;
    so.port = options_.port;
    so.limits = options_.limits;
    so.limits.max_body_bytes = options_.max_body_bytes;
    so.limits.worker_threads = options_.threads;
    so.handler = [this](http::Request& req, http::Response& res) { Serve(req, res); };
    so.on_error = [this](const http::Request& req, http::Response& res) {
      ErrorBody(req.path, res);
    };
    server_ = std::make_unique<http::Server>(std::move(so));
    auto port = server_->Start();
    if (!port.ok()) return port.error();
    if (site_) site_->Start();
    return port;
  }

  void Stop() override {
    if (site_) site_->Stop();
    if (server_) server_->Stop();
  }

  void Wait() override {
    if (server_) server_->Wait();
  }

 private:
  // The body of an error answer: the site's page for its paths, JSON for the API's.
  void ErrorBody(const std::string& path, http::Response& res) const {
    if (site_ && !IsApiPath(path)) return site::ErrorPage(res, res.status);
    StatusError(res, res.status);
  }

  void Serve(http::Request& req, http::Response& res) {
    try {
      if (IsApiPath(req.path)) {
        for (const auto& [name, value] : req.params)
          if (!base::IsValidUtf8(name) || !base::IsValidUtf8(value))
            return SendError(
                res, base::Invalid(base::ValidUtf8(name), "query parameters must be UTF-8 text"));
        // API bodies are JSON: a form-encoded one gets a clear 415, not a parse error.
        const std::string type = req.Header("Content-Type");
        if (!req.body.empty() && (type.rfind("application/x-www-form-urlencoded", 0) == 0 ||
                                  type.rfind("multipart/form-data", 0) == 0))
          return JsonError(res, 415, "unsupported_media_type",
                           "send the body as JSON with Content-Type: application/json");
      }
      std::string allow;
      switch (router_.Dispatch(req, res, &allow)) {
        case http::Router::Match::kFound:
          return;
        case http::Router::Match::kNoPath:
          res.status = 404;
          return ErrorBody(req.path, res);
        case http::Router::Match::kWrongMethod:
          res.status = 405;
          res.SetHeader("Allow", allow);
          return ErrorBody(req.path, res);
      }
    } catch (const std::exception& e) {
      spdlog::error("unhandled exception on {} {}: {}", base::EscapeForLog(req.method),
                    base::EscapeForLog(req.target), base::EscapeForLog(e.what()));
      res = http::Response{};
      res.status = 500;
      ErrorBody(req.path, res);
    }
  }

  void Routes(api::Api& api) {
    router_.Get("/healthz", [](const http::Request&, http::Response& res) {
      res.SetContent(R"({"status":"ok"})", kJson);
    });
    // Every store's counts: for the operator's scraper on this machine, not for the world.
    router_.Get("/metrics", [this](const http::Request& req, http::Response& res) {
      if (!base::IsLoopbackHost(req.remote_addr))
        return JsonError(res, 403, "forbidden", "metrics are served on loopback only");
      res.SetContent(RenderMetrics(store_, options_.engine), "text/plain; version=0.0.4");
    });
    AddApiRoutes(router_, api, store_);
    if (options_.alerts) AddAlertRoutes(router_, *options_.alerts, store_);
  }

  ServerOptions options_;
  store::Store& store_;
  http::Router router_;
  std::unique_ptr<site::Site> site_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace

std::unique_ptr<Server> CreateServer(const ServerOptions& options, api::Api& api,
                                     store::Store& store) {
  return std::make_unique<HttpServer>(options, api, store);
}

}  // namespace web
