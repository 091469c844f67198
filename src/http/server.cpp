#include "http/server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/mutex.h"
#include "base/thread_name.h"
#include "http/connection.h"
#include "http/worker_pool.h"

namespace http {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;

// Stop() closes every connection, so the I/O threads run out of work at once; this bounds the
// wait should one not (it then stops the loop and abandons what is left).
constexpr std::chrono::seconds kStopGrace{2};

base::Status CheckLimits(const Limits& l) {
  if (l.io_threads < 1 || l.io_threads > 256)
    return base::Invalid("io_threads", "io_threads must be 1..256");
  if (l.worker_threads < 1 || l.worker_threads > 256)
    return base::Invalid("worker_threads", "worker_threads must be 1..256");
  if (l.max_queued_requests < 1)
    return base::Invalid("max_queued_requests", "max_queued_requests must be at least 1");
  if (l.max_connections < 1 || l.max_connections_per_address < 1)
    return base::Invalid("max_connections", "connection caps must be at least 1");
  if (l.max_header_bytes < 64) return base::Invalid("max_header_bytes", "too small");
  return base::OkStatus();
}

}  // namespace

struct Server::Impl {
  explicit Impl(ServerOptions o) : options(std::move(o)) {}

  base::Result<int> Start();
  void Stop();
  void Accept();
  void OnAccept(error_code ec, tcp::socket socket);
  void Forget(detail::Connection* connection, const std::string& remote_addr);

  const ServerOptions options;
  detail::ConnectionContext context;
  std::unique_ptr<detail::WorkerPool> pool;

  mutable base::Mutex mu;
  base::CondVar stopped_cv;
  bool started GUARDED_BY(mu) = false;
  bool stopping GUARDED_BY(mu) = false;
  bool stopped GUARDED_BY(mu) = false;  // Stop() has finished
  int open_connections GUARDED_BY(mu) = 0;
  std::unordered_map<std::string, int> per_address GUARDED_BY(mu);
  std::unordered_map<detail::Connection*, std::weak_ptr<detail::Connection>> connections
      GUARDED_BY(mu);
  // One Stop() at a time; a second one waits for the first. Taken before mu, never inside it.
  base::Mutex stop_mu ACQUIRED_BEFORE(mu);

  // Declared after all that connections use: destroying the io_context destroys the connections
  // its pending operations still hold, and they unregister themselves above.
  asio::io_context ioc;
  std::optional<tcp::acceptor> acceptor;  // on its own strand
  std::optional<asio::steady_timer> accept_retry;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> io_threads;
  int running_io_threads GUARDED_BY(mu) = 0;
  base::CondVar io_done_cv;
};

base::Result<int> Server::Impl::Start() {
  const Limits& limits = options.limits;
  if (base::Status s = CheckLimits(limits); !s.ok()) return s.error();
  {
    base::MutexLock lock(mu);
    if (started || stopping) return base::Internal("http::Server::Start after Start or Stop");
  }
  const std::string where = options.host + ":" + std::to_string(options.port);
  auto fail = [&](const std::string& why) {
    return base::Unavailable("cannot listen on " + where + " (" + why + ")");
  };
  if (options.port < 0 || options.port > 65535) return fail("bad port");

  error_code ec;
  tcp::endpoint endpoint;
  const asio::ip::address address = asio::ip::make_address(options.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, static_cast<unsigned short>(options.port));
  } else {  // a name such as "localhost": its first IPv4 address, else its first
    tcp::resolver resolver(ioc);
    const auto results = resolver.resolve(options.host, std::to_string(options.port), ec);
    if (ec || results.empty()) return fail(ec ? ec.message() : "no address");
    endpoint = results.begin()->endpoint();
    for (const auto& r : results) {
      if (r.endpoint().address().is_v4()) {
        endpoint = r.endpoint();
        break;
      }
    }
  }

  acceptor.emplace(asio::make_strand(ioc));
  if (acceptor->open(endpoint.protocol(), ec)) return fail(ec.message());
  // "::" also takes IPv4 clients (as v4-mapped addresses).
  if (endpoint.address().is_v6()) acceptor->set_option(asio::ip::v6_only(false), ec);
  acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (acceptor->bind(endpoint, ec)) return fail(ec.message());
  if (acceptor->listen(asio::socket_base::max_listen_connections, ec)) return fail(ec.message());
  const int port = acceptor->local_endpoint().port();

  pool = std::make_unique<detail::WorkerPool>(limits.worker_threads, limits.max_queued_requests);
  context.options = &options;
  context.pool = pool.get();
  context.on_destroyed = [this](detail::Connection* c, const std::string& addr) {
    Forget(c, addr);
  };
  accept_retry.emplace(acceptor->get_executor());
  work.emplace(asio::make_work_guard(ioc));
  asio::dispatch(acceptor->get_executor(), [this] { Accept(); });
  {
    base::MutexLock lock(mu);
    started = true;
    running_io_threads = limits.io_threads;
  }
  for (int i = 0; i < limits.io_threads; ++i) {
    io_threads.emplace_back([this] {
      base::NameThisThread("http-io");
      for (;;) {
        try {
          ioc.run();
          break;
        } catch (...) {
          // A handler threw (out of memory, say): keep the loop serving the others.
        }
      }
      base::MutexLock lock(mu);
      if (--running_io_threads == 0) io_done_cv.SignalAll();
    });
  }
  return port;
}

