#include "app/commands.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "alerts/alerts.h"
#include "api/api.h"
#include "api/import.h"
#include "app/config.h"
#include "app/demo_data.h"
#include "base/secrets.h"
#include "base/text.h"
#include "exporter/connections.h"
#include "exporter/engine.h"
#include "sim/sim.h"
#include "web/server.h"

namespace app {
namespace {

int Fail(const base::Error& e) {
  std::cerr << "spoke: " << base::EscapeForLog(e.message) << "\n";
  return e.code == base::ErrorCode::kInvalidInput ? 2 : 1;
}

struct Env {
  Config config;
  std::unique_ptr<store::Store> db;
};

base::Result<Env> Open(const CommonFlags& f) {
  auto config = LoadConfig(f.config_path);
  if (!config.ok()) return config.error();
  auto db = store::Open(config->database_url, {.pool_size = config->database_pool_size});
  if (!db.ok()) return db.error();
  return Env{std::move(*config), std::move(*db)};
}

// The named store; the default "main" store is created on first use so a fresh install works.
base::Result<store::StoreInfo> StoreFor(store::Store& db, const std::string& slug) {
  auto info = db.FindStore(slug);
  if (info.ok() || info.error().code != base::ErrorCode::kNotFound) return info;
  if (slug == "main") return db.CreateStore("main", "Main store", "USD");
  return base::NotFound("no store named \"" + slug +
                        "\"; create it with: spoke store add --store " + slug);
}

exporter::LightspeedConfig LightspeedConfigOf(const Config& c) {
  exporter::LightspeedConfig l;
  l.api_base = c.api_base;
  l.auth_base = c.auth_base;
  l.client_id = c.client_id;
  l.client_secret = c.client_secret;
  l.secret_key_hex = c.secret_key;
  l.transport.total_timeout_ms = c.lightspeed_timeout_seconds * 1000L;
  return l;
}

exporter::EngineOptions EngineOptionsOf(const Config& c) {
  exporter::EngineOptions o;
  o.workers = c.workers;
  o.threads = c.threads;
  o.lease = std::chrono::seconds(c.lease_seconds);
  // A request that timed out may still be carried out; wait as long again before searching.
  o.settle = std::chrono::seconds(c.lightspeed_timeout_seconds);
  o.refresh_keepalive = std::chrono::hours(24 * c.refresh_keepalive_days);
  o.node = c.node_name;
  o.lane_lease = std::chrono::seconds(c.lane_lease_seconds);
  return o;
}

alerts::Options AlertOptionsOf(const Config& c, const std::string& node) {
  alerts::Options o;
  o.secret_key_hex = c.secret_key;
  o.public_url = c.public_url;
  o.node = node;
  o.check_every = std::chrono::seconds(c.alerts_check_seconds);
  return o;
}

// Blocks SIGINT/SIGTERM in every thread (call before starting any) and waits for one.
sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

void WaitForStopSignal(const sigset_t& set) {
  int sig = 0;
  sigwait(&set, &sig);
}

base::Result<std::string> CreateToken(store::Store& db, store::StoreId s,
                                      const std::string& label) {
  const std::string token = "spk_" + base::RandomHex(24);
  if (auto r = db.AddApiToken(s, base::Sha256Hex(token), label); !r.ok()) return r.error();
  return token;
}

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  void Update(size_t done, size_t total) {
    if (!enabled_ || total == 0) return;
    const int width = 30;
    const int filled = static_cast<int>(width * done / total);
    if (filled == last_ && done != total) return;
    last_ = filled;
    std::fprintf(stderr, "\r[%s%s] %3zu%% %zu/%zu", std::string(filled, '#').c_str(),
                 std::string(width - filled, ' ').c_str(), done * 100 / total, done, total);
    if (done == total) std::fprintf(stderr, "\n");
  }

