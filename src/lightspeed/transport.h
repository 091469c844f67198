// HTTP for the Lightspeed client. Never throws: a transport failure and an HTTP status are
// reported apart, and a failure says whether the request may have reached Lightspeed.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace lightspeed {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::map<std::string, std::string> headers;
  std::string body;
};

enum class Delivery {
  kAnswered,   // an HTTP answer arrived (any status)
  kNotSent,    // failed before the request left (resolve, connect, TLS handshake)
  kUncertain,  // failed after sending began: Lightspeed may have acted on it
};

struct HttpResponse {
  Delivery delivery = Delivery::kAnswered;
  std::string transport_error;  // when not answered
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual HttpResponse Send(const HttpRequest& request) = 0;
  // Sends without holding the caller's thread: `done` is called exactly once with the answer, on
  // a thread of the transport's, and must not block (hand the answer on, e.g. post it to an
  // executor). The default sends on the calling thread and calls `done` before returning.
  virtual void Start(HttpRequest request, std::function<void(HttpResponse)> done) {
    done(Send(request));
  }
};

struct TransportOptions {
  long connect_timeout_ms = 5000;  // per connection attempt
  long total_timeout_ms = 30000;   // whole request, answer included
  // TLS certificates are always verified; proxies come from the usual environment variables.
};

// Percent-encodes a query value or form field.
std::string UrlEscape(const std::string& s);

// libcurl's multi interface on one thread of the transport's: any number of requests in flight
// (Start), Send waiting for one, all sharing one cache of kept-alive connections per host. An
// exception out of `done` is swallowed; Send from within a `done` fails as not sent (it would wait
// for its own thread). Destroying the transport completes what it still holds: not sent if it had
// not begun, else uncertain ("the transport was shut down"). libcurl
// silently re-sends a request whose reused connection died before an answer, and a re-sent sale
// would be a duplicate sale: a write's body is given through a reader that cannot rewind, so such a
// re-send fails (uncertain) instead, and a write without a body goes on a fresh connection.
std::unique_ptr<Transport> CreateCurlTransport(const TransportOptions& options);

}  // namespace lightspeed
