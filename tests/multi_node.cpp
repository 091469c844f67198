// Several nodes on one PostgreSQL (issue 13): one `spoke serve` and two `spoke worker` processes
// share a throwaway PostgreSQL server and export the orders of several stores, each with its own
// lsr-sim account under one OAuth app. Halfway through, one worker is killed (SIGKILL). Then the
// Lightspeed side is checked account by account: one sale per order (never two for a reference),
// one customer per e-mail, not one 429; and the run is compared with the slowest account's bucket
// bound (the time its bucket needs to let its units through), because the accounts must drain side
// by side, not one node's worth at a time. Bounded in count and time; prints a table.
//
//   multi_node --accounts 8 --orders 300 [--bucket 20 --drip 4] [--deadline-seconds 600]
//
// As a benchmark (bench/export_nodes.sh): `--bench` turns lsr-sim's rate model off, kills nobody
// and prints the sales per second; `--workers N` sets the worker processes beside `serve` (0: one
// node), `--sqlite` puts the nodes on one SQLite file instead of PostgreSQL, `--delay-ms N` answers
// every Lightspeed request N ms late (lsr-sim's delay fault), `--threads N` sets export.workers.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/bench_rows.h"
#include "tests/support/child_process.h"
#include "tests/support/service.h"

using testing_support::Grouped;

namespace {

using testing_support::ChildProcess;
using testing_support::json;
using testing_support::Reply;
using testing_support::ServiceOptions;
using testing_support::TestService;
using Clock = std::chrono::steady_clock;

struct Args {
  int accounts = 8;
  int orders = 300;
  double bucket = 20;        // units
  double drip = 4;           // units per second
  int deadline_seconds = 0;  // 0: 60 s plus 2 s per order per account
  double max_ratio = 1.5;    // the run against the slowest account's bucket bound
  // Benchmark mode (bench/export_nodes.sh): the rate model off, nobody killed, sales per second.
  bool bench = false;
  int workers = 2;       // `spoke worker` processes beside the `spoke serve` one
  bool postgres = true;  // false: one SQLite file
  int threads = 4;       // export.workers per node
  int delay_ms = 0;      // every Lightspeed request answered this much later (internet latency)
  int sim_threads = 0;   // lsr-sim's request threads (0: its default)
};
Args args;

struct Shop {
  std::string slug, token, account_id;
  std::vector<std::string> numbers;
  int customers = 0;
};

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return 0;
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

// The last non-empty line of a node's log, with the table's cell separator taken out.
std::string LastLine(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::string line, last = "(its log is empty)";
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  std::replace(last.begin(), last.end(), '|', '/');
  return last;
}

// A process's CPU time so far (user + system), 0 when it cannot be read.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; fields >> f && i <= 15; ++i)  // fields 14 and 15: utime, stime
    if (i >= 14) ticks += std::atof(f.c_str());
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The benchmark's row of bench/README.md's table (bench/run.sh collects `ROW` lines).
// `cpu_s`: the nodes' CPU seconds during the run; `sim_cpu_s`: this process's, lsr-sim's and the
// driver's (which queues the orders, then polls lsr-sim's counters and, at the end, the stores'
// export counts). Per sale they show what bounds the machine: both run on the same cores.
void PrintRow(double run_s, int exported, double cpu_s, double sim_cpu_s, int limited,
              const std::string& failure = "") {
  const int nodes = 1 + args.workers;
  std::string measurement = "Sales/s, ";
  measurement += args.delay_ms > 0 ? std::to_string(args.delay_ms) + " ms per request"
                                   : std::string("rate limits off");
  measurement += args.postgres ? ", PostgreSQL, " : ", SQLite, ";
  measurement += std::to_string(nodes) + (nodes == 1 ? " node" : " nodes");
  const std::string setup =
      Grouped(args.accounts) + " stores × " + Grouped(args.orders / args.accounts) +
      (args.orders / args.accounts == 1 ? " order, " : " orders, ") + std::to_string(args.threads) +
      " workers per node" + (args.delay_ms > 0 ? ", rate limits off" : "");
  char result[160], against[256];
  if (!failure.empty()) {
    std::printf("ROW | %s | %s | failed: %s | — |\n", measurement.c_str(), setup.c_str(),
                failure.c_str());
    return;
  }
  if (exported == 0) {
    std::snprintf(result, sizeof result, "failed: none of %d exported in %.0f s", args.orders,
                  run_s);
  } else if (exported < args.orders) {  // the deadline stopped the run: the rate until then
    std::snprintf(result, sizeof result, "%s sales/s (stopped at %.0f s, %s of %s exported)",
                  Grouped(std::llround(exported / std::max(run_s, 0.001))).c_str(), run_s,
                  Grouped(exported).c_str(), Grouped(args.orders).c_str());
  } else {
    std::snprintf(result, sizeof result, "%s sales/s",
                  Grouped(std::llround(exported / std::max(run_s, 0.001))).c_str());
  }
  char per_sale[96] = "";  // none without a sale to divide by
  if (exported > 0)
    std::snprintf(per_sale, sizeof per_sale,
                  " (%.2f ms a sale), lsr-sim with the driver %.2f ms a sale",
                  cpu_s * 1000 / exported, sim_cpu_s * 1000 / exported);
  std::snprintf(against, sizeof against, "%s sales in %.1f s, nodes used %.2f cores%s, %d × 429",
                Grouped(exported).c_str(), run_s, cpu_s / std::max(run_s, 0.001), per_sale,
                limited);
  std::printf("ROW | %s | %s | %s | %s |\n", measurement.c_str(), setup.c_str(), result, against);
}

class MultiNode : public ::testing::Test {
 protected:
  MultiNode()
      : svc_(ServiceOptions{.first_backoff = std::chrono::milliseconds(200),
                            .max_backoff = std::chrono::milliseconds(2000),
                            .postgres = args.postgres,
                            .sim_threads = args.sim_threads}) {}

