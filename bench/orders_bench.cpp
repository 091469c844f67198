// Orders benchmark: PUT 10,000 orders over HTTP, then list page 1 of 100,000 orders.
// A real server on loopback over a real SQLite file. Prints a table; asserts nothing.
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "api/api.h"
#include "base/secrets.h"
#include "store/store.h"
#include "tests/support/api_json.h"
#include "tests/support/bench_rows.h"
#include "web/server.h"

using testing_support::Grouped;

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

json Order(int n) {
  char placed[32];
  std::snprintf(placed, sizeof placed, "2026-%02d-%02dT%02d:%02d:00Z", 1 + n % 11, 1 + n % 28,
                n % 24, n % 60);
  return {{"number", std::to_string(100000 + n)},
          {"placed_at", placed},
          {"customer",
           {{"email", "c" + std::to_string(n % 5000) + "@example.com"},
            {"first_name", "Ann"},
            {"last_name", "Lee"}}},
          {"billing_address",
           {{"line1", "1 Main St"},
            {"city", "Boulder"},
            {"region", "CO"},
            {"postal_code", "80302"},
            {"country", "US"}}},
          {"lines",
           {{{"sku", "BIKE"}, {"quantity", 1}, {"unit_price", "899.99"}},
            {{"sku", "TUBE"}, {"quantity", 2}, {"unit_price", "8.99"}}}},
          {"shipping", {{"method", "UPS Ground"}, {"amount", "25.00"}}},
          {"tax", "75.73"},
          {"total", "1018.70"},
          {"payments", {{{"id", "p1"}, {"method", "Stripe"}, {"amount", "1018.70"}}}}};
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::atomic<int> put_failures{0};

// PUTs orders [from, to) with `threads` keep-alive clients; returns wall seconds.
double PutOrders(int port, const std::string& token, int from, int to, int threads) {
  std::atomic<int> next{from}, failures{0};
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      httplib::Client c("127.0.0.1", port);
      c.set_keep_alive(true);
      c.set_tcp_nodelay(true);
      httplib::Headers h{{"Authorization", "Bearer " + token}};
      for (int n = next++; n < to; n = next++) {
        auto r = c.Put(("/api/v1/orders/" + std::to_string(100000 + n)).c_str(), h, Order(n).dump(),
                       "application/json");
        if (!r || r->status >= 300) ++failures;
      }
    });
  }
  for (auto& t : pool) t.join();
  if (failures) std::fprintf(stderr, "%d PUTs failed\n", failures.load());
  put_failures += failures;
  return Seconds(Clock::now() - start);
}

}  // namespace

int main(int argc, char** argv) {
  const int put_count = 10000, list_total = argc > 1 ? std::atoi(argv[1]) : 100000;
  const auto dir =
      std::filesystem::temp_directory_path() / ("spoke-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto db = store::Open("sqlite://" + (dir / "spoke.db").string());
  if (!db.ok()) return 1;
  auto info = (*db)->CreateStore("bench", "bench", "USD");
  const std::string token = "spk_bench";
  (void)(*db)->AddApiToken(info->id, base::Sha256Hex(token), "");
  api::Api api(**db, base::SystemClock(), {});
  for (auto [sku, price] : {std::pair{"BIKE", "899.99"}, {"TUBE", "8.99"}})
    (void)testing_support::PutItemJson(api, info->id, sku,
                                       json{{"description", sku}, {"price", price}});
  web::ServerOptions o;
  o.threads = 8;
  auto server = web::CreateServer(o, api, **db);
  const int port = *server->Start();

  std::printf("| measurement | value |\n|---|---|\n");
  const double put1 = PutOrders(port, token, 0, put_count, 1);
  std::printf("| PUT %d orders, 1 client | %.2f s (%.0f orders/s) |\n", put_count, put1,
              put_count / put1);
  const double put_again = PutOrders(port, token, 0, put_count, 4);
  std::printf("| PUT the same %d orders again (unchanged), 4 clients | %.2f s (%.0f/s) |\n",
              put_count, put_again, put_count / put_again);
  const double fill = PutOrders(port, token, put_count, list_total, 4);
  std::printf("| PUT %d more orders, 4 clients | %.2f s (%.0f orders/s) |\n",
              list_total - put_count, fill, (list_total - put_count) / fill);
  std::vector<std::string> rows;  // bench/README.md's table (bench/run.sh collects ROW lines)
  {
    char row[400];
    std::snprintf(row, sizeof row,
                  "ROW | Orders taken in: PUT /api/v1/orders/{number}, new orders | %s orders, 1 "
                  "client, then %s more with 4 clients, SQLite | %.0f orders/s (1 client), %.0f/s "
                  "(4 clients) | %s refused |",
                  Grouped(put_count).c_str(), Grouped(list_total - put_count).c_str(),
                  put_count / put1, (list_total - put_count) / fill,
                  Grouped(put_failures.load()).c_str());
    rows.push_back(row);
  }

  httplib::Client c("127.0.0.1", port);
  c.set_keep_alive(true);
  c.set_tcp_nodelay(true);
  httplib::Headers h{{"Authorization", "Bearer " + token}};
  for (const char* query : {"/api/v1/orders?limit=50", "/api/v1/orders?limit=50&status=open",
                            "/api/v1/orders?limit=50&export_state=not_exported"}) {
    std::vector<double> ms;
    for (int i = 0; i < 50; ++i) {
      const auto t0 = Clock::now();
      auto r = c.Get(query, h);
      ms.push_back(Seconds(Clock::now() - t0) * 1000);
      if (!r || r->status != 200) std::fprintf(stderr, "list failed\n");
    }
    std::sort(ms.begin(), ms.end());
    std::printf("| GET %s of %d orders: median / p95 | %.1f ms / %.1f ms |\n", query, list_total,
                ms[ms.size() / 2], ms[ms.size() * 95 / 100]);
    if (std::string(query) == "/api/v1/orders?limit=50") {
      char row[400];
      std::snprintf(row, sizeof row,
                    "ROW | Orders list, page 1: GET /api/v1/orders?limit=50 | %s orders in one "
                    "store, SQLite, 50 runs | p50 %.1f ms / p95 %.1f ms | — |",
                    Grouped(list_total).c_str(), ms[ms.size() / 2], ms[ms.size() * 95 / 100]);
      rows.push_back(row);
    }
  }
  for (const std::string& row : rows) std::printf("%s\n", row.c_str());
  server->Stop();
  std::filesystem::remove_all(dir);
  return 0;
}
