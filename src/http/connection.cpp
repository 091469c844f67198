#include "http/connection.h"

#include <strings.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdint>
#include <limits>
#include <string_view>

#include "http/request_target.h"
#include "http/worker_pool.h"

namespace http::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;

// How long a connection we are closing keeps reading (and discarding) what the client still sends,
// and how much of it: enough for the client to read our last answer, bounded for a client that
// never stops sending.
constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr size_t kMaxLingerBytes = 4 * 1024 * 1024;
constexpr size_t kDrainBufferBytes = 16 * 1024;
constexpr std::chrono::milliseconds kCancelRetry{10};

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool HasToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (SameName(item, token)) return true;
  }
  return false;
}

// A handler's header that would split the response (CR/LF) is dropped, not sent.
bool SafeHeader(std::string_view name, std::string_view value) {
  auto bad = [](char c) { return c == '\r' || c == '\n'; };
  return !name.empty() && std::none_of(name.begin(), name.end(), bad) &&
         std::none_of(value.begin(), value.end(), bad);
}

}  // namespace

Connection::Connection(tcp::socket socket, const tcp::endpoint& peer,
                       const ConnectionContext& context)
    : context_(context),
      limits_(context.options->limits),
      socket_(std::move(socket)),
      strand_(socket_.get_executor()),
      timer_(strand_),
      remote_addr_(peer.address().to_string()),
      remote_port_(peer.port()),
      accepted_at_(Clock::now()) {}

Connection::~Connection() { context_.on_destroyed(this, remote_addr_); }

void Connection::Start() { NextRequest(); }

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  Disarm();
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

// Close() with SO_LINGER 0: the shutdown sends what was written and a FIN, the close then a reset,
// so nothing the peer got can pass for a whole answer.
void Connection::Reset() {
  error_code ignored;
  socket_.set_option(asio::socket_base::linger(true, 0), ignored);
  Close();
}

void Connection::NextRequest() {
  if (closed_) return;
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(
      std::min<size_t>(limits_.max_header_bytes, std::numeric_limits<uint32_t>::max())));
  parser_->body_limit(limits_.max_body_bytes);
  if (buffer_.size() > 0) {  // a pipelined request is already here
    ReadHead(Clock::now() + limits_.head_timeout);
    return;
  }
  // Nothing of the next request yet: wait for its first byte without holding a buffer. On a new
  // connection the head deadline runs from accept; between keep-alive requests the idle one runs.
  // A client that sends nothing by then is closed without an answer.
  buffer_.shrink_to_fit();
  const Clock::time_point deadline =
      first_request_ ? accepted_at_ + limits_.head_timeout : Clock::now() + limits_.idle_timeout;
  phase_ = Phase::kIdle;
  Arm(deadline);
  socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this(), deadline](error_code ec) {
    if (self->closed_) return;
    // Only a failed wait (the deadline cancels it) means silence: a deadline that passes just as
    // bytes arrive leaves them to the head read, which answers 408 on a fresh connection.
    if (ec) {
      self->Close();
      return;
    }
    self->ReadHead(self->first_request_ ? deadline : Clock::now() + self->limits_.head_timeout);
  });
}

void Connection::ReadHead(Clock::time_point deadline) {
  phase_ = Phase::kHead;
  Arm(deadline);
  bhttp::async_read_header(
      socket_, buffer_, *parser_,
      [self = shared_from_this()](error_code ec, size_t) { self->OnHead(ec); });
}

void Connection::OnHead(error_code ec) {
  if (closed_) return;
  if (ec) {
    OnReadError(ec);
    return;
  }
  Disarm();
  if (parser_->is_done()) {
    Dispatch();
    return;
  }
  const auto& msg = parser_->get();
  // A Content-Length over the limit has already failed the head read (413), so a client that
  // waits for "100 Continue" gets it only for a body we will take.
  if (msg.version() >= 11 && SameName(msg[bhttp::field::expect], "100-continue")) {
    phase_ = Phase::kWrite;
    Arm(Clock::now() + limits_.write_timeout);
    asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](error_code ec, size_t) {
                        if (self->closed_) return;
                        if (ec) {
                          self->Close();
                          return;
                        }
                        self->ReadBody();
                      });
    return;
  }
  ReadBody();
}

void Connection::ReadBody() {
  phase_ = Phase::kBody;
  Arm(Clock::now() + limits_.body_timeout);
  bhttp::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](error_code ec, size_t) {
    if (self->closed_) return;
    if (ec) {
      self->OnReadError(ec);
      return;
    }
    self->Disarm();
    self->Dispatch();
  });
}

