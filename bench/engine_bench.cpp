// Issue 12: the export engine measured end to end, for bench/README.md's table (make bench).
// Every mode runs the real engine against lsr-sim on loopback, bounded in count and time, prints
// what it saw and its table rows as `ROW | measurement | setup | result | against |` lines
// (bench/run.sh collects them). A mode that cannot finish prints a row saying why.
//
//   engine_bench fairness [BIG...]      a 5-order store queued behind a store with BIG orders
//   engine_bench latency [sqlite|postgres]   queue -> sale in Lightspeed, p50/p99, bucket with room
//   engine_bench memory [STORES ORDERS] RSS of a `spoke worker` with STORES connected stores and
//                                       ORDERS queued orders, its engine running
//
// Environment: EXPORT_WORKERS (export.workers, default 4), BENCH_QUICK=1 (smaller sizes).
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "api/api.h"
#include "base/clock.h"
#include "base/mutex.h"
#include "tests/support/api_json.h"
#include "tests/support/bench_rows.h"
#include "tests/support/child_process.h"
#include "tests/support/service.h"

using testing_support::Grouped;

namespace {

using testing_support::json;
using testing_support::Reply;
using testing_support::ServiceOptions;
using testing_support::TestService;
using Clock = std::chrono::steady_clock;

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}
bool Quick() { return EnvInt("BENCH_QUICK", 0) != 0; }
int Workers() { return std::max(1, EnvInt("EXPORT_WORKERS", 4)); }

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string Format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

void Row(const std::string& measurement, const std::string& setup, const std::string& result,
         const std::string& against) {
  std::printf("ROW | %s | %s | %s | %s |\n", measurement.c_str(), setup.c_str(), result.c_str(),
              against.c_str());
  std::fflush(stdout);
}

// A store's queued orders for the HELMET item (in lsr-sim's demo seed), through the API's own
// operations in-process (no HTTP: tens of thousands are queued in seconds). False with the reason
// in *why when the API refuses one.
bool QueueOrders(api::Api& api, store::StoreId store, const std::string& prefix, int count,
                 int customers, std::string* why) {
  auto item = testing_support::PutItemJson(api, store, "HELMET", testing_support::HelmetItem());
  if (item.status >= 300) {
    *why = "the item was refused: " + item.body;
    return false;
  }
  for (int i = 0; i < count; ++i) {
    const std::string n = prefix + std::to_string(100000 + i);
    const std::string email = prefix + std::to_string(i % customers) + "@example.com";
    auto put = testing_support::PutOrderJson(api, store, n, testing_support::HelmetOrder(n, email));
    if (put.status >= 300) {
      *why = "order " + n + " was refused: " + put.body;
      return false;
    }
    auto queued = testing_support::RequestExportJson(api, store, n);
    if (queued.status >= 300) {
      *why = "order " + n + " was not queued: " + queued.body;
      return false;
    }
  }
  return true;
}

int64_t Exported(store::Store& db, store::StoreId s) {
  auto counts = db.CountExports(s);
  return counts.ok() ? (*counts)[shop::ExportState::kExported] : 0;
}

