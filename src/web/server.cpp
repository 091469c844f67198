#include "web/server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <strings.h>

#include <regex>
#include <thread>

#include "base/secrets.h"
#include "web/metrics.h"
#include "web/site/site.h"

namespace web {
namespace {

constexpr const char* kJson = "application/json";

class HttpServer : public Server {
 public:
  HttpServer(const ServerOptions& o, api::Api& api, store::Store& store)
      : options_(o), api_(api), store_(store) {
    site::SiteOptions site_options{o.connections};
    site_options.public_url = o.public_url;
    site_options.clock = o.clock;
    if (o.site) site_ = std::make_unique<site::Site>(api, store, site_options);
    Routes();
    if (site_) site_->Register(http_);
  }
  ~HttpServer() override { Stop(); }

  base::Result<int> Start() override {
    http_.set_payload_max_length(options_.max_body_bytes);
    const int threads = options_.threads;
    http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    http_.set_keep_alive_max_count(1000);
    http_.set_tcp_nodelay(true);  // no 40 ms delayed-ACK stall per request
    int port = options_.port;
    if (port == 0) {
      port = http_.bind_to_any_port(options_.host);
    } else if (!http_.bind_to_port(options_.host, port)) {
      port = -1;
    }
    if (port <= 0)
      return base::Unavailable("cannot listen on " + options_.host + ":" +
                               std::to_string(options_.port) + " (in use or not allowed)");
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    while (!http_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (site_) site_->Start();
    return port;
  }

  void Stop() override {
    if (site_) site_->Stop();
    http_.stop();
    if (thread_.joinable()) thread_.join();
  }

  void Wait() override {
    if (thread_.joinable()) thread_.join();
  }

 private:
  using Handler = std::function<api::Response(store::StoreId, const httplib::Request&)>;

  static void Send(httplib::Response& res, const api::Response& r) {
    res.status = r.status;
    res.set_content(r.body, kJson);
  }

  static api::Query QueryOf(const httplib::Request& req) {
    api::Query q;
    for (const auto& [k, v] : req.params) q[k] = v;
    return q;
  }

  // Wraps an API handler with bearer-token authentication; a token sees only its own store.
  httplib::Server::Handler Authed(Handler h) {
    return [this, h](const httplib::Request& req, httplib::Response& res) {
      const std::string auth = req.get_header_value("Authorization");
      const std::string prefix = "Bearer ";
      if (auth.size() <= prefix.size() || strncasecmp(auth.c_str(), "bearer ", 7) != 0) {
        res.set_header("WWW-Authenticate", "Bearer");
        Send(res, api::Api::Error(base::Error{base::ErrorCode::kUnauthenticated,
                                              "an API token is required (Authorization: Bearer …)",
                                              "", "unauthenticated", std::nullopt}));
        return;
      }
      auto store = store_.FindTokenStore(base::Sha256Hex(auth.substr(prefix.size())));
      if (!store.ok()) {
        res.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        Send(res, api::Api::Error(store.error()));
        return;
      }
      Send(res, h(*store, req));
    };
  }

  void Routes() {
    const std::string order = R"(/api/v1/orders/([^/]+))";
    const std::string item = R"(/api/v1/items/([^/]+))";
    http_.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"status":"ok"})", kJson);
    });
    // Every store's counts: for the operator's scraper on this machine, not for the world.
    http_.Get("/metrics", [this](const httplib::Request& req, httplib::Response& res) {
      if (req.remote_addr != "127.0.0.1" && req.remote_addr != "::1") {
        res.status = 403;
        res.set_content(
            R"({"error":{"code":"forbidden","message":"metrics are served on loopback only"}})",
            kJson);
        return;
      }
      res.set_content(RenderMetrics(store_), "text/plain; version=0.0.4");
    });
    // API bodies are JSON. httplib caps form-encoded bodies far below 1 MiB, so a clear 415 beats
    // a misleading 413 for `curl -d` without a content type. The site's forms are form-encoded.
    // httplib 0.11 answers 400 to a POST that carries neither Content-Length nor chunks, which
    // is what `curl -X POST` sends. The endpoints that take no body are served here instead.
    const std::regex no_body(order + R"((/export|/export/retry|/payments/([^/]+)/capture))");
    auto bodyless = Authed([this](store::StoreId s, const httplib::Request& r) {
      const std::string action = r.matches[2];
      if (action == "/export") return api_.RequestExport(s, r.matches[1]);
      if (action == "/export/retry") return api_.RetryExport(s, r.matches[1]);
      return api_.CapturePayment(s, r.matches[1], r.matches[3]);
    });
    http_.set_pre_routing_handler(
        [no_body, bodyless](const httplib::Request& req, httplib::Response& res) {
          const std::string type = req.get_header_value("Content-Type");
          if (req.path.rfind("/api/", 0) != 0) return httplib::Server::HandlerResponse::Unhandled;
          if (req.method == "POST" && !req.has_header("Content-Length") &&
              !req.has_header("Transfer-Encoding")) {
            httplib::Request copy = req;
            if (std::regex_match(copy.path, copy.matches, no_body)) {
              bodyless(copy, res);
              return httplib::Server::HandlerResponse::Handled;
            }
          }
          // An empty body needs no type; a form-encoded one gets a clear 415.
          const bool has_body =
              req.get_header_value("Content-Length") != "0" &&
              (req.has_header("Content-Length") || req.has_header("Transfer-Encoding"));
          if (has_body && (type.rfind("application/x-www-form-urlencoded", 0) == 0 ||
                           type.rfind("multipart/form-data", 0) == 0)) {
            res.status = 415;
            res.set_content(R"({"error":{"code":"unsupported_media_type","message":)"
                            R"("send the body as JSON with Content-Type: application/json"}})",
                            kJson);
            return httplib::Server::HandlerResponse::Handled;
          }
          return httplib::Server::HandlerResponse::Unhandled;
        });
    http_.Put(item, Authed([this](store::StoreId s, const httplib::Request& r) {
                return api_.PutItem(s, r.matches[1], r.body);
              }));
    http_.Get(item, Authed([this](store::StoreId s, const httplib::Request& r) {
                return api_.GetItem(s, r.matches[1]);
              }));
    http_.Get("/api/v1/items", Authed([this](store::StoreId s, const httplib::Request& r) {
                return api_.ListItems(s, QueryOf(r));
              }));
    http_.Put(order, Authed([this](store::StoreId s, const httplib::Request& r) {
                return api_.PutOrder(s, r.matches[1], r.body);
              }));
    http_.Get(order, Authed([this](store::StoreId s, const httplib::Request& r) {
                return api_.GetOrder(s, r.matches[1]);
              }));
    http_.Patch(order, Authed([this](store::StoreId s, const httplib::Request& r) {
                  return api_.PatchOrder(s, r.matches[1], r.body);
                }));
    http_.Get("/api/v1/orders", Authed([this](store::StoreId s, const httplib::Request& r) {
                return api_.ListOrders(s, QueryOf(r));
              }));
    http_.Post(order + R"(/payments/([^/]+)/capture)",
               Authed([this](store::StoreId s, const httplib::Request& r) {
                 return api_.CapturePayment(s, r.matches[1], r.matches[2]);
               }));
    http_.Post(order + "/refunds", Authed([this](store::StoreId s, const httplib::Request& r) {
                 return api_.AddRefund(s, r.matches[1], r.body);
               }));
    http_.Post(order + "/export", Authed([this](store::StoreId s, const httplib::Request& r) {
                 return api_.RequestExport(s, r.matches[1]);
               }));
    http_.Post(order + "/export/retry", Authed([this](store::StoreId s, const httplib::Request& r) {
                 return api_.RetryExport(s, r.matches[1]);
               }));
    http_.Post("/api/v1/exports", Authed([this](store::StoreId s, const httplib::Request& r) {
                 return api_.RequestExports(s, r.body);
               }));
    http_.Get("/api/v1/exports", Authed([this](store::StoreId s, const httplib::Request& r) {
                return api_.ListExports(s, QueryOf(r));
              }));
    http_.Get("/api/v1/settings/lightspeed",
              Authed([this](store::StoreId s, const httplib::Request&) {
                return api_.GetLightspeedSettings(s);
              }));
    http_.Put("/api/v1/settings/lightspeed",
              Authed([this](store::StoreId s, const httplib::Request& r) {
                return api_.PutLightspeedSettings(s, r.body);
              }));
    http_.Post("/api/v1/settings/lightspeed/connect",
               Authed([this](store::StoreId s, const httplib::Request& r) {
                 return api_.ConnectLightspeed(s, r.body);
               }));
    http_.Get("/api/v1/lightspeed/status",
              Authed([this](store::StoreId s, const httplib::Request&) {
                return api_.LightspeedStatus(s);
              }));