 private:
  bool enabled_;
  int last_ = -1;
};

// The daily reconciliation (reconcile.daily_at), or nullptr when it is not configured.
std::unique_ptr<exporter::DailyReconcile> StartDailyReconcile(
    Env& env, std::unique_ptr<exporter::Reconciler>& reconciler,
    exporter::Connections& connections) {
  if (env.config.reconcile_daily_at.empty()) return nullptr;
  exporter::DailyReconcileOptions o;
  if (auto st = exporter::ParseDailyAt(env.config.reconcile_daily_at, "reconcile.daily_at", &o.hour,
                                       &o.minute);
      !st.ok())
    return nullptr;  // LoadConfig refused it already
  o.node =
      env.config.node_name.empty() ? "spoke-" + std::to_string(getpid()) : env.config.node_name;
  reconciler = std::make_unique<exporter::Reconciler>(*env.db, connections, base::SystemClock());
  return std::make_unique<exporter::DailyReconcile>(*env.db, *reconciler, base::SystemClock(), o);
}

}  // namespace

int Serve(const CommonFlags& f) {
  const sigset_t stop = BlockStopSignals();
  auto env = Open(f);
  if (!env.ok()) return Fail(env.error());
  if (auto s = LoadSecretKey(&env->config); !s.ok()) return Fail(s.error());
  exporter::Connections connections(*env->db, LightspeedConfigOf(env->config));
  exporter::Engine engine(*env->db, connections, EngineOptionsOf(env->config));
  api::Api api(*env->db, base::SystemClock(),
               {&connections, [&engine] { engine.Wake(); }, env->config.public_url});
  web::ServerOptions options;
  options.host = env->config.Host();
  options.port = env->config.Port();
  options.connections = &connections;
  options.engine = &engine;
  // The alert checker runs on its own thread, never on the engine's dispatcher.
  alerts::Alerts alerts(*env->db, base::SystemClock(), AlertOptionsOf(env->config, engine.node()));
  options.alerts = &alerts;
  options.public_url = env->config.public_url;
  options.threads = env->config.server_threads;
  options.limits.max_connections = env->config.max_connections;
  options.limits.max_connections_per_address = env->config.max_connections_per_address;
  options.limits.head_timeout = std::chrono::seconds(env->config.request_timeout_seconds);
  options.limits.body_timeout = 3 * options.limits.head_timeout;
  options.limits.idle_timeout = std::chrono::seconds(env->config.idle_timeout_seconds);
  auto server = web::CreateServer(options, api, *env->db);
  auto port = server->Start();
  if (!port.ok()) return Fail(port.error());
  engine.Start();
  std::unique_ptr<exporter::Reconciler> reconciler;
  auto daily = StartDailyReconcile(*env, reconciler, connections);
  alerts.Start();
  std::cout << "spoke listening on http://" << options.host << ":" << *port << "/ with "
            << env->config.workers << " export workers"
            << (env->config.public_url.empty() ? std::string()
                                               : "; public address " + env->config.public_url)
            << std::endl;
  WaitForStopSignal(stop);
  daily.reset();
  server->Stop();
  alerts.Stop();
  engine.Stop();
  return 0;
}

int Worker(const CommonFlags& f) {
  const sigset_t stop = BlockStopSignals();
  auto env = Open(f);
  if (!env.ok()) return Fail(env.error());
  if (auto s = LoadSecretKey(&env->config); !s.ok()) return Fail(s.error());
  exporter::Connections connections(*env->db, LightspeedConfigOf(env->config));
  exporter::Engine engine(*env->db, connections, EngineOptionsOf(env->config));
  alerts::Alerts alerts(*env->db, base::SystemClock(), AlertOptionsOf(env->config, engine.node()));
  engine.Start();
  std::unique_ptr<exporter::Reconciler> reconciler;
  auto daily = StartDailyReconcile(*env, reconciler, connections);
  alerts.Start();
  std::cout << "spoke worker: " << env->config.workers << " export workers" << std::endl;
  WaitForStopSignal(stop);
  daily.reset();
  alerts.Stop();
  engine.Stop();
  return 0;
}

int Migrate(const CommonFlags& f) {
  auto config = LoadConfig(f.config_path);
  if (!config.ok()) return Fail(config.error());
  auto applied = store::Migrate(config->database_url);
  if (!applied.ok()) return Fail(applied.error());
  if (applied->empty()) std::cout << "database is up to date\n";
  for (int v : *applied) std::cout << "applied migration " << v << "\n";
  return 0;
}