void Server::Impl::Accept() {
  acceptor->async_accept(asio::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void Server::Impl::OnAccept(error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
  if (ec) {  // out of descriptors, say: try again shortly instead of spinning
    accept_retry->expires_after(std::chrono::milliseconds(50));
    accept_retry->async_wait([this](error_code ec) {
      if (!ec && acceptor->is_open()) Accept();
    });
    return;
  }
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  std::shared_ptr<detail::Connection> connection;
  if (!ec) {
    const std::string addr = peer.address().to_string();
    base::MutexLock lock(mu);
    auto it = per_address.find(addr);
    const int from_addr = it == per_address.end() ? 0 : it->second;
    if (!stopping && open_connections < options.limits.max_connections &&
        from_addr < options.limits.max_connections_per_address) {
      ++open_connections;
      ++per_address[addr];
      connection = std::make_shared<detail::Connection>(std::move(socket), peer, context);
      connections.emplace(connection.get(), connection);
    }
  }
  // Over a cap (or already gone): `socket` closes as it goes out of scope, unanswered.
  if (connection) {
    asio::dispatch(connection->executor(), [connection] { connection->Start(); });
  }
  Accept();
}

void Server::Impl::Forget(detail::Connection* connection, const std::string& remote_addr) {
  base::MutexLock lock(mu);
  --open_connections;
  if (auto it = per_address.find(remote_addr); it != per_address.end() && --it->second == 0)
    per_address.erase(it);
  connections.erase(connection);
}

void Server::Impl::Stop() {
  base::MutexLock stop_lock(stop_mu);
  std::vector<std::weak_ptr<detail::Connection>> live;
  bool was_started;
  {
    base::MutexLock lock(mu);
    if (stopped) return;
    stopping = true;
    was_started = started;
    for (const auto& [ptr, weak] : connections) live.push_back(weak);
  }
  if (was_started) {
    asio::post(acceptor->get_executor(), [this] {
      error_code ignored;
      acceptor->close(ignored);
      accept_retry->cancel();
    });
    for (const auto& weak : live) {
      if (auto c = weak.lock()) asio::post(c->executor(), [c] { c->Close(); });
    }
    live.clear();
    // Queued requests are dropped (their connections are closed anyway); running handlers finish.
    pool->Shutdown();
    work.reset();
    {
      base::MutexLock lock(mu);
      const auto deadline = std::chrono::steady_clock::now() + kStopGrace;
      while (running_io_threads != 0 && io_done_cv.WaitUntil(mu, deadline)) {
      }
      if (running_io_threads != 0) ioc.stop();
    }
    for (std::thread& t : io_threads) t.join();
  }
  base::MutexLock lock(mu);
  stopped = true;
  stopped_cv.SignalAll();
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() { Stop(); }

base::Result<int> Server::Start() { return impl_->Start(); }

void Server::Stop() { impl_->Stop(); }

void Server::Wait() {
  base::MutexLock lock(impl_->mu);
  while (!impl_->stopped) impl_->stopped_cv.Wait(impl_->mu);
}

Server::Stats Server::GetStats() const {
  Stats stats;
  bool started;
  {
    base::MutexLock lock(impl_->mu);
    stats.open_connections = impl_->open_connections;
    started = impl_->started;  // `pool` is set before `started`, under mu
  }
  if (started) {
    stats.busy_workers = impl_->pool->Busy();
    stats.queued_requests = impl_->pool->Queued();
  }
  return stats;
}

}  // namespace http