  // Each store gets its own lsr-sim account (under the test app) with a small bucket, so the
  // bucket, not the machine, sets the pace.
  void SetUpShops() {
    for (int k = 1; k <= args.accounts; ++k) {
      const std::string slug = "node" + std::to_string(k);
      auto m = svc_.AddConnectedStore(slug);
      shops_.push_back({slug, m.token, m.account.account_id, {}, 0});
      svc_.SimControl(
          "PUT", "/rate",
          args.bench
              ? json{{"model", "off"}}
              : json{{"model", "2026"}, {"bucket_size", args.bucket}, {"drip_rate", args.drip}},
          m.account.account_id);
      Reply item =
          svc_.Call("PUT", "/api/v1/items/HELMET", testing_support::HelmetItem().dump(), m.token);
      ASSERT_LT(item.status, 300) << item.raw;
      if (args.delay_ms > 0)
        svc_.SimControl("POST", "/faults",
                        {{"action", "delay"}, {"delay_ms", args.delay_ms}, {"count", "unlimited"}},
                        m.account.account_id);
      // The bound counts the run's units only, not the connecting and settings checks.
      svc_.SimControl("DELETE", "/stats", nullptr, m.account.account_id);
    }
  }

  std::vector<std::string> NodeEnvironment(int threads) {
    testing_support::WorkerEnv w{svc_.db_url(), (svc_.dir() / "spoke.key").string(),
                                 svc_.simulator().BaseUrl(), svc_.account().client_id,
                                 svc_.account().client_secret};
    w.threads = threads;
    w.lease_seconds = 3;
    return testing_support::WorkerEnvironment(w);
  }

  ChildProcess StartNode(const std::string& role, const std::string& name, int port) {
    std::vector<std::string> env = NodeEnvironment(args.threads);
    env.push_back("SPOKE_WORKER_NODE_NAME=" + name);
    if (port) env.push_back("SPOKE_SERVER_LISTEN=127.0.0.1:" + std::to_string(port));
    ChildProcess child;
    std::string error;
    EXPECT_TRUE(
        child.Start({SPOKE_BINARY, role}, env, (svc_.dir() / (name + ".log")).string(), &error))
        << error;
    return child;
  }

  Reply Call(int port, const std::string& method, const std::string& path, const json& body,
             const std::string& token) {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30, 0);
    httplib::Headers h{{"Authorization", "Bearer " + token}};
    auto r = method == "PUT"    ? c.Put(path.c_str(), h, body.dump(), "application/json")
             : method == "POST" ? c.Post(path.c_str(), h, body.dump(), "application/json")
                                : c.Get(path.c_str(), h);
    Reply out;
    if (!r) return out;
    out.status = r->status;
    out.raw = r->body;
    out.body = json::parse(r->body, nullptr, false);
    return out;
  }