    // Errors httplib answers by itself (404 route, 413 body, 400 bad request) get our JSON shape.
    http_.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      if (site_ && req.path.rfind("/api/", 0) != 0 && req.path != "/healthz" &&
          req.path != "/metrics") {
        res.set_content(site::ErrorPage(res.status), "text/html; charset=utf-8");
        return;
      }
      std::string code = "error", message = "request failed";
      if (res.status == 404) code = "not_found", message = "no such endpoint";
      if (res.status == 413) code = "too_large", message = "the body is larger than 1 MiB";
      if (res.status == 400) code = "bad_request", message = "the request is malformed";
      if (res.status == 405) code = "method_not_allowed", message = "method not allowed here";
      res.set_content(R"({"error":{"code":")" + code + R"(","message":")" + message + R"("}})",
                      kJson);
    });
    http_.set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "unknown";
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          spdlog::error("unhandled exception on {} {}: {}", req.method, req.path, what);
          res.status = 500;
          res.set_content(R"({"error":{"code":"internal","message":"internal error"}})", kJson);
        });
  }

  ServerOptions options_;
  api::Api& api_;
  store::Store& store_;
  httplib::Server http_;
  std::unique_ptr<site::Site> site_;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Server> CreateServer(const ServerOptions& options, api::Api& api,
                                     store::Store& store) {
  return std::make_unique<HttpServer>(options, api, store);
}

}  // namespace web
