// One client connection of the server (server.cpp): reads requests with Beast under the limits
// and deadlines of `Limits`, hands each whole request to the worker pool, writes the answers.
// Private to spoke_http.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http/server.h"

namespace http::detail {

class WorkerPool;
class Connection;

// What connections need from their server. It outlives them all: the server destroys its
// io_context, and with it the connections that pending operations still hold, before this.
struct ConnectionContext {
  const ServerOptions* options = nullptr;
  WorkerPool* pool = nullptr;
  // Called once from each connection's destructor, on whatever thread drops the last reference.
  std::function<void(Connection*, const std::string& remote_addr)> on_destroyed;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `socket` must have a strand as its executor: everything below runs on it.
  Connection(boost::asio::ip::tcp::socket socket, const boost::asio::ip::tcp::endpoint& peer,
             const ConnectionContext& context);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Serves requests until the client leaves, a limit is hit or Close() is called.
  void Start();
  void Close();
  const boost::asio::any_io_executor& executor() const { return strand_; }

 private:
  using Clock = std::chrono::steady_clock;
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;
  // What the connection waits for; a deadline that passes in kHead or kBody earns a 408.
  enum class Phase { kIdle, kHead, kBody, kDelay, kWrite, kLinger };

  void NextRequest();
  void ReadHead(Clock::time_point deadline);
  void OnHead(boost::system::error_code ec);
  void ReadBody();
  void OnReadError(boost::system::error_code ec);
  void Dispatch();
  Response Handle(Request& req);  // the handler, on a worker (or the I/O thread: run_on_io_threads)
  void Answer(Response res);      // on the strand: written now, or held for Response::delay
  void Delay(Response res);       // Response::delay: the timer holds the answer, no worker
  void AfterDelay(Response res);
  Response Continue(Response res);  // a delayed answer's after_delay, where Handle runs
  void Fail(int status);            // an answer of the server's own, then close
  void Reset();                     // closes with a reset (Response::Abort)
  void FillError(const Request& req, Response& res) const;
  Request BuildRequest(bool with_body);
  void Write(Response res, bool close);
  void Linger();
  void DrainSome();
  // One deadline at a time: when it passes, the pending operation is cancelled (timed_out_ set).
  void Arm(Clock::time_point deadline);
  void AwaitDeadline(uint64_t generation);
  void Disarm();

  const ConnectionContext& context_;
  const Limits& limits_;
  boost::asio::ip::tcp::socket socket_;
  const boost::asio::any_io_executor strand_;
  boost::asio::steady_timer timer_;
  const std::string remote_addr_;
  const int remote_port_;
  const Clock::time_point accepted_at_;

  boost::beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  std::optional<boost::beast::http::response<boost::beast::http::string_body>> response_;
  std::unique_ptr<char[]> drain_;  // only while lingering, so idle connections stay small
  size_t drained_ = 0;
  Phase phase_ = Phase::kIdle;
  bool first_request_ = true;
  bool timed_out_ = false;  // the deadline cancelled the pending operation
  bool closed_ = false;
  uint64_t timer_generation_ = 0;  // tells a stale timer completion from the current one
  // Of the request being answered.
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
};

}  // namespace http::detail
