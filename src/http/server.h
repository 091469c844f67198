// An HTTP/1.1 server for the open internet (Boost.Beast over Asio): a few I/O threads hold many
// idle connections; handlers run on a bounded worker pool so a slow handler cannot starve the
// reader; every limit below is enforced before the request reaches a handler.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "http/http.h"

namespace http {

struct Limits {
  size_t max_header_bytes = 16 * 1024;  // request line + headers; more → 431, closed
  size_t max_body_bytes = 1024 * 1024;  // counts chunked bodies too; more → 413, closed
  std::chrono::milliseconds head_timeout{10'000};   // to read a request's line and headers → 408
  std::chrono::milliseconds body_timeout{30'000};   // to read its body once the head is in → 408
  std::chrono::milliseconds idle_timeout{15'000};   // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{30'000};  // to write a response to a slow reader
  int max_connections = 10'000;                     // open at once; more are closed at accept
  int max_connections_per_address = 256;            // from one client address
  int io_threads = 2;
  int worker_threads = 8;          // handlers run here, 1..256
  int max_queued_requests = 1024;  // waiting for a worker; more → 503
};

struct ServerOptions {
  std::string host = "127.0.0.1";  // "::" listens dual-stack
  int port = 0;                    // 0: any free port (Start() returns it)
  Limits limits;
  // Every request that was read whole runs here, on a worker thread. The request is the
  // handler's to change (a router fills in its matches) without copying its body.
  std::function<void(Request& req, Response& res)> handler;
  // For handlers that never block (an emulator's work in memory): they run on the I/O thread that
  // read the request, saving two hand-overs between threads per request (four with a
  // Response::delay). A handler that blocks then holds every connection of its I/O thread; the
  // worker pool (Limits::worker_threads) is not used.
  bool run_on_io_threads = false;
  // Fills the body of an answer the server gives by itself (400, 408, 413, 431, 503), so it looks
  // like the service's other errors. `req` has what was parsed so far (the head may be partial).
  std::function<void(const Request& req, Response& res)> on_error;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and serves in background threads; returns the bound port.
  base::Result<int> Start();
  // Stops accepting, closes every connection, waits for running handlers; safe to call twice.
  // Queued requests are dropped, and so are answers still held by a Response::delay (their
  // connections are closed unanswered, their continuations never run). Not from a handler: it
  // would wait for itself.
  void Stop();
  // Blocks until Stop() is called from another thread.
  void Wait();

  struct Stats {
    int open_connections = 0;
    int busy_workers = 0;
    int queued_requests = 0;
  };
  Stats GetStats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace http
