// The HTTP adapter: cpp-httplib in front of the Engine.
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <thread>

#include "sim/engine.h"
#include "sim/sim.h"
#include "sim/sockets.h"

namespace sim {

class Simulator::Impl {
 public:
  explicit Impl(SimOptions o)
      : options_(std::move(o)),
        clock_(options_.clock ? options_.clock : &base::SystemClock()),
        engine_(clock_) {}

  ~Impl() { (void)Stop(); }

  base::Result<int> Start() {
    if (started_) return port_;
    if (!options_.state_file.empty())
      if (auto st = engine_.Load(options_.state_file); !st.ok()) return st.error();
    // A dropped connection makes httplib write to a dead socket; do not let SIGPIPE kill us.
    signal(SIGPIPE, SIG_IGN);
    const int threads = options_.threads > 0 ? options_.threads : 64;
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.set_keep_alive_max_count(100000);
    server_.set_keep_alive_timeout(5);
    server_.set_tcp_nodelay(true);
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { Serve(req, res); };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    server_.Put(".*", handler);
    server_.Delete(".*", handler);
    port_ = options_.port == 0
                ? server_.bind_to_any_port(options_.host)
                : (server_.bind_to_port(options_.host, options_.port) ? options_.port : -1);
    if (port_ <= 0)
      return base::Unavailable("cannot bind " + options_.host + ":" +
                               std::to_string(options_.port));
    RaiseListenBacklog(port_, 1024);  // httplib's backlog of 5 drops bursts of connections
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 5000 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (!server_.is_running()) {
      server_.stop();
      thread_.join();
      return base::Unavailable("the HTTP server did not start");
    }
    started_ = true;
    return port_;
  }

  base::Status Stop() {
    if (!started_) return base::OkStatus();
    started_ = false;
    server_.stop();
    // Workers idle in keep-alive would wait out their timeout before noticing the stop.
    ShutdownConnections(port_, -1);
    if (thread_.joinable()) thread_.join();
    if (!options_.state_file.empty()) return engine_.Save(options_.state_file);
    return base::OkStatus();
  }

  AccountInfo CreateAccount(const std::string& name, int registers, bool demo) {
    return engine_.CreateAccount(name, registers, demo, "");
  }
  AccountInfo CreateAccountForClient(const std::string& name, int registers, bool demo,
                                     const std::string& id, const std::string& secret) {
    return engine_.CreateAccount(name, registers, demo, "", id, secret);
  }

  std::string BaseUrl() const { return "http://" + options_.host + ":" + std::to_string(port_); }

 private:
  void Serve(const httplib::Request& req, httplib::Response& res) {
    HttpRequest in;
    in.method = req.method;
    in.path = req.path;
    const size_t q = req.target.find('?');
    if (q != std::string::npos) in.query = req.target.substr(q + 1);
    in.body = req.body;
    for (const auto& [k, v] : req.headers) {
      std::string lower = k;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      in.headers.emplace(lower, v);
    }
    HttpResponse out = engine_.Handle(in);
    if (out.drop_connection && ShutdownConnections(req.local_port, req.remote_port) > 0) {
      res.status = 500;  // never reaches the client: the socket is already reset
      return;
    }
    res.status = out.status;
    for (const auto& [k, v] : out.headers) res.set_header(k, v);
    if (out.reset_mid_answer) {
      // The status line and headers go out, then half the body, then the connection is reset.
      const size_t part = std::max<size_t>(1, out.body.size() / 2);
      // httplib 0.11 announces no length for a provider; without one, a cut body would read as
      // a whole (short) answer ended by the close.
      res.set_header("Content-Length", std::to_string(out.body.size()));
      res.set_content_provider(
          out.body.size(), out.content_type,
          [body = std::move(out.body), part, local = req.local_port, remote = req.remote_port](
              size_t offset, size_t, httplib::DataSink& sink) {
            if (offset == 0) sink.write(body.data(), std::min(part, body.size()));
            ShutdownConnections(local, remote);
            return false;
          });
      return;
    }
    if (out.drop_connection) {
      // Fallback when the socket was not found: promise a body and never send it.
      res.set_header("Content-Length", std::to_string(out.body.size() + 1));
      res.set_content_provider(out.body.size() + 1, out.content_type,
                               [](size_t, size_t, httplib::DataSink&) { return false; });
      return;
    }
    res.set_content(out.body, out.content_type);
  }

  SimOptions options_;
  base::Clock* clock_;
  Engine engine_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  bool started_ = false;
};

std::unique_ptr<Simulator> Simulator::Create(SimOptions options) {
  return std::unique_ptr<Simulator>(new Simulator(std::make_unique<Impl>(std::move(options))));
}

Simulator::Simulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Simulator::~Simulator() = default;
base::Result<int> Simulator::Start() { return impl_->Start(); }
base::Status Simulator::Stop() { return impl_->Stop(); }
AccountInfo Simulator::CreateAccount(const std::string& name, int registers, bool demo_seed) {
  return impl_->CreateAccount(name, registers, demo_seed);
}

AccountInfo Simulator::CreateAccountForClient(const std::string& name, int registers,
                                              bool demo_seed, const std::string& client_id,
                                              const std::string& client_secret) {
  return impl_->CreateAccountForClient(name, registers, demo_seed, client_id, client_secret);
}
std::string Simulator::BaseUrl() const { return impl_->BaseUrl(); }

}  // namespace sim