int StoreAdd(const CommonFlags& f, const std::string& name, const std::string& currency) {
  auto env = Open(f);
  if (!env.ok()) return Fail(env.error());
  if (currency.size() != 3)
    return Fail(base::Invalid("currency", "currency must be a 3-letter ISO code like USD"));
  auto info = env->db->CreateStore(f.store_slug, name, currency);
  if (!info.ok()) return Fail(info.error());
  std::cout << "created store " << info->slug << " (" << info->currency << ")\n";
  return 0;
}

int UserAdd(const CommonFlags& f, const std::string& email, const std::string& password) {
  auto env = Open(f);
  if (!env.ok()) return Fail(env.error());
  auto info = StoreFor(*env->db, f.store_slug);
  if (!info.ok()) return Fail(info.error());
  const std::string pw = password.empty() ? base::RandomHex(9) : password;
  if (pw.size() < 10) return Fail(base::Invalid("password", "password must be 10+ characters"));
  auto hash = base::HashPassword(pw);
  if (!hash.ok()) return Fail(hash.error());
  auto user = env->db->AddUser(info->id, email, *hash);
  if (!user.ok()) return Fail(user.error());
  std::cout << "Added " << email << " to store " << info->slug << "\n";
  if (password.empty()) std::cout << "Password: " << pw << "\n";
  return 0;
}

int TokenCreate(const CommonFlags& f, const std::string& label) {
  auto env = Open(f);
  if (!env.ok()) return Fail(env.error());
  auto info = StoreFor(*env->db, f.store_slug);
  if (!info.ok()) return Fail(info.error());
  auto token = CreateToken(*env->db, info->id, label);
  if (!token.ok()) return Fail(token.error());
  std::cerr << "API token for store " << info->slug << " (shown once; keep it secret):\n";
  std::cout << *token << std::endl;
  return 0;
}

int Import(const CommonFlags& f, const std::string& file) {
  auto env = Open(f);
  if (!env.ok()) return Fail(env.error());
  if (auto s = LoadSecretKey(&env->config); !s.ok()) return Fail(s.error());
  auto info = StoreFor(*env->db, f.store_slug);
  if (!info.ok()) return Fail(info.error());
  std::string content;
  if (file == "-") {
    content.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Fail(base::Invalid("file", "cannot read " + file));
    content.assign(std::istreambuf_iterator<char>(in), {});
  }
  api::Api api(*env->db, base::SystemClock(), {});
  ProgressBar bar(isatty(STDERR_FILENO));
  auto summary = api::ImportRecords(api, info->id, content,
                                    [&](size_t done, size_t total) { bar.Update(done, total); });
  if (!summary.ok()) return Fail(summary.error());
  std::cout << "Accepted: " << summary->items_accepted << " items, " << summary->orders_accepted
            << " orders\n";
  std::cout << "Rejected: " << summary->rejections.size() << "\n";
  for (const auto& r : summary->rejections) {
    std::cout << "  record " << r.record;
    // One line per rejection, whatever the file's text holds (a key may carry a newline or ESC).
    if (!r.key.empty()) std::cout << " (" << base::EscapeForLog(r.key) << ")";
    if (!r.field.empty()) std::cout << " " << base::EscapeForLog(r.field);
    std::cout << ": " << base::EscapeForLog(r.message) << "\n";
  }
  return summary->rejections.empty() ? 0 : 3;
}