// --- fairness: a store with 5 orders queued behind one with `big` queued orders. ---
void Fairness(int big) {
  const std::string measurement =
      "Fairness: 5-order store behind a " + Grouped(big) + "-order store";
  const std::string setup = Grouped(big) + " orders queued first on another account, 2026 rate " +
                            "model, " + std::to_string(Workers()) + " workers";
  const int deadline_s = EnvInt("FAIRNESS_DEADLINE_SECONDS", 120);
  ServiceOptions options;
  options.workers = Workers();
  TestService svc(options);
  svc.Connect();
  svc.SimControl("PUT", "/rate", {{"model", "2026"}});
  api::Api api(svc.db(), base::SystemClock(), api::ApiOptions{});
  std::string why;
  const auto queueing = Clock::now();
  if (!QueueOrders(api, svc.store_id(), "F", big, 50, &why)) {
    Row(measurement, setup, "failed: " + why, "—");
    return;
  }
  std::printf("fairness: %d orders queued for the big store in %.1f s\n", big, Since(queueing));
  // The small store is connected and its orders queued after all of the big store's.
  auto small = svc.AddConnectedStore("small");
  svc.SimControl("PUT", "/rate", {{"model", "2026"}}, small.account.account_id);
  const auto small_id = svc.db().FindStore("small")->id;
  if (!QueueOrders(api, small_id, "S", 5, 2, &why)) {
    Row(measurement, setup, "failed: " + why, "—");
    return;
  }
  svc.SimControl("DELETE", "/stats", nullptr, small.account.account_id);
  svc.SimControl("DELETE", "/stats");
  const auto started = Clock::now();
  svc.StartEngine();
  int64_t done = 0;
  while (Since(started) < deadline_s) {
    done = Exported(svc.db(), small_id);
    if (done >= 5) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const double took = Since(started);
  const json small_stats = svc.SimControl("GET", "/stats", nullptr, small.account.account_id);
  const json big_stats = svc.SimControl("GET", "/stats");
  svc.StopEngine();
  const int sales = small_stats["requests"].value("POST Sale", 0);
  const int big_sales = big_stats["requests"].value("POST Sale", 0);
  std::printf(
      "fairness: small store %lld of 5 exported (%d sales in lsr-sim) in %.2f s; the big "
      "store sent %d sales meanwhile\n",
      static_cast<long long>(done), sales, took, big_sales);
  if (done < 5 || sales != 5) {
    Row(measurement, setup,
        "failed: " + std::to_string(done) + " of 5 exported (" + std::to_string(sales) +
            " sales in Lightspeed) after " + Format("%.0f s", took),
        "—");
    return;
  }
  Row(measurement, setup, "5 sales in " + Format("%.2f s", took),
      "the big store sent " + Grouped(big_sales) + (big_sales == 1 ? " sale" : " sales") +
          " meanwhile");
}

// --- latency: orders arriving one at a time at a steady pace across some stores. ---
void Latency(bool postgres) {
  const int stores = Quick() ? 10 : 20;
  const int per_store = Quick() ? 5 : 10;
  const int interval_ms = EnvInt("LATENCY_INTERVAL_MS", 100);
  const int total = stores * per_store;
  const std::string backend = postgres ? "PostgreSQL" : "SQLite";
  const std::string measurement = "Latency, queue → sale in Lightspeed, " + backend;
  const std::string setup = Grouped(total) + " orders one every " + std::to_string(interval_ms) +
                            " ms over " + std::to_string(stores) + " stores, bucket with room";
  ServiceOptions options;
  options.workers = Workers();
  options.postgres = postgres;
  TestService svc(options);
  svc.Connect();
  struct Shop {
    std::string slug, token, account_id;
    store::StoreId id;
  };
  std::vector<Shop> shops = {{"bikes", svc.token(), svc.account().account_id, svc.store_id()}};
  for (int k = 1; k < stores; ++k) {
    const std::string slug = "lat" + std::to_string(k);
    auto m = svc.AddConnectedStore(slug);
    shops.push_back({slug, m.token, m.account.account_id, svc.db().FindStore(slug)->id});
  }
  for (const Shop& s : shops) {
    svc.SimControl("PUT", "/rate", {{"model", "2026"}}, s.account_id);
    Reply item =
        svc.Call("PUT", "/api/v1/items/HELMET", testing_support::HelmetItem().dump(), s.token);
    if (item.status >= 300) {
      Row(measurement, setup, "failed: the item was refused: " + item.raw, "—");
      return;
    }
  }
  svc.StartEngine();
  // One order per store first, not measured: the first sale of an account fetches its payment
  // types and opens its client.
  const auto queue = [&](const Shop& s, const std::string& number, int nth) {
    const std::string email = "c" + std::to_string(nth % 3) + "." + s.slug + "@example.com";
    Reply put = svc.Call("PUT", "/api/v1/orders/" + number,
                         testing_support::HelmetOrder(number, email).dump(), s.token);
    if (put.status >= 300) return Clock::time_point{};
    const auto at = Clock::now();
    Reply q = svc.Call("POST", "/api/v1/exports", json{{"orders", {number}}}.dump(), s.token);
    return q.status == 200 ? at : Clock::time_point{};
  };
  for (const Shop& s : shops) queue(s, "W" + s.slug, 0);
  for (const Shop& s : shops) svc.WaitForExport("W" + s.slug, 60, s.token);
  for (const Shop& s : shops) svc.SimControl("DELETE", "/stats", nullptr, s.account_id);

  struct Pending {
    size_t shop;
    std::string number;
    Clock::time_point queued;
  };
  std::vector<Pending> pending;
  std::vector<double> ms;
  int refused = 0;
  const auto start = Clock::now();
  const auto deadline =
      start + std::chrono::milliseconds(interval_ms * total) + std::chrono::seconds(60);
  int sent = 0;
  while (Clock::now() < deadline && (sent < total || !pending.empty())) {
    if (sent < total && Clock::now() >= start + std::chrono::milliseconds(interval_ms * sent)) {
      const size_t k = static_cast<size_t>(sent) % shops.size();
      const std::string number = "L" + std::to_string(100000 + sent);
      const auto at = queue(shops[k], number, sent / static_cast<int>(shops.size()) + 1);
      if (at == Clock::time_point{}) {
        ++refused;
      } else {
        pending.push_back({k, number, at});
      }
      ++sent;
    }
    for (size_t i = 0; i < pending.size();) {
      auto r = svc.db().GetOrder(shops[pending[i].shop].id, pending[i].number);
      const auto state = r.ok() ? r->export_record.state : shop::ExportState::kQueued;
      if (state == shop::ExportState::kExported) {
        ms.push_back(1000 *
                     std::chrono::duration<double>(Clock::now() - pending[i].queued).count());
        pending.erase(pending.begin() + static_cast<long>(i));
      } else if (state == shop::ExportState::kNeedsAttention) {
        ++refused;
        pending.erase(pending.begin() + static_cast<long>(i));
      } else {
        ++i;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  int limited = 0;
  for (const Shop& s : shops)
    limited += svc.SimControl("GET", "/stats", nullptr, s.account_id).value("rate_limited", 0);
  svc.StopEngine();
  std::sort(ms.begin(), ms.end());
  const auto pct = [&](double p) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))];
  };
  std::printf("latency %s: %zu of %d exported, %zu unfinished, %d refused or stopped, %d x 429\n",
              backend.c_str(), ms.size(), total, pending.size(), refused, limited);
  if (static_cast<int>(ms.size()) != total) {
    Row(measurement, setup,
        "failed: " + std::to_string(ms.size()) + " of " + std::to_string(total) + " exported (" +
            std::to_string(refused) + " refused or stopped)",
        "—");
    return;
  }
  std::printf("latency %s: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n", backend.c_str(),
              pct(0.5), pct(0.9), pct(0.99), ms.back());
  Row(measurement, setup, Format("p50 %.0f ms", pct(0.5)) + Format(" / p99 %.0f ms", pct(0.99)),
      Format("max %.0f ms, ", ms.back()) + std::to_string(limited) + " × 429");
}

