// The HTTP adapter: the project's http::Server in front of the Engine.
#include <cctype>
#include <chrono>

#include "http/server.h"
#include "sim/engine.h"
#include "sim/gzip.h"
#include "sim/sim.h"

namespace sim {
namespace {

// The server's limits are for the open internet; lsr-sim serves tests and benchmarks on loopback,
// where every client shares one address and nothing arrives slowly on purpose.
http::Limits EmulatorLimits(int threads) {
  http::Limits l;
  l.max_header_bytes = 64 * 1024;            // long list queries (IN,[…], or=) fit
  l.max_body_bytes = 64 * 1024 * 1024;       // far above any request a client of lsr-sim sends
  l.idle_timeout = std::chrono::seconds(5);  // keep-alive wait, as lsr-sim always had
  l.max_connections = 10'000;
  l.max_connections_per_address = 10'000;  // every client is 127.0.0.1
  l.worker_threads = threads;
  l.max_queued_requests = 100'000;  // only a fault may refuse a request, never the queue
  return l;
}

}  // namespace

class Simulator::Impl {
 public:
  explicit Impl(SimOptions o)
      : options_(std::move(o)),
        clock_(options_.clock ? options_.clock : &base::SystemClock()),
        engine_(clock_) {}

  ~Impl() { (void)Stop(); }

  base::Result<int> Start() {
    if (started_) return port_;
    const int threads = options_.threads > 0 ? options_.threads : deferred_delays_ ? 4 : 64;
    if (threads > 256) return base::Invalid("threads", "threads must be 1..256");
    if (!options_.state_file.empty())
      if (auto st = engine_.Load(options_.state_file); !st.ok()) return st.error();
    http::ServerOptions o;
    o.host = options_.host;
    o.port = options_.port;
    o.limits = EmulatorLimits(threads);
    // On the real clock nothing a request does blocks (a delay is the server's timer): each
    // runs on the I/O thread that read it, `threads` of them, without hand-overs between
    // threads. An injected clock has delays slept on, so those need the worker pool.
    if (deferred_delays_) {
      o.run_on_io_threads = true;
      o.limits.io_threads = threads;
    }
    o.handler = [this](const http::Request& req, http::Response& res) { Serve(req, res); };
    server_ = std::make_unique<http::Server>(std::move(o));
    auto port = server_->Start();
    if (!port.ok()) {
      server_.reset();
      return port.error();
    }
    port_ = *port;
    started_ = true;
    return port_;
  }

  base::Status Stop() {
    if (!started_) return base::OkStatus();
    started_ = false;
    server_->Stop();
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
  void Serve(const http::Request& req, http::Response& res) {
    // The methods lsr-sim has always served (HEAD as GET); others find no route.
    if (req.method != "GET" && req.method != "HEAD" && req.method != "POST" &&
        req.method != "PUT" && req.method != "DELETE") {
      res.status = 404;
      return;
    }
    HttpRequest in;
    in.method = req.method;
    in.path = req.path;
    // The raw query: sim/query.h decodes it its own way, unlike form decoding (req.params).
    const size_t q = req.target.find('?');
    if (q != std::string::npos) in.query = req.target.substr(q + 1);
    in.body = req.body;
    for (const auto& [k, v] : req.headers) {
      std::string lower = k;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      in.headers.emplace(lower, v);
    }
    // On the real clock a delay fault holds no thread: the server's timer holds the answer
    // (http::Response::delay). An injected clock (tests) has it slept on, as Engine::Handle does.
    HttpResponse out = deferred_delays_ ? engine_.HandleDeferred(in) : engine_.Handle(in);
    const bool gzip_ok = AcceptsGzip(req.Header("accept-encoding"));
    res.delay = out.delay;
    if (out.then) {  // the request takes effect only once the delay is over
      res.after_delay = [then = std::move(out.then), gzip_ok](http::Response& later) {
        Fill(then(), gzip_ok, later);
      };
      return;
    }
    Fill(std::move(out), gzip_ok, res);
  }

  static void Fill(HttpResponse out, bool gzip_ok, http::Response& res) {
    res.status = out.status;
    for (auto& [k, v] : out.headers) res.AddHeader(k, std::move(v));
    // The transport faults (docs/lsr-sim.md): the engine has already saved what the request did.
    if (out.drop_connection) {
      res.abort = http::Response::Abort::kDropWithoutAnswer;
    } else if (out.reset_mid_answer) {
      res.abort = http::Response::Abort::kResetMidBody;
    } else if (out.body.size() >= kGzipMinBytes) {
      // Like Lightspeed: gzip when the client accepts it, never brotli.
      res.AddHeader("Vary", "Accept-Encoding");
      if (gzip_ok) {
        if (auto packed = Gzip(out.body)) {
          out.body = std::move(*packed);
          res.AddHeader("Content-Encoding", "gzip");
        }
      }
    }
    res.SetContent(std::move(out.body), out.content_type);
  }

  SimOptions options_;
  base::Clock* clock_;
  const bool deferred_delays_ = options_.clock == nullptr;
  Engine engine_;
  std::unique_ptr<http::Server> server_;
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