  // Sales Lightspeed has received, all accounts: one request, cheap enough to ask often.
  int SalesPosted() {
    httplib::Client c(svc_.simulator().BaseUrl());
    auto r = c.Get("/_sim/stats");
    if (!r || r->status != 200) return 0;
    const json j = json::parse(r->body, nullptr, false);
    return j.is_object() ? j["requests"].value("POST Sale", 0) : 0;
  }

  // Orders spoke has recorded as exported: a query per store, so asked only once Lightspeed has
  // every sale (asked every 100 ms throughout, 1,000 stores' queries cost the nodes measurably).
  int Exported() {
    int n = 0;
    for (const Shop& s : shops_) {
      auto id = svc_.db().FindStore(s.slug);
      if (!id.ok()) continue;
      auto counts = svc_.db().CountExports(id->id);
      if (counts.ok()) n += static_cast<int>((*counts)[shop::ExportState::kExported]);
    }
    return n;
  }

  TestService svc_;
  std::vector<Shop> shops_;
};

TEST_F(MultiNode, R20R22ThreeNodesOnePostgresAWorkerKilledHalfwayEveryOrderOnce) {
  ASSERT_NO_FATAL_FAILURE(SetUpShops());
  const int port = FreePort();
  ASSERT_GT(port, 0);
  ChildProcess serve = StartNode("serve", "serve-1", port);
  std::vector<ChildProcess> workers;
  for (int w = 1; w <= args.workers; ++w)
    workers.push_back(StartNode("worker", "worker-" + std::to_string(w), 0));
  const bool kill_one = !args.bench && !workers.empty();
  bool answered = false;
  for (int i = 0; i < 100 && !answered; ++i) {  // once it has migrated and listens
    answered = Call(port, "GET", "/healthz", nullptr, "").status == 200;
    if (!answered) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!answered) {
    serve.Ended();  // so Describe() tells how it ended, if it did
    const std::string why =
        "spoke serve " + serve.Describe() + ": " + LastLine(svc_.dir() / "serve-1.log");
    if (args.bench) PrintRow(0, 0, 0, 0, 0, why);
    FAIL() << why;
  }

  // Orders spread over the shops; three orders per new customer.
  const auto intake = Clock::now();
  for (int i = 0; i < args.orders; ++i) {
    Shop& s = shops_[static_cast<size_t>(i % args.accounts)];
    const int nth = static_cast<int>(s.numbers.size());
    const std::string number = "M" + std::to_string(100000 + i);
    const std::string email = "c" + std::to_string(nth / 3) + "." + s.slug + "@example.com";
    if (nth % 3 == 0) ++s.customers;
    Reply put = Call(port, "PUT", "/api/v1/orders/" + number,
                     testing_support::HelmetOrder(number, email), s.token);
    ASSERT_EQ(put.status, 201) << put.raw;
    s.numbers.push_back(number);
  }
  // The run: from the first export request until the last sale.
  const auto started = Clock::now();
  double cpu_before_run = CpuSeconds(serve.pid());
  for (const ChildProcess& w : workers) cpu_before_run += CpuSeconds(w.pid());
  const double sim_cpu_before_run = CpuSeconds(::getpid());
  std::printf("%d orders taken in %.1f s\n", args.orders,
              std::chrono::duration<double>(started - intake).count());
  for (Shop& s : shops_) {
    Reply q = Call(port, "POST", "/api/v1/exports", {{"orders", s.numbers}}, s.token);
    ASSERT_EQ(q.status, 200) << q.raw;
  }

  const int deadline_s = args.deadline_seconds ? args.deadline_seconds
                                               : 60 + 2 * args.orders / std::max(1, args.accounts);
  const auto deadline = started + std::chrono::seconds(deadline_s);
  bool killed = false;
  int exported = 0;
  bool all_posted = false;
  while (Clock::now() < deadline) {
    if (!all_posted) {
      const int posted = SalesPosted();
      all_posted = posted >= args.orders;
      exported = std::min(posted, args.orders);  // a sale is recorded just after it is posted
    }
    if (all_posted) exported = Exported();
    if (kill_one && !killed && exported >= args.orders / 2) {
      ::kill(workers[0].pid(), SIGKILL);
      ASSERT_TRUE(workers[0].WaitEnded(std::chrono::seconds(10)));
      killed = true;
      std::printf("worker-1 killed at %d of %d exported, %.1f s in\n", exported, args.orders,
                  std::chrono::duration<double>(Clock::now() - started).count());
    }
    if (all_posted && exported == args.orders) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(all_posted ? 20 : 100));
  }
  const double run_s = std::chrono::duration<double>(Clock::now() - started).count();
  // The nodes' CPU time (user + system) during the run, read before they stop.
  double cpu_s = CpuSeconds(serve.pid()) - cpu_before_run;
  for (size_t w = kill_one ? 1 : 0; w < workers.size(); ++w) cpu_s += CpuSeconds(workers[w].pid());
  const double sim_cpu_s = CpuSeconds(::getpid()) - sim_cpu_before_run;
  if (kill_one) {
    EXPECT_TRUE(killed) << "the run ended before a worker could be killed halfway";
  }
  EXPECT_EQ(exported, args.orders) << "not every order was exported within " << deadline_s << " s";
  for (size_t w = kill_one ? 1 : 0; w < workers.size(); ++w) {
    EXPECT_TRUE(workers[w].Stop(std::chrono::seconds(20)));
    EXPECT_EQ(workers[w].Describe(), "exited with 0");
  }
  EXPECT_TRUE(serve.Stop(std::chrono::seconds(20)));
  EXPECT_EQ(serve.Describe(), "exited with 0");

  // Lightspeed's side, account by account.
  double slowest_bound = 0;
  int limited = 0;
  std::printf("%-8s %7s %6s %9s %6s %8s %8s\n", "account", "orders", "sales", "customers", "429s",
              "units", "bound_s");
  for (const Shop& s : shops_) {
    const json stats = svc_.SimControl("GET", "/stats", nullptr, s.account_id);
    double units = 0;
    for (const auto& [kind, u] : stats["units"].items()) units += u.get<double>();
    const double bound = std::max(0.0, units - args.bucket) / args.drip;
    slowest_bound = std::max(slowest_bound, bound);
    const int sales = stats["requests"].value("POST Sale", 0);
    const int customers = stats["requests"].value("POST Customer", 0);
    std::printf("%-8s %7zu %6d %9d %6d %8.1f %8.1f\n", s.slug.c_str(), s.numbers.size(), sales,
                customers, stats.value("rate_limited", 0), units, bound);
    EXPECT_TRUE(stats["duplicate_references"].empty()) << s.slug << ": " << stats.dump();
    EXPECT_EQ(sales, static_cast<int>(s.numbers.size())) << s.slug << ": one sale per order";
    EXPECT_EQ(customers, s.customers) << s.slug << ": one customer per e-mail";
    EXPECT_EQ(stats.value("rate_limited", 0), 0) << s.slug << ": no 429";
    limited += stats.value("rate_limited", 0);
  }
  std::printf("run %.1f s; slowest account's bucket bound %.1f s; ratio %.2f (at most %.2f)\n",
              run_s, slowest_bound, run_s / std::max(slowest_bound, 0.001), args.max_ratio);
  if (args.bench) {
    std::printf("BENCH %s nodes=%d accounts=%d orders=%d delay_ms=%d run_s=%.2f sales_per_s=%.1f\n",
                args.postgres ? "postgresql" : "sqlite", 1 + args.workers, args.accounts,
                args.orders, args.delay_ms, run_s, exported / std::max(run_s, 0.001));
    PrintRow(run_s, exported, cpu_s, sim_cpu_s, limited);
    return;
  }
  EXPECT_LE(run_s, args.max_ratio * slowest_bound) << "the accounts did not drain side by side";
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--bench") {
      args.bench = true;
      continue;
    }
    if (flag == "--sqlite") {
      args.postgres = false;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s needs a value\n", flag.c_str());
      return 2;
    }
    ++i;
    const double v = std::atof(argv[i]);
    if (flag == "--threads")
      args.threads = static_cast<int>(v);
    else if (flag == "--delay-ms")
      args.delay_ms = static_cast<int>(v);
    else if (flag == "--workers")
      args.workers = static_cast<int>(v);
    else if (flag == "--accounts")
      args.accounts = static_cast<int>(v);
    else if (flag == "--orders")
      args.orders = static_cast<int>(v);
    else if (flag == "--bucket")
      args.bucket = v;
    else if (flag == "--drip")
      args.drip = v;
    else if (flag == "--deadline-seconds")
      args.deadline_seconds = static_cast<int>(v);
    else if (flag == "--max-ratio")
      args.max_ratio = v;
    else if (flag == "--sim-threads")
      args.sim_threads = static_cast<int>(v);
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (args.accounts < 1 || args.orders < args.accounts) {
    std::fprintf(stderr, "need at least one account and one order per account\n");
    return 2;
  }
  return RUN_ALL_TESTS();
}
