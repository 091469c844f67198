// The client against lsr-sim in real time: 300 mixed requests at bucket 90 / drip 10 on the 2026
// model. Prints the units spent, the time the bucket arithmetic allows, the time taken, and 429s.
// `lightspeed_bench N off` runs the same mix under rate model `off` and prints requests per
// second: what the client and the emulator manage when nothing is rate limited (issue 12).
// `lightspeed_bench N inflight [DELAY_MS]` starts N GET Shop requests at once from one thread
// through Transport::Start, each delayed DELAY_MS (150) by the sim, and prints the wall time to
// the last answer and the threads the process gained meanwhile (the transport's, issue 12).
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "lightspeed/client.h"
#include "lightspeed/memory_vault_test_util.h"
#include "sim/sim.h"

using nlohmann::json;
using namespace lightspeed;

static int ThreadsNow() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("Threads:", 0) == 0) return std::atoi(line.c_str() + 8);
  return -1;
}

// N requests in flight from this thread, each delayed `delay_ms` by the sim.
static int InFlight(sim::Simulator& simulator, httplib::Client& control, const sim::AccountInfo& a,
                    TokenManager& tokens, int requests, int delay_ms) {
  control.Post(("/_sim/accounts/" + a.account_id + "/faults").c_str(),
               json::array({{{"method", "GET"},
                             {"path", "Shop"},
                             {"action", "delay"},
                             {"delay_ms", delay_ms},
                             {"count", "unlimited"}}})
                   .dump(),
               "application/json");
  HttpRequest req;
  req.url = simulator.BaseUrl() + "/API/V3/Account/" + a.account_id + "/Shop.json";
  auto token = tokens.AccessToken();
  if (!token.ok()) return 1;
  req.headers["Authorization"] = "Bearer " + *token;
  req.headers["Accept"] = "application/json";
  const int threads_before = ThreadsNow();
  auto transport = CreateCurlTransport({});
  std::mutex mu;
  std::condition_variable cv;
  int answered = 0, failures = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < requests; ++i)
    transport->Start(req, [&](HttpResponse r) {
      std::lock_guard<std::mutex> lock(mu);
      failures += r.delivery != Delivery::kAnswered || r.status != 200;
      ++answered;
      cv.notify_all();
    });
  int peak = ThreadsNow();
  {
    std::unique_lock<std::mutex> lock(mu);
    while (answered < requests) {
      cv.wait_for(lock, std::chrono::milliseconds(10));
      peak = std::max(peak, ThreadsNow());
    }
  }
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("| requests in flight | delay | took | threads added | failures |\n");
  std::printf("|---|---|---|---|---|\n");
  std::printf("| %d | %d ms | %.2f s | %d | %d |\n", requests, delay_ms, took,
              peak - threads_before, failures);
  std::printf(
      "ROW | Lightspeed transport, requests in flight from one thread (Transport::Start) | %d GET "
      "Shop, each delayed %d ms by lsr-sim | %.2f s to the last answer, %d thread(s) added | "
      "one after another: %.0f s; %d failed |\n",
      requests, delay_ms, took, peak - threads_before, requests * delay_ms / 1000.0, failures);
  return failures == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  const int requests = argc > 1 ? std::atoi(argv[1]) : 300;
  const bool off = argc > 2 && std::string(argv[2]) == "off";
  const bool inflight = argc > 2 && std::string(argv[2]) == "inflight";
  auto simulator = sim::Simulator::Create({});
  const int port = *simulator->Start();
  const sim::AccountInfo a = simulator->CreateAccount("Bench Cycles", 1, true);
  httplib::Client control("127.0.0.1", port);
  control.Put(("/_sim/accounts/" + a.account_id + "/rate").c_str(),
              (off || inflight ? json{{"model", "off"}}
                               : json{{"model", "2026"}, {"bucket_size", 90}, {"drip_rate", 10}})
                  .dump(),
              "application/json");
  auto transport = CreateCurlTransport({});
  OAuthClient oauth({simulator->BaseUrl(), a.client_id, a.client_secret}, *transport);
  MemoryVault vault(a.refresh_token);
  TokenManager tokens(vault, oauth, base::SystemClock());
  ClientOptions o;
  o.api_base = simulator->BaseUrl();
  o.account_id = a.account_id;
  o.transport = transport.get();
  o.tokens = &tokens;
  Client client(o);
  (void)base::SyncWait(client.GetAccount());  // token and first bucket reading outside the timing
  if (inflight) {
    const int code =
        InFlight(*simulator, control, a, tokens, requests, argc > 3 ? std::atoi(argv[3]) : 150);
    (void)simulator->Stop();
    return code;
  }
  control.Delete(("/_sim/accounts/" + a.account_id + "/stats").c_str());
  const auto start = std::chrono::steady_clock::now();
  int failures = 0;
  for (int i = 0; i < requests; ++i) {
    bool ok = true;
    switch (i % 5) {
      case 0:
        ok = base::SyncWait(client.FindItems(ItemKey::kUpc, "735000000117")).ok();
        break;
      case 1:
        ok = base::SyncWait(client.FindCustomersByEmail("turing@example.com")).ok();
        break;
      case 2: {
        NewSale s;
        s.shop_id = a.shop_id;
        s.register_id = a.register_id;
        s.employee_id = a.employee_id;
        s.reference_number = "B" + std::to_string(i);
        s.reference_source = "web";
        s.tax_category_id = "0";
        s.lines.push_back({"11", 1, base::Money::FromCents(899), {}, false, ""});
        s.lines.push_back({"0", 1, base::Money::FromCents(500), {}, false, "Shipping"});
        s.payments.push_back({"1", base::Money::FromCents(1399)});
        ok = base::SyncWait(client.CreateSale(s)).ok();
        break;
      }
      case 3:
        ok = base::SyncWait(client.CreateCustomer({"A", "B", "b" + std::to_string(i) + "@x.com",
                                                   std::nullopt, std::nullopt}))
                 .ok();
        break;
      default:
        ok = base::SyncWait(client.FindSales("B" + std::to_string(i - 2), "web")).ok();
    }
    failures += !ok;
  }
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto stats =
      json::parse(control.Get(("/_sim/accounts/" + a.account_id + "/stats").c_str())->body);
  double units = 0;
  for (auto& [k, v] : stats["units"].items()) units += v.get<double>();
  const double floor_s = std::max(0.0, (units - 90) / 10);
  if (off) {
    std::printf("| requests (rate model off) | took | requests/s | failures |\n");
    std::printf("|---|---|---|---|\n");
    std::printf("| %d | %.2f s | %.0f | %d |\n", requests, took, requests / took, failures);
    std::printf(
        "ROW | Lightspeed client against lsr-sim, rate model off | %d mixed requests from "
        "one thread | %.0f requests/s | %d failed |\n",
        requests, requests / took, failures);
    (void)simulator->Stop();
    return 0;
  }
  std::printf("| requests | units | bucket arithmetic allows | took | over | 429s | failures |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  std::printf("| %d | %.1f | %.1f s | %.1f s | %+.1f %% | %d | %d |\n", requests, units, floor_s,
              took, 100 * (took - floor_s) / floor_s, stats["rate_limited"].get<int>(), failures);
  std::printf(
      "ROW | Lightspeed client: time for its units vs the bucket bound | %d mixed requests "
      "from one thread, 2026 model, bucket 90, drip 10/s | %.1f s for %.1f units (%+.1f "
      "%%) | bucket bound %.1f s, %d × 429, %d failed |\n",
      requests, took, units, 100 * (took - floor_s) / floor_s, floor_s,
      stats["rate_limited"].get<int>(), failures);
  (void)simulator->Stop();
  return 0;
}