int Export(const CommonFlags& f, const std::vector<std::string>& orders, bool all_eligible) {
  if (orders.empty() == !all_eligible)
    return Fail(base::Invalid("orders", "name order numbers or use --all-eligible (not both)"));
  auto env = Open(f);
  if (!env.ok()) return Fail(env.error());
  if (auto s = LoadSecretKey(&env->config); !s.ok()) return Fail(s.error());
  auto info = StoreFor(*env->db, f.store_slug);
  if (!info.ok()) return Fail(info.error());
  std::vector<std::string> numbers = orders;
  if (all_eligible) {
    auto settings = env->db->GetLightspeedSettings(info->id);
    if (!settings.ok()) return Fail(settings.error());
    store::OrderFilter filter;
    filter.limit = 200;
    filter.export_state = shop::ExportState::kNotExported;
    for (;;) {
      auto page = env->db->ListOrders(info->id, filter);
      if (!page.ok()) return Fail(page.error());
      for (const auto& r : page->orders)
        if (shop::CheckEligibility(r.order, r.export_record.state, store::ConnectionOf(*settings))
                .ok())
          numbers.push_back(r.order.number);
      if (page->next_cursor.empty()) break;
      filter.cursor = page->next_cursor;
    }
    std::cout << numbers.size() << " orders can be exported now\n";
  }
  exporter::Connections connections(*env->db, LightspeedConfigOf(env->config));
  exporter::Engine engine(*env->db, connections, EngineOptionsOf(env->config));
  api::Api api(*env->db, base::SystemClock(), {&connections, [&engine] { engine.Wake(); }});
  int refused = 0;
  std::vector<std::string> waiting;
  for (const std::string& n : numbers) {
    auto queued = api.RequestExport(info->id, n);
    if (queued.ok()) {
      waiting.push_back(n);
    } else if (queued.error().code == base::ErrorCode::kConflict) {
      waiting.push_back(n);  // queued or exported earlier: follow it too
    } else {
      ++refused;
      std::cout << n << ": " << queued.error().message << "\n";
    }
  }
  engine.Start();
  // Follow each order until it is exported or needs attention.
  size_t reported = 0;
  std::set<std::string> done;
  int failed = 0;
  while (done.size() < waiting.size()) {
    for (const std::string& n : waiting) {
      if (done.count(n)) continue;
      auto r = env->db->GetOrder(info->id, n);
      if (!r.ok()) continue;
      const auto& e = r->export_record;
      if (e.state == shop::ExportState::kExported) {
        std::cout << n << ": exported as Lightspeed sale " << e.sale_id << "\n";
        done.insert(n);
      } else if (e.state == shop::ExportState::kNeedsAttention) {
        std::cout << n << ": needs attention: " << e.message << "\n";
        done.insert(n);
        ++failed;
      }
    }
    if (done.size() != reported) {
      reported = done.size();
      std::cerr << "[" << reported << "/" << waiting.size() << " done]" << std::endl;
    }
    if (done.size() < waiting.size()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  engine.Stop();
  return refused || failed ? 3 : 0;
}

int Demo(int port) {
  const sigset_t stop = BlockStopSignals();
  char dir_template[] = "/tmp/spoke-demo-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (!dir) return Fail(base::Unavailable("cannot create a temporary directory"));
  const std::string db_path = std::string(dir) + "/spoke.db";
  auto db = store::Open("sqlite://" + db_path);
  if (!db.ok()) return Fail(db.error());
  // Lightspeed is played by lsr-sim, in this process, with a demo bike-shop account.
  auto lightspeed = sim::Simulator::Create({});
  auto sim_port = lightspeed->Start();
  if (!sim_port.ok()) return Fail(sim_port.error());
  const sim::AccountInfo account = lightspeed->CreateAccount("Pearl Street Bikes", 1, true);
  auto info = (*db)->CreateStore("demo", "Pearl Street Bikes (demo)", "USD");
  if (!info.ok()) return Fail(info.error());
  const std::string password = base::RandomHex(8);
  auto hash = base::HashPassword(password);
  if (!hash.ok()) return Fail(hash.error());
  const std::string email = "admin@demo.spoke.local";
  if (auto u = (*db)->AddUser(info->id, email, *hash); !u.ok()) return Fail(u.error());
  auto token = CreateToken(**db, info->id, "demo");
  if (!token.ok()) return Fail(token.error());
  exporter::LightspeedConfig config;
  config.api_base = config.auth_base = lightspeed->BaseUrl();
  config.client_id = account.client_id;
  config.client_secret = account.client_secret;
  config.secret_key_hex = base::RandomHex(32);
  exporter::Connections connections(**db, config);
  if (auto connected = connections.Connect(info->id, account.refresh_token); !connected.ok())
    return Fail(connected.error());
  auto settings = (*db)->GetLightspeedSettings(info->id);
  if (!settings.ok()) return Fail(settings.error());
  settings->shop_id = account.shop_id;
  settings->register_id = account.register_id;
  settings->employee_id = account.employee_id;
  settings->payment_types = {{"Online Payments (Stripe)", "Stripe"}};
  settings->time_zone = "America/Denver";  // the demo bike shop is in Boulder
  if (auto put = (*db)->PutLightspeedSettings(info->id, *settings); !put.ok())
    return Fail(put.error());
  exporter::Engine engine(**db, connections, {});
  api::Api api(**db, base::SystemClock(), {&connections, [&engine] { engine.Wake(); }});
  auto summary = api::ImportRecords(api, info->id, DemoRecords(base::SystemClock().Now()), {});
  if (!summary.ok()) return Fail(summary.error());
  for (const auto& r : summary->rejections)
    std::cerr << "demo data record " << r.record << " rejected: " << base::EscapeForLog(r.message)
              << "\n";
  web::ServerOptions options;
  options.port = port;
  options.connections = &connections;
  options.engine = &engine;
  alerts::Options alert_options;
  alert_options.secret_key_hex = config.secret_key_hex;
  alert_options.node = engine.node();
  alerts::Alerts alerts(**db, base::SystemClock(), alert_options);
  options.alerts = &alerts;
  auto server = web::CreateServer(options, api, **db);
  auto bound = server->Start();
  if (!bound.ok())
    return Fail(base::Unavailable("port " + std::to_string(port) +
                                  " is taken; try: spoke demo --port 8081"));
  engine.Start();
  alerts.Start();
  // A few shipped orders are already in Lightspeed, so the pages show what an export looks like.
  for (const char* n : {"10001", "10002"}) (void)api.RequestExport(info->id, n);
  const std::string url = "http://127.0.0.1:" + std::to_string(*bound) + "/";
  std::cout << "spoke demo: " << summary->orders_accepted << " orders, " << summary->items_accepted
            << " catalog items in " << db_path << "\n"
            << "Lightspeed (lsr-sim): " << lightspeed->BaseUrl() << " account "
            << account.account_id << " (emulator app: client_id " << account.client_id
            << ", secret " << account.client_secret << ")\n"
            << "URL: " << url << "\n"
            << "Admin: " << email << "\n"
            << "Password: " << password << "\n"
            << "API token: " << *token << "\n"
            << "Try: curl -H 'Authorization: Bearer " << *token << "' " << url
            << "api/v1/orders?limit=5\n"
            << "Stop with Ctrl-C." << std::endl;
  WaitForStopSignal(stop);
  server->Stop();
  alerts.Stop();
  engine.Stop();
  (void)lightspeed->Stop();
  return 0;
}

int Reconcile(const CommonFlags& f, const std::string& from, const std::string& to) {
  auto env = Open(f);
  if (!env.ok()) return Fail(env.error());
  if (auto s = LoadSecretKey(&env->config); !s.ok()) return Fail(s.error());
  auto info = StoreFor(*env->db, f.store_slug);
  if (!info.ok()) return Fail(info.error());
  exporter::Connections connections(*env->db, LightspeedConfigOf(env->config));
  api::Api api(*env->db, base::SystemClock(), {&connections, nullptr, env->config.public_url});
  auto run = api.Reconcile(info->id, {from, to});
  if (!run.ok()) return Fail(run.error());
  auto money = [](const std::optional<base::Money>& m) {
    return m ? m->ToString() : std::string("-");
  };
  for (const store::ReconcileDifference& d : run->differences)
    std::cout << d.kind << " order=" << (d.order.empty() ? "-" : base::EscapeForLog(d.order))
              << " reference=" << base::EscapeForLog(d.reference)
              << " sale=" << (d.sale_id.empty() ? "-" : base::EscapeForLog(d.sale_id))
              << " expected=" << money(d.expected_total)
              << " lightspeed=" << money(d.lightspeed_total) << " : "
              << base::EscapeForLog(d.message) << "\n";
  std::cout << run->differences.size()
            << (run->differences.size() == 1 ? " difference" : " differences") << " from "
            << base::FormatTime(run->from) << " to " << base::FormatTime(run->to) << " ("
            << run->requests << " Lightspeed requests)" << std::endl;
  return run->differences.empty() ? 0 : 3;
}

}  // namespace app
