// The HTTP server: JSON API under /api/v1 (bearer tokens), /healthz, /metrics, and the site
// manager's HTML pages (session login; see web/site/).
#pragma once

#include <memory>
#include <string>

#include "alerts/alerts.h"
#include "api/api.h"
#include "exporter/engine.h"
#include "http/server.h"
#include "store/store.h"

namespace web {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                         // 0: any free port (Start() returns it)
  size_t max_body_bytes = 1024 * 1024;  // larger bodies get 413 (chunked ones too)
  int threads = 8;                      // request handler threads, 1..256
  // Header size, read deadlines, idle keep-alive, connection caps (see http/server.h).
  // max_body_bytes and threads above win over the same fields here.
  http::Limits limits;
  bool site = true;  // serve the site manager pages
  // Lightspeed links for the site's Connect button, pickers and bucket chart; may be null.
  exporter::Connections* connections = nullptr;
  // server.public_url, checked ("" = none): the base of the OAuth redirect URI.
  std::string public_url;
  base::Clock* clock = nullptr;  // the site's sessions and dates; default: the system clock
  // This process's export engine, for its node and lanes in /metrics; may be null.
  const exporter::Engine* engine = nullptr;
  // Alerts' settings, test button and incidents (API and Settings → Alerts); may be null.
  alerts::Alerts* alerts = nullptr;
};

class Server {
 public:
  virtual ~Server() = default;
  // Binds and serves in background threads; returns the bound port.
  virtual base::Result<int> Start() = 0;
  virtual void Stop() = 0;
  // Blocks until Stop() is called (from another thread or a signal handler thread).
  virtual void Wait() = 0;
};

std::unique_ptr<Server> CreateServer(const ServerOptions& options, api::Api& api,
                                     store::Store& store);

}  // namespace web
