#include "tests/support/crash_sweep.h"

#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "api/api.h"
#include "base/secrets.h"
#include "exporter/connections.h"
#include "exporter/existing_sale.h"
#include "shop/item_codes.h"
#include "sim/sim.h"
#include "store/store.h"
#include "tests/support/api_json.h"
#include "tests/support/child_process.h"
#include "tests/support/test_database.h"

namespace testing_support {

namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Dollars(int64_t cents) {
  char out[32];
  std::snprintf(out, sizeof out, "%lld.%02lld", static_cast<long long>(cents / 100),
                static_cast<long long>(cents % 100));
  return out;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The batch comes in waves of 16 orders until the crashing worker has been killed (under
// contention another worker may make the creates it was to die at), each wave with records
// Lightspeed does not have yet.
constexpr int kWave = 16;
constexpr int kMaxWaves = 4;
constexpr int kEmails = 5;
const char* const kFinal = "SW-FINAL";

std::string WaveTag(int wave, const char* separator) {
  return wave == 1 ? "" : separator + std::to_string(wave);
}

// The store's catalog in a wave: three items lsr-sim's demo seed has (found by UPC, the same in
// every wave) and four it does not (created; new SKUs and UPCs each wave, one without a UPC,
// found or created by custom SKU). Two bikes are serialized.
struct CatalogItem {
  std::string sku, description, upc;  // upc "": none
  int64_t cents;
  bool serialized;
};
std::vector<CatalogItem> CatalogFor(int wave) {
  const std::string tag = WaveTag(wave, "-");
  const auto upc = [&](int k) {
    char out[16];
    std::snprintf(out, sizeof out, "84%02d000010%d", wave % 100, k);
    return shop::WithCheckDigit(out);
  };
  return {{"TH29-M", "Trailhead 29 Mountain Bike", "735000000018", 89999, true},
          {"ARH-M", "Aero Road Helmet M", "735000000070", 12999, false},
          {"T700-25P", "Tube 700x25c Presta", "735000000117", 899, false},
          {"SW-EBIKE" + tag, "Sweep E-Bike 500", upc(1), 219900, true},
          {"SW-GLOVE" + tag, "Sweep Gloves M", upc(2), 2450, false},
          {"SW-LIGHT" + tag, "Sweep Light Set", upc(3), 3995, false},
          {"SW-BELL" + tag, "Sweep Bell", "", 1200, false}};
}
// Lines of order i by i % 8 (indexes into the catalog): the new items come first, so the first
// orders create them; every other order has a serialized bike.
constexpr int kLines[8][2] = {{3, 4}, {5, 2}, {0, 6}, {3, -1}, {1, 4}, {0, 5}, {6, 2}, {0, 1}};
// Web payment methods of order i by i % 6.
const std::vector<std::string> kMethods[6] = {
    {"PayPal"}, {"Klarna"}, {"Venmo", "Cash"}, {"Apple Pay"}, {"Online Payments (Stripe)"},
    {"Cash"}};
// The store's mapping to Lightspeed payment type names in a wave, new names each wave: "Venmo"
// names PayPal's type in other letters; Stripe's default name ("Stripe") serves the first wave.
std::map<std::string, std::string> MappingFor(int wave) {
  const std::string tag = WaveTag(wave, " ");
  std::map<std::string, std::string> m = {{"PayPal", "Sweep PayPal" + tag},
                                          {"Venmo", Upper("Sweep PayPal" + tag)},
                                          {"Klarna", "Sweep Klarna" + tag},
                                          {"Apple Pay", "Sweep Apple Pay" + tag}};
  if (wave > 1) m["Online Payments (Stripe)"] = "Stripe" + tag;
  return m;
}
std::string TypeName(const std::map<std::string, std::string>& mapping, const std::string& method) {
  auto it = mapping.find(method);
  if (it != mapping.end()) return it->second;
  return method == "Online Payments (Stripe)" ? "Stripe" : method;
}

// How many times the crashing worker meets each point within its first turn of the batch at the
// least; SPOKE_CRASH_HIT is picked from 1..this, so the kill lands at different moments.
int MaxHit(const std::string& point) {
  if (point == "after_claim" || point == "after_intent" || point == "after_send" ||
      point == "before_success" || point == "after_success")
    return 6;
  if (point.find("_customer") != std::string::npos) return 3;
  if (point.find("_serial") != std::string::npos) return 3;
  // With access tokens that are never fresh, the crashing worker refreshes before every call.
  if (point == "after_token_rotated") return 20;
  return 2;  // items, payment types
}

struct ExpectedOrder {
  std::string number, email_key, total;
  std::vector<std::string> skus, serials, payment_types;  // payment type names lower-cased
};

// A text field of a JSON object; "" when absent or not text (the wire has every scalar as text).
std::string Text(const json& j, const std::string& key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// lsr-sim read over its HTTP API with a sign-in of its own (authorization code), so the checks
// never go through spoke's client or its token chain.
class LightspeedReader {
 public:
  LightspeedReader(const std::string& base, std::string account)
      : http_(base), account_(std::move(account)) {
    http_.set_connection_timeout(5, 0);
    http_.set_read_timeout(30, 0);
  }

  std::string SignIn(const std::string& client_id, const std::string& secret) {
    auto a = http_.Get(("/auth/oauth/authorize?response_type=code&client_id=" + client_id +
                        "&account_id=" + account_ + "&redirect_uri=http%3A%2F%2Flocalhost%2Fcb")
                           .c_str());
    if (!a || a->status != 302) return "lsr-sim refused the checker's sign-in";
    const std::string location = a->get_header_value("Location");
    const size_t at = location.find("code=");
    if (at == std::string::npos) return "no code in " + location;
    const std::string code = location.substr(at + 5, location.find('&', at) - at - 5);
    auto t =
        http_.Post("/auth/oauth/token", httplib::Params{{"grant_type", "authorization_code"},
                                                        {"code", code},
                                                        // as authorize named it (RFC 6749)
                                                        {"redirect_uri", "http://localhost/cb"},
                                                        {"client_id", client_id},
                                                        {"client_secret", secret}});
    if (!t || t->status != 200) return "lsr-sim refused the checker's authorization code";
    token_ = Text(json::parse(t->body, nullptr, false), "access_token");
    return token_.empty() ? "no access token for the checker" : "";
  }

  // Every record of `entity` matching `query`, following `next` links.
  std::string List(const std::string& entity, const std::string& query, std::vector<json>* out) {
    std::string path =
        "/API/V3/Account/" + account_ + "/" + entity + ".json?limit=100&archived=true" + query;
    const httplib::Headers auth = {{"Authorization", "Bearer " + token_}};
    for (int page = 0; page < 1000 && !path.empty(); ++page) {
      auto r = http_.Get(path.c_str(), auth);
      if (!r) return "GET " + entity + ": " + httplib::to_string(r.error());
      if (r->status != 200) return "GET " + entity + ": " + std::to_string(r->status) + r->body;
      const json j = json::parse(r->body, nullptr, false);
      if (j.contains(entity)) {
        const json& e = j[entity];
        if (e.is_array())
          out->insert(out->end(), e.begin(), e.end());
        else
          out->push_back(e);
      }
      const std::string next = j.is_object() ? Text(j.value("@attributes", json()), "next") : "";
      const size_t host_end = next.find('/', next.find("//") + 2);
      path = next.empty() || host_end == std::string::npos ? "" : next.substr(host_end);
    }
    return "";
  }

 private:
  httplib::Client http_;
  std::string account_, token_;
};

bool Live(const json& record) { return Text(record, "archived") != "true"; }

// The addresses of a Customer with its Contact loaded (one or many, "" when none).
std::vector<std::string> EmailsOf(const json& customer) {
  std::vector<std::string> out;
  const json contact = customer.is_object() ? customer.value("Contact", json()) : json();
  if (!contact.is_object() || !contact.contains("Emails") || !contact["Emails"].is_object())
    return out;
  const json emails = contact["Emails"].value("ContactEmail", json());
  auto add = [&](const json& e) {
    if (e.is_object()) out.push_back(Lower(Text(e, "address")));
  };
  if (emails.is_array())
    for (const json& e : emails) add(e);
  else
    add(emails);
  return out;
}

class Sweep {
 public:
  explicit Sweep(const SweepRun& run) : run_(run) {
    std::seed_seq seq{run.seed, static_cast<uint32_t>(run.processes),
                      static_cast<uint32_t>(std::hash<std::string>{}(run.point))};
    rng_.seed(seq);
    r_.hit = std::uniform_int_distribution<int>(1, MaxHit(run.point))(rng_);
    stagger_ = milliseconds(std::uniform_int_distribution<int>(0, 400)(rng_));
    churn_ = milliseconds(std::uniform_int_distribution<int>(300, 1200)(rng_));
    // spoke refreshes 60 s before expiry: 60 makes it refresh before every call, 61–63 about
    // every one to three seconds.
    access_ttl_s_ =
        run.point == "after_token_rotated" ? 60 : std::uniform_int_distribution<int>(61, 63)(rng_);
    threads_ = std::uniform_int_distribution<int>(1, 2)(rng_);
  }

  SweepResult Run() {
    const auto started = SteadyClock::now();
    deadline_ = started + run_.drain_limit;
    const bool set_up = Setup();
    if (set_up && StartWorkers()) {
      bool drained = Drain();
      for (int wave = 2; drained && !r_.reached && wave <= kMaxWaves; ++wave)
        drained = AddWave(wave) && Drain();
      if (drained) ExportFinalOrder();
    }
    StopChurn();
    StopWorkers();
    if (set_up) {
      if (!r_.reached)
        Problem("point " + run_.point + " not reached in " + std::to_string(waves_) +
                " waves (SPOKE_CRASH_HIT=" + std::to_string(r_.hit) + ")");
      Check();
    }
    r_.seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
    if (sim_) (void)sim_->Stop();
    connections_.reset();
    db_.reset();
    std::error_code ec;
    if (r_.ok())
      std::filesystem::remove_all(dir_, ec);
    else
      r_.kept_dir = dir_.string();
    return r_;
  }

 private:
  void Problem(const std::string& what) { r_.problems.push_back(what); }
  bool Fail(const std::string& what) {
    Problem(what);
    return false;
  }

  // PUT on lsr-sim's control plane for the run's account.
  void Control(const std::string& rest, const json& body) {
    httplib::Client c(sim_->BaseUrl());
    c.set_read_timeout(10, 0);
    const std::string path = "/_sim/accounts/" + account_.account_id + rest;
    auto r = c.Put(path.c_str(), body.dump(), "application/json");
    if (!r || r->status != 200) Problem("lsr-sim control PUT " + rest + " failed");
  }

  bool Setup() {
    static std::atomic<int> counter{0};
    dir_ = run_.scratch /
           ("sweep-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" +
            run_.point + "-s" + std::to_string(run_.seed) + "-p" + std::to_string(run_.processes));
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    std::filesystem::create_directories(dir_, ec);
    if (ec) return Fail("cannot create " + dir_.string());
    key_file_ = (dir_ / "spoke.key").string();
    const std::string key = base::RandomHex(32);
    { std::ofstream(key_file_) << key << "\n"; }
    std::filesystem::permissions(
        key_file_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);

    sim::SimOptions options;
    options.threads = 16;
    sim_ = sim::Simulator::Create(options);
    if (!sim_->Start().ok()) {
      sim_.reset();
      return Fail("lsr-sim did not start");
    }
    account_ = sim_->CreateAccount("Sweep Cycles", 1, /*demo_seed=*/true);
    // Every third seed, a bucket the batch overflows: spoke's limiter then waits before calls, so
    // turns last seconds and leases run out while work is in flight. Otherwise room for the batch.
    if (run_.seed % 3 == 0)
      Control("/rate", {{"model", "2026"}, {"bucket_size", 40}, {"drip_rate", 10}});
    else
      Control("/rate", {{"model", "2026"}, {"bucket_size", 900}, {"drip_rate", 60}});
    // Short-lived access tokens, so the workers refresh while they export — far more often than
    // Lightspeed's five refreshes a minute, whose limit is not what this sweep is about.
    Control("/tokens", {{"access_ttl_s", access_ttl_s_}, {"refresh_limit_per_minute", 0}});

    db_url_ = testsupport::TestDatabaseUrl(dir_);
    auto db = store::Open(db_url_);
    if (!db.ok()) return Fail("database: " + db.error().message);
    db_ = std::move(*db);
    auto s = db_->CreateStore("main", "Main", "USD");
    if (!s.ok()) return Fail("store: " + s.error().message);
    store_ = s->id;
    exporter::LightspeedConfig config;
    config.api_base = config.auth_base = sim_->BaseUrl();
    config.client_id = account_.client_id;
    config.client_secret = account_.client_secret;
    config.secret_key_hex = key;
    connections_ = std::make_unique<exporter::Connections>(*db_, config);
    if (auto c = connections_->Connect(store_, account_.refresh_token); !c.ok())
      return Fail("connect: " + c.error().message);
    api_ = std::make_unique<api::Api>(*db_, base::SystemClock(),
                                      api::ApiOptions{connections_.get(), nullptr});
    if (!Expect(PutSettingsJson(*api_, store_,
                                json{{"shop_id", account_.shop_id},
                                     {"register_id", account_.register_id},
                                     {"employee_id", account_.employee_id}}),
                200, "settings"))
      return false;
    return AddWave(1);
  }

  // The wave's payment type mapping, its new catalog items and its 16 orders, queued.
  bool AddWave(int wave) {
    waves_ = wave;
    mapping_ = MappingFor(wave);
    json mapping = json::object();
    for (const auto& [method, name] : mapping_) mapping[method] = name;
    if (!Expect(PutSettingsJson(*api_, store_, json{{"payment_types", mapping}}), 200,
                "payment type mapping"))
      return false;
    catalog_ = CatalogFor(wave);
    for (const CatalogItem& c : catalog_) {
      if (!skus_.insert(c.sku).second) continue;
      json item = {{"description", c.description},
                   {"price", Dollars(c.cents)},
                   {"serialized", c.serialized}};
      if (!c.upc.empty()) item["upc"] = c.upc;
      if (!Expect(PutItemJson(*api_, store_, c.sku, item), 201, c.sku)) return false;
    }
    for (int i = 0; i < kWave; ++i)
      if (!Queue(MakeOrder(wave, i))) return false;
    return true;
  }

  bool Expect(const JsonReply& r, int status, const std::string& what) {
    if (r.status == status) return true;
    Problem(what + ": " + std::to_string(r.status) + " " + r.body);
    return false;
  }

  // Order i of a wave: e-mail i % 5 in one of three spellings, the lines and payments of its
  // pattern.
  json MakeOrder(int wave, int i) {
    ExpectedOrder e;
    e.number = "SW-" + std::to_string((wave - 1) * kWave + i + 1);
    const std::string user =
        std::string(1, static_cast<char>('a' + i % kEmails)) + ".rider" + WaveTag(wave, "");
    std::string email = user + "@example.com";
    const int spelling = std::uniform_int_distribution<int>(0, 2)(rng_);
    if (spelling == 1) email[0] = static_cast<char>(std::toupper(email[0]));
    if (spelling == 2) email = Upper(email);
    e.email_key = Lower(email);
    json lines = json::array();
    int64_t cents = 0;
    for (int index : kLines[i % 8]) {
      if (index < 0) continue;
      const CatalogItem& c = catalog_[index];
      json line = {{"sku", c.sku}, {"quantity", 1}, {"unit_price", Dollars(c.cents)}};
      if (c.serialized) {
        e.serials.push_back("SN-" + e.number);
        line["serial_numbers"] = {e.serials.back()};
      }
      e.skus.push_back(c.sku);
      lines.push_back(line);
      cents += c.cents;
    }
    const int64_t shipping = i % 3 == 0 ? 1000 : 0, tax = i % 2 == 0 ? 500 : 0;
    cents += shipping + tax;
    return Finish(std::move(e), email, lines, shipping, tax, cents, kMethods[i % 6]);
  }

  json Finish(ExpectedOrder e, const std::string& email, const json& lines, int64_t shipping,
              int64_t tax, int64_t total, const std::vector<std::string>& methods) {
    json payments = json::array();
    int64_t left = total;
    for (size_t k = 0; k < methods.size(); ++k) {
      const int64_t amount = k + 1 == methods.size() ? left : std::min<int64_t>(2000, left);
      left -= amount;
      payments.push_back({{"id", "p" + std::to_string(k + 1)},
                          {"method", methods[k]},
                          {"amount", Dollars(amount)}});
    }
    e.total = Dollars(total);
    for (const std::string& method : methods)
      e.payment_types.push_back(Lower(TypeName(mapping_, method)));
    json order = {{"number", e.number},
                  {"placed_at", "2026-11-20T15:04:05Z"},
                  {"customer", {{"email", email}, {"first_name", "Sam"}, {"last_name", "Rider"}}},
                  {"lines", lines},
                  {"tax", Dollars(tax)},
                  {"total", e.total},
                  {"payments", payments}};
    if (shipping) order["shipping"] = {{"method", "UPS Ground"}, {"amount", Dollars(shipping)}};
    expected_.push_back(std::move(e));
    return order;
  }

  bool Queue(const json& order) {
    const std::string number = order["number"];
    return Expect(PutOrderJson(*api_, store_, number, order), 201, "order " + number) &&
           Expect(RequestExportJson(*api_, store_, number), 202, "export " + number);
  }

  WorkerEnv EnvFor(bool crashing) const {
    WorkerEnv w{db_url_, key_file_, sim_->BaseUrl(), account_.client_id, account_.client_secret};
    w.threads = threads_;
    w.lease_seconds = 2;
    if (crashing) {
      w.crash_point = run_.point;
      w.crash_hit = r_.hit;
    }
    return w;
  }

  bool StartWorker(size_t k, bool crashing) {
    const std::string log =
        (dir_ / ("worker-" + std::to_string(k) + "-" + std::to_string(++generation_[k]) + ".log"))
            .string();
    std::string error;
    if (!workers_[k].Start({run_.spoke_binary, "worker"}, WorkerEnvironment(EnvFor(crashing)), log,
                           &error))
      return Fail(error);
    return true;
  }

  bool StartWorkers() {
    const int n = std::clamp(run_.processes, 1, 3);
    workers_.resize(n);
    generation_.assign(n, 0);
    // The crashing worker starts first so its first turn holds the batch's first orders, where
    // the creates are; the others join once it has claimed work, after a seeded stagger.
    if (!StartWorker(0, true)) return false;
    // Under the tight bucket calls wait seconds, longer than tokens would live if expired every
    // second: there the short lifetime alone makes the workers refresh.
    if (run_.seed % 3 != 0) churn_thread_ = std::thread([this] { Churn(); });
    if (n > 1) {
      WaitUntil([&] { return Count(shop::ExportState::kExporting) > 0 || Tend(); },
                SteadyClock::now() + std::chrono::seconds(10));
      std::this_thread::sleep_for(stagger_);
      for (int k = 1; k < n; ++k)
        if (!StartWorker(k, false)) return false;
    }
    return true;
  }

  // Expires every access token now and then, so refreshes happen mid-export (401 → refresh).
  void Churn() {
    httplib::Client c(sim_->BaseUrl());
    c.set_read_timeout(10, 0);
    const std::string path = "/_sim/accounts/" + account_.account_id + "/tokens";
    std::unique_lock lock(churn_mu_);
    while (!churn_cv_.wait_for(lock, churn_, [this] { return churn_stop_; }))
      c.Put(path.c_str(), R"({"expire_access_tokens":true})", "application/json");
  }

  void StopChurn() {
    {
      std::lock_guard lock(churn_mu_);
      churn_stop_ = true;
    }
    churn_cv_.notify_all();
    if (churn_thread_.joinable()) churn_thread_.join();
  }

  // Looks after the workers: the crashing one's SIGKILL is counted and it is started again
  // without the point; any other end is a problem (and the worker is started again too, so the
  // queue still drains). Answers whether something ended.
  bool Tend() {
    bool any = false;
    for (size_t k = 0; k < workers_.size(); ++k) {
      if (!workers_[k].started() || !workers_[k].Ended()) continue;
      any = true;
      if (k == 0 && !r_.reached && workers_[k].KilledBy(SIGKILL)) {
        r_.reached = true;
        ++r_.kills;
      } else {
        Problem("worker " + std::to_string(k) + " " + workers_[k].Describe());
        if (++restarts_ > 5) {
          workers_[k] = ChildProcess();  // given up: no longer looked after
          continue;
        }
      }
      StartWorker(k, false);
    }
    return any;
  }

  int64_t Count(shop::ExportState state) {
    auto counts = db_->CountExports(store_);
    if (!counts.ok()) return -1;
    auto it = counts->find(state);
    return it == counts->end() ? 0 : it->second;
  }

  template <typename Done>
  bool WaitUntil(Done done, SteadyClock::time_point until) {
    while (SteadyClock::now() < until) {
      if (done()) return true;
      std::this_thread::sleep_for(milliseconds(100));
    }
    return done();
  }

  bool Drain() {
    const bool drained = WaitUntil(
        [&] {
          Tend();
          return Count(shop::ExportState::kQueued) == 0 &&
                 Count(shop::ExportState::kExporting) == 0;
        },
        deadline_);
    if (!drained)
      Problem("the queue did not drain within " + std::to_string(run_.drain_limit.count()) + " s");
    return drained;
  }

  // The connection still works after the crash: one more order, exported by the same workers.
  bool ExportFinalOrder() {
    ExpectedOrder e;
    e.number = kFinal;
    e.email_key = "final.rider@example.com";
    e.skus = {"ARH-M"};
    const json lines = {{{"sku", "ARH-M"}, {"quantity", 1}, {"unit_price", Dollars(12999)}}};
    if (!Queue(Finish(std::move(e), "Final.Rider@example.com", lines, 0, 0, 12999, {"PayPal"})))
      return false;
    shop::ExportState state = shop::ExportState::kQueued;
    WaitUntil(
        [&] {
          Tend();
          auto rec = db_->GetOrder(store_, kFinal);
          if (rec.ok()) state = rec->export_record.state;
          return state == shop::ExportState::kExported ||
                 state == shop::ExportState::kNeedsAttention;
        },
        deadline_);
    if (state != shop::ExportState::kExported)
      Problem(std::string("the final order was not exported (") + shop::Name(state) + ")");
    return state == shop::ExportState::kExported;
  }

  void StopWorkers() {
    for (size_t k = 0; k < workers_.size(); ++k)
      if (workers_[k].started() && !workers_[k].Ended()) kill(workers_[k].pid(), SIGTERM);
    for (size_t k = 0; k < workers_.size(); ++k) {
      if (!workers_[k].started()) continue;
      // A worker waiting out a dead process's token-refresh lease (30 s) stops after it.
      if (!workers_[k].Stop(std::chrono::seconds(45)))
        Problem("worker " + std::to_string(k) + " did not stop on SIGTERM within 45 s");
      else if (!workers_[k].KilledBy(SIGKILL) && workers_[k].status() != 0)
        Problem("worker " + std::to_string(k) + " " + workers_[k].Describe() + " on SIGTERM");
    }
  }

  void Check();

  SweepRun run_;
  SweepResult r_;
  std::mt19937 rng_;
  milliseconds stagger_{0}, churn_{1000};
  int access_ttl_s_ = 61, threads_ = 1;
  SteadyClock::time_point deadline_;
  std::filesystem::path dir_;
  std::string key_file_, db_url_;
  std::unique_ptr<sim::Simulator> sim_;
  sim::AccountInfo account_;
  std::unique_ptr<store::Store> db_;
  store::StoreId store_;
  std::unique_ptr<exporter::Connections> connections_;
  std::unique_ptr<api::Api> api_;
  std::vector<ExpectedOrder> expected_;
  int waves_ = 0;
  std::vector<CatalogItem> catalog_;            // the current wave's
  std::map<std::string, std::string> mapping_;  // the current wave's
  std::set<std::string> skus_;                  // every SKU put in the catalog
  std::vector<ChildProcess> workers_;
  std::vector<int> generation_;
  int restarts_ = 0;
  std::thread churn_thread_;
  std::mutex churn_mu_;
  std::condition_variable churn_cv_;
  bool churn_stop_ = false;
};

void Sweep::Check() {
  // Long-lived tokens and no bucket for the checker; the workers are gone.
  Control("/tokens", {{"access_ttl_s", 3600}});
  Control("/rate", {{"model", "off"}});
  LightspeedReader ls(sim_->BaseUrl(), account_.account_id);
  if (std::string e = ls.SignIn(account_.client_id, account_.client_secret); !e.empty())
    return Problem(e);
  std::vector<json> sales, customers, items, types, serials;
  for (auto& [entity, query, into] :
       {std::tuple{"Sale", "", &sales},
        std::tuple{"Customer", "&load_relations=%5B%22Contact%22%5D", &customers},
        std::tuple{"Item", "", &items}, std::tuple{"PaymentType", "", &types},
        std::tuple{"Serialized", "", &serials}})
    if (std::string e = ls.List(entity, query, into); !e.empty()) return Problem(e);
  r_.orders = static_cast<int>(expected_.size());

  const auto settings = db_->GetLightspeedSettings(store_);
  const std::string source = settings.ok() ? settings->reference_source : "web";
  std::map<std::string, std::vector<const json*>> live_sales;
  for (const json& s : sales)
    if (Live(s) && Text(s, "referenceNumberSource") == source)
      live_sales[Text(s, "referenceNumber")].push_back(&s);

  std::set<std::string> used_emails, used_skus, used_serials, used_types;
  for (const ExpectedOrder& e : expected_) {
    auto rec = db_->GetOrder(store_, e.number);
    if (!rec.ok()) {
      ++r_.lost;
      Problem(e.number + ": not readable in spoke: " + rec.error().message);
      continue;
    }
    const store::ExportRecord& x = rec->export_record;
    const auto& found = live_sales[e.number];
    if (found.size() > 1) {
      r_.dup_sales += static_cast<int>(found.size()) - 1;
      std::string ids;
      for (const json* s : found) ids += " " + Text(*s, "saleID");
      Problem(e.number + ": " + std::to_string(found.size()) + " live sales:" + ids);
    }
    if (x.state == shop::ExportState::kExported) {
      used_emails.insert(e.email_key);
      used_skus.insert(e.skus.begin(), e.skus.end());
      used_serials.insert(e.serials.begin(), e.serials.end());
      used_types.insert(e.payment_types.begin(), e.payment_types.end());
      const json* sale = nullptr;
      for (const json* s : found)
        if (Text(*s, "saleID") == x.sale_id) sale = s;
      if (!sale) {
        ++r_.lost;
        Problem(e.number + ": exported as sale " + x.sale_id + ", which Lightspeed does not have");
      } else if (Text(*sale, "completed") != "true" ||
                 // Lightspeed writes "2238.5" for the order's "2238.50".
                 exporter::ParseLightspeedAmount(Text(*sale, "total")) !=
                     exporter::ParseLightspeedAmount(e.total)) {
        Problem(e.number + ": sale " + x.sale_id + " completed=" + Text(*sale, "completed") +
                " total " + Text(*sale, "total") + ", the order's total is " + e.total);
      }
    } else if (x.state == shop::ExportState::kNeedsAttention) {
      ++r_.needs_attention;
      r_.reasons.push_back(e.number + ": " + x.message);
      if (x.message.empty()) {
        ++r_.lost;
        Problem(e.number + ": needs attention without a reason");
      }
      if (!found.empty()) Problem(e.number + ": needs attention, yet Lightspeed has its sale");
    } else {
      ++r_.lost;
      Problem(e.number + ": left " + shop::Name(x.state) + (x.message.empty() ? "" : ": ") +
              x.message);
    }
  }

  // One customer per e-mail, whatever its letters' case.
  std::map<std::string, int> per_email;
  for (const json& c : customers) {
    if (!Live(c)) continue;
    const std::vector<std::string> all = EmailsOf(c);
    for (const std::string& email : std::set<std::string>(all.begin(), all.end()))
      ++per_email[email];
  }
  std::set<std::string> emails;
  for (const ExpectedOrder& e : expected_) emails.insert(e.email_key);
  for (const std::string& email : emails) {
    const int n = per_email[email];
    if (n > 1) {
      r_.dup_customers += n - 1;
      Problem(std::to_string(n) + " customers for " + email);
    }
    if (n == 0 && used_emails.count(email)) Problem("no customer for " + email);
  }

  // One item per SKU: by its UPC, or its custom SKU when it has none.
  std::vector<CatalogItem> catalog;  // every wave's, each SKU once
  std::set<std::string> listed;
  for (int wave = 1; wave <= waves_; ++wave)
    for (const CatalogItem& c : CatalogFor(wave))
      if (listed.insert(c.sku).second) catalog.push_back(c);
  for (const CatalogItem& c : catalog) {
    int n = 0;
    for (const json& i : items)
      if (Live(i) && ((!c.upc.empty() && Text(i, "upc") == c.upc) || Text(i, "customSku") == c.sku))
        ++n;
    if (n > 1) {
      r_.dup_items += n - 1;
      Problem(std::to_string(n) + " items for " + c.sku);
    }
    if (n == 0 && used_skus.count(c.sku)) Problem("no item for " + c.sku);
  }

  // One payment type per name, whatever its letters' case.
  std::map<std::string, int> per_name;
  for (const json& t : types)
    if (Live(t)) ++per_name[Lower(Text(t, "name"))];
  for (const auto& [name, n] : per_name)
    if (n > 1) {
      r_.dup_payment_types += n - 1;
      Problem(std::to_string(n) + " payment types named " + name);
    }
  for (const std::string& name : used_types)
    if (!per_name.count(name)) Problem("no payment type " + name);

  // Each serial number once.
  std::map<std::string, int> per_serial;
  for (const json& s : serials)
    if (Live(s)) ++per_serial[Text(s, "serial")];
  for (const ExpectedOrder& e : expected_)
    for (const std::string& serial : e.serials) {
      const int n = per_serial[serial];
      if (n > 1) {
        r_.dup_serials += n - 1;
        Problem(std::to_string(n) + " records of serial " + serial);
      }
      if (n == 0 && used_serials.count(serial)) Problem("serial " + serial + " not recorded");
    }
}

}  // namespace

const std::vector<std::string>& AllCrashPoints() {
  static const std::vector<std::string> points = {"after_claim",
                                                  "before_create_customer",
                                                  "after_create_customer",
                                                  "before_create_item",
                                                  "after_create_item",
                                                  "before_create_payment_type",
                                                  "after_create_payment_type",
                                                  "after_intent",
                                                  "after_send",
                                                  "before_create_serial",
                                                  "after_create_serial",
                                                  "before_success",
                                                  "after_success",
                                                  "after_token_rotated"};
  return points;
}

SweepResult RunSweep(const SweepRun& run) {
  try {
    return Sweep(run).Run();
  } catch (const std::exception& e) {  // nlohmann or the standard library: a failed run
    SweepResult failed;
    failed.problems.push_back(std::string("the sweep itself failed: ") + e.what());
    return failed;
  }
}

std::vector<SweepResult> RunSweeps(
    const std::vector<SweepRun>& runs, int jobs,
    const std::function<void(const SweepRun&, const SweepResult&)>& done) {
  std::vector<SweepResult> results(runs.size());
  std::atomic<size_t> next{0};
  std::mutex done_mu;
  std::vector<std::thread> pool;
  for (int j = 0; j < std::max(1, jobs); ++j)
    pool.emplace_back([&] {
      for (size_t i = next++; i < runs.size(); i = next++) {
        results[i] = RunSweep(runs[i]);
        std::lock_guard lock(done_mu);
        if (done) done(runs[i], results[i]);
      }
    });
  for (auto& t : pool) t.join();
  return results;
}

std::string SweepTable(const std::vector<SweepRun>& runs, const std::vector<SweepResult>& results) {
  struct Row {
    int runs = 0, kills = 0, orders = 0, sales = 0, customers = 0, items = 0, types = 0,
        serials = 0, lost = 0, attention = 0, failed = 0;
    double seconds = 0;
  };
  std::map<std::string, Row> rows;
  Row total;
  for (size_t i = 0; i < runs.size() && i < results.size(); ++i) {
    const SweepResult& r = results[i];
    for (Row* row : {&rows[runs[i].point], &total}) {
      row->runs += 1;
      row->kills += r.kills;
      row->orders += r.orders;
      row->sales += r.dup_sales;
      row->customers += r.dup_customers;
      row->items += r.dup_items;
      row->types += r.dup_payment_types;
      row->serials += r.dup_serials;
      row->lost += r.lost;
      row->attention += r.needs_attention;
      row->failed += r.ok() ? 0 : 1;
      row->seconds += r.seconds;
    }
  }
  std::string out;
  char line[256];
  const char* const format =
      "| %-26s | %4s | %5s | %6s | %9s | %13s | %9s | %13s | %11s | %4s | %15s | %6s | %7s |\n";
  std::snprintf(line, sizeof line, format, "point", "runs", "kills", "orders", "dup sales",
                "dup customers", "dup items", "dup pay types", "dup serials", "lost",
                "needs attention", "failed", "seconds");
  out += line;
  std::snprintf(line, sizeof line, format, "---",
                "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:");
  out += line;
  const auto add = [&](const std::string& name, const Row& r) {
    const auto n = [](double v) { return std::to_string(static_cast<long long>(v + 0.5)); };
    std::snprintf(line, sizeof line, format, name.c_str(), n(r.runs).c_str(), n(r.kills).c_str(),
                  n(r.orders).c_str(), n(r.sales).c_str(), n(r.customers).c_str(),
                  n(r.items).c_str(), n(r.types).c_str(), n(r.serials).c_str(), n(r.lost).c_str(),
                  n(r.attention).c_str(), n(r.failed).c_str(), n(r.seconds).c_str());
    out += line;
  };
  for (const std::string& point : AllCrashPoints())
    if (rows.count(point)) add(point, rows[point]);
  add("total", total);
  return out;
}

}  // namespace testing_support