// --- memory: a `spoke worker` with many connected stores and a big queue. ---
long ReadKiB(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  const std::string key = std::string(field) + ":";
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::atol(line.c_str() + key.size());
  return -1;
}

// The last non-empty line of a log, with the table's cell separator taken out.
std::string LastLine(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::string line, last = "(its log is empty)";
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  std::replace(last.begin(), last.end(), '|', '/');
  return last;
}

testing_support::ChildProcess StartWorker(TestService& svc, const std::string& db_url,
                                          const std::string& log, std::string* error) {
  testing_support::WorkerEnv w{db_url, (svc.dir() / "spoke.key").string(),
                               svc.simulator().BaseUrl(), svc.account().client_id,
                               svc.account().client_secret};
  w.threads = Workers();
  std::vector<std::string> env = testing_support::WorkerEnvironment(w);
  env.push_back("SPOKE_WORKER_NODE_NAME=bench-memory");
  testing_support::ChildProcess child;
  child.Start({SPOKE_BINARY, "worker"}, env, log, error);
  return child;
}

void Memory(int stores, int orders) {
  const int per_store = std::max(1, orders / stores);
  orders = per_store * stores;
  const int seconds = EnvInt("MEMORY_SECONDS", Quick() ? 10 : 30);
  const std::string measurement = "Memory: RSS of a spoke worker node";
  const std::string setup = Grouped(stores) + " connected stores, " + Grouped(orders) +
                            " orders queued, engine running " + std::to_string(seconds) + " s, " +
                            std::to_string(Workers()) + " workers, SQLite";
  ServiceOptions options;
  options.workers = Workers();
  TestService svc(options);
  api::Api api(svc.db(), base::SystemClock(), api::ApiOptions{});

  // The idle baseline: the same binary on an empty database, nothing to do.
  std::string error;
  long idle_kib = -1;
  {
    const std::string empty = "sqlite://" + (svc.dir() / "empty.db").string();
    auto idle = StartWorker(svc, empty, (svc.dir() / "idle.log").string(), &error);
    if (!idle.started()) {
      Row(measurement, setup, "failed: the spoke worker did not start: " + error, "—");
      return;
    }
    std::this_thread::sleep_for(std::chrono::seconds(3));
    idle_kib = ReadKiB(idle.pid(), "VmRSS");
    if (idle.Ended()) {
      Row(measurement, setup,
          "failed: the idle worker " + idle.Describe() + ": " + LastLine(svc.dir() / "idle.log"),
          "—");
      return;
    }
    idle.Stop(std::chrono::seconds(10));
  }

  // The stores: each a store row and token (store API), its own lsr-sim account under spoke's
  // app, connected through the real connect endpoint (OAuth refresh, account read, tokens sealed),
  // its shop, register and employee written to its settings (store API), like Settings would.
  const auto making = Clock::now();
  std::atomic<int> next{0}, failed{0};
  std::string first_failure;
  base::Mutex failure_mu;
  auto connect = [&] {
    for (int k = next++; k < stores; k = next++) {
      const std::string slug = "mem" + std::to_string(k);
      std::string why;
      try {
        const std::string token = svc.AddStore(slug);
        const sim::AccountInfo a = svc.simulator().CreateAccountForClient(
            slug, 1, false, svc.account().client_id, svc.account().client_secret);
        Reply c = svc.Call("POST", "/api/v1/settings/lightspeed/connect",
                           json{{"refresh_token", a.refresh_token}}.dump(), token);
        if (c.status != 200) {
          why = "connecting " + slug + ": " + c.raw;
        } else {
          const auto id = svc.db().FindStore(slug)->id;
          auto settings = svc.db().GetLightspeedSettings(id);
          if (!settings.ok()) {
            why = settings.error().message;
          } else {
            settings->shop_id = a.shop_id;
            settings->register_id = a.register_id;
            settings->employee_id = a.employee_id;
            if (auto put = svc.db().PutLightspeedSettings(id, *settings); !put.ok())
              why = put.error().message;
          }
        }
      } catch (const std::exception& e) {
        why = e.what();
      }
      if (!why.empty()) {
        base::MutexLock lock(failure_mu);
        if (failed++ == 0) first_failure = why;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < 3; ++t) pool.emplace_back(connect);
  for (auto& t : pool) t.join();
  if (failed > 0) {
    Row(measurement, setup,
        "failed: " + std::to_string(failed.load()) + " stores did not connect: " + first_failure,
        "—");
    return;
  }
  std::printf("memory: %d stores made and connected in %.1f s\n", stores, Since(making));
  const auto queueing = Clock::now();
  for (int k = 0; k < stores; ++k) {
    std::string why;
    const auto id = svc.db().FindStore("mem" + std::to_string(k))->id;
    if (!QueueOrders(api, id, "M" + std::to_string(k) + "-", per_store, 3, &why)) {
      Row(measurement, setup, "failed: " + why, "—");
      return;
    }
  }
  std::printf("memory: %d orders queued in %.1f s\n", orders, Since(queueing));

  auto worker = StartWorker(svc, svc.db_url(), (svc.dir() / "worker.log").string(), &error);
  if (!worker.started()) {
    Row(measurement, setup, "failed: the spoke worker did not start: " + error, "—");
    return;
  }
  long rss = -1;
  for (int tick = 0; tick < seconds * 4; ++tick) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    if (worker.Ended()) break;
    rss = ReadKiB(worker.pid(), "VmRSS");
    if (tick % 20 == 19) std::printf("memory: %d s: %.1f MiB RSS\n", (tick + 1) / 4, rss / 1024.0);
  }
  const long peak = worker.Ended() ? -1 : ReadKiB(worker.pid(), "VmHWM");
  const bool ended_early = worker.Ended();
  const std::string ended_how = worker.Describe();
  worker.Stop(std::chrono::seconds(20));
  int64_t exported = 0;
  for (int k = 0; k < stores; ++k)
    exported += Exported(svc.db(), svc.db().FindStore("mem" + std::to_string(k))->id);
  std::printf(
      "memory: worker RSS %.1f MiB (peak %.1f MiB), idle on an empty database %.1f MiB; "
      "%lld sales exported while measured\n",
      rss / 1024.0, peak / 1024.0, idle_kib / 1024.0, static_cast<long long>(exported));
  if (ended_early || rss < 0) {
    Row(measurement, setup,
        "failed: the worker " + ended_how + ": " + LastLine(svc.dir() / "worker.log"), "—");
    return;
  }
  Row(measurement, setup,
      Format("%.0f MiB RSS", rss / 1024.0) + Format(" (peak %.0f MiB)", peak / 1024.0),
      Format("idle worker, empty database: %.0f MiB; ", idle_kib / 1024.0) + Grouped(exported) +
          " sales exported meanwhile");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  try {
    if (mode == "fairness") {
      std::vector<int> sizes;
      for (int i = 2; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
      if (sizes.empty()) sizes = Quick() ? std::vector<int>{1000} : std::vector<int>{1000, 10000};
      for (int big : sizes) Fairness(big);
      return 0;
    }
    if (mode == "latency") {
      const std::string which = argc > 2 ? argv[2] : "both";
      if (which != "postgres") Latency(false);
      if (which != "sqlite") Latency(true);
      return 0;
    }
    if (mode == "memory") {
      const int stores = argc > 2 ? std::atoi(argv[2]) : Quick() ? 1000 : 10000;
      const int orders = argc > 3 ? std::atoi(argv[3]) : stores * 10;
      Memory(stores, orders);
      return 0;
    }
  } catch (const std::exception& e) {
    Row("engine_bench " + mode, "—", std::string("failed: ") + e.what(), "—");
    return 1;
  }
  std::fprintf(stderr,
               "usage: engine_bench fairness [BIG...] | latency [sqlite|postgres] | "
               "memory [STORES ORDERS]\n");
  return 2;
}