void Connection::OnReadError(error_code ec) {
  Disarm();
  if (timed_out_) {
    if (phase_ == Phase::kHead || phase_ == Phase::kBody) {
      Fail(408);
    } else {
      Close();
    }
    return;
  }
  if (ec == bhttp::error::header_limit) {
    Fail(431);
  } else if (ec == bhttp::error::body_limit) {
    Fail(413);
  } else if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
             ec.category() != bhttp::make_error_code(bhttp::error::bad_target).category()) {
    Close();  // the client left (or the socket failed): nobody to answer
  } else {
    Fail(400);  // what it sent is not HTTP/1.1
  }
}

Request Connection::BuildRequest(bool with_body) {
  Request req;
  req.remote_addr = remote_addr_;
  req.remote_port = remote_port_;
  if (!parser_ || !parser_->is_header_done()) return req;
  auto& msg = parser_->get();
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  req.version = std::to_string(msg.version() / 10) + "." + std::to_string(msg.version() % 10);
  for (const auto& field : msg)
    req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  if (with_body) req.body = std::move(msg.body());
  DecodeRequest(req);
  return req;
}

void Connection::Dispatch() {
  const auto& msg = parser_->get();
  version_ = msg.version();
  keep_alive_ = msg.keep_alive();
  head_ = msg.method() == bhttp::verb::head;
  Request req = BuildRequest(/*with_body=*/true);
  // No reading while the handler runs: pipelined requests wait in buffer_, and the socket's
  // receive window pushes back on a client that sends more.
  if (context_.options->run_on_io_threads) return Answer(Handle(req));
  const bool queued =
      context_.pool->TrySubmit([self = shared_from_this(), req = std::move(req)]() mutable {
        Response res = self->Handle(req);
        asio::post(self->strand_,
                   [self, res = std::move(res)]() mutable { self->Answer(std::move(res)); });
      });
  if (!queued) Fail(503);
}

Response Connection::Handle(Request& req) {
  Response res;
  try {
    if (context_.options->handler) {
      context_.options->handler(req, res);
    } else {
      res.status = 404;
    }
  } catch (...) {
    res = Response{};
    res.status = 500;
    FillError(req, res);
  }
  return res;
}

void Connection::Answer(Response res) {
  if (res.delay > std::chrono::milliseconds::zero()) {
    Delay(std::move(res));
  } else {
    Write(std::move(res), /*close=*/false);
  }
}

// An emulator's late answer (http.h): the worker is already free; the connection's one timer holds
// the answer (no deadline runs meanwhile: nothing is read or written). Close() (Stop(), say)
// cancels it, and the answer with its continuation is dropped unrun.
void Connection::Delay(Response res) {
  if (closed_) return;
  phase_ = Phase::kDelay;
  timed_out_ = false;
  timer_.expires_after(res.delay);
  const uint64_t generation = ++timer_generation_;
  timer_.async_wait(
      [self = shared_from_this(), generation, res = std::move(res)](error_code ec) mutable {
        if (ec || generation != self->timer_generation_ || self->closed_) return;
        self->AfterDelay(std::move(res));
      });
}

void Connection::AfterDelay(Response res) {
  res.delay = std::chrono::milliseconds::zero();
  if (!res.after_delay) {
    Write(std::move(res), /*close=*/false);
    return;
  }
  if (context_.options->run_on_io_threads) return Write(Continue(std::move(res)), /*close=*/false);
  // The continuation is a handler's work: it runs on a worker, under the pool's queue limit.
  const bool queued =
      context_.pool->TrySubmit([self = shared_from_this(), res = std::move(res)]() mutable {
        Response done = self->Continue(std::move(res));
        asio::post(self->strand_, [self, done = std::move(done)]() mutable {
          self->Write(std::move(done), /*close=*/false);
        });
      });
  if (!queued) Fail(503);
}

Response Connection::Continue(Response res) {
  // Moved out first: the continuation may assign the whole response.
  const std::function<void(Response&)> fill = std::move(res.after_delay);
  res.after_delay = nullptr;
  try {
    fill(res);
  } catch (...) {
    res = Response{};
    res.status = 500;
    FillError(Request{}, res);
  }
  res.delay = std::chrono::milliseconds::zero();  // once: the answer goes out now
  res.after_delay = nullptr;
  return res;
}

void Connection::FillError(const Request& req, Response& res) const {
  if (context_.options->on_error) {
    try {
      context_.options->on_error(req, res);
      return;
    } catch (...) {
      // fall back to the plain body below
    }
  }
  res.headers.clear();
  res.SetContent(std::to_string(res.status) + " " + StatusText(res.status) + "\n", "text/plain");
}

void Connection::Fail(int status) {
  Request req = BuildRequest(/*with_body=*/false);
  version_ = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
  head_ = parser_ && parser_->is_header_done() && parser_->get().method() == bhttp::verb::head;
  Response res;
  res.status = status;
  FillError(req, res);
  res.status = status;  // on_error fills the body; the status is ours
  Write(std::move(res), /*close=*/true);
}

void Connection::Write(Response res, bool close) {
  if (closed_) return;
  parser_.reset();
  if (res.abort == Response::Abort::kDropWithoutAnswer) {
    Reset();
    return;
  }
  close = close || !keep_alive_ || res.abort != Response::Abort::kNone;
  const int status = res.status >= 100 && res.status <= 999 ? res.status : 500;
  bhttp::response<bhttp::string_body> out;
  out.version(version_ == 10 ? 10 : 11);
  out.result(static_cast<unsigned>(status));
  out.reason(StatusText(status));
  for (const auto& [name, value] : res.headers) {
    if (!SafeHeader(name, value)) continue;
    if (SameName(name, "Content-Length") || SameName(name, "Transfer-Encoding")) continue;
    if (SameName(name, "Connection")) {
      close = close || HasToken(value, "close");
      continue;
    }
    out.insert(name, value);
  }
  const bool bodiless = status < 200 || status == 204 || status == 304;
  if (!bodiless) {
    if (!res.body.empty() && out.find(bhttp::field::content_type) == out.end())
      out.set(bhttp::field::content_type, "text/plain");
    out.content_length(res.body.size());
    // An emulator's broken answer (http.h): the length stays that of the whole body, or one more.
    if (res.abort == Response::Abort::kResetMidBody) {
      res.body.resize(std::min(res.body.size(), std::max<size_t>(1, res.body.size() / 2)));
    } else if (res.abort == Response::Abort::kShortBody) {
      out.content_length(res.body.size() + 1);
    }
    // HEAD: the length GET would have, without the body.
    if (!head_) out.body() = std::move(res.body);
  }
  out.keep_alive(!close);
  response_.emplace(std::move(out));
  phase_ = Phase::kWrite;
  Arm(Clock::now() + limits_.write_timeout);
  const bool reset = res.abort == Response::Abort::kResetMidBody;
  bhttp::async_write(socket_, *response_,
                     [self = shared_from_this(), close, reset](error_code ec, size_t) {
                       if (self->closed_) return;
                       self->Disarm();
                       self->response_.reset();
                       if (ec) {
                         self->Close();
                       } else if (reset) {
                         self->Reset();
                       } else if (close) {
                         self->Linger();
                       } else {
                         self->first_request_ = false;
                         self->NextRequest();
                       }
                     });
}

// Closing a socket with unread input resets the connection, and a reset can discard our answer
// from the client's receive buffer before it is read (a 413 to a client still sending its body).
// So: stop sending, read and drop what still comes for a moment, then close.
void Connection::Linger() {
  phase_ = Phase::kLinger;
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  drain_ = std::make_unique<char[]>(kDrainBufferBytes);
  Arm(Clock::now() + std::min<Clock::duration>(kLingerTime, limits_.write_timeout));
  DrainSome();
}

void Connection::DrainSome() {
  socket_.async_read_some(asio::buffer(drain_.get(), kDrainBufferBytes),
                          [self = shared_from_this()](error_code ec, size_t n) {
                            if (self->closed_) return;
                            self->drained_ += n;
                            if (ec || self->timed_out_ || self->drained_ > kMaxLingerBytes) {
                              self->Close();
                              return;
                            }
                            self->DrainSome();
                          });
}

void Connection::Arm(Clock::time_point deadline) {
  timed_out_ = false;
  timer_.expires_at(deadline);
  AwaitDeadline(++timer_generation_);
}

void Connection::AwaitDeadline(uint64_t generation) {
  timer_.async_wait([self = shared_from_this(), generation](error_code ec) {
    if (ec || generation != self->timer_generation_ || self->closed_) return;
    self->timed_out_ = true;
    error_code ignored;
    self->socket_.cancel(ignored);
    // Between two reads of a composed operation (Beast's header read, say) nothing is pending, so
    // the cancel misses and the operation reads on. Cancel again shortly until it has ended: its
    // completion disarms or re-arms the timer.
    self->timer_.expires_after(kCancelRetry);
    self->AwaitDeadline(generation);
  });
}

void Connection::Disarm() {
  ++timer_generation_;
  timer_.cancel();
}

}  // namespace http::detail
