// Order search benchmark (issue 14): one store of 1,000,000 orders (and three smaller stores beside
// it) on SQLite and on a throwaway PostgreSQL, then p50/p95 of the Open Orders page's queries
// through the store API: search by number, e-mail fragment and name fragment, with the filters and
// sorts, and the count the page shows. Prints a table; asserts nothing.
//   order_search [ORDERS=1000000] [sqlite|postgres|both|postgresql://…]
// (a URL: that empty database instead of a throwaway server, e.g. to look at query plans after)
// The orders are made by one INSERT … SELECT per store inside the database (no lines or payments:
// a page loads those per shown row whatever the search, and orders_bench measures that).
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "store/store.h"
#include "tests/support/pg_cluster.h"

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

constexpr int kFirstNames = 40, kSyllables = 30;
const char* const kFirst[kFirstNames] = {
    "Ann",  "Bob",  "Carla", "Dee",  "Eli",  "Fran", "Gus",   "Hana", "Ivan", "Jo",
    "Kim",  "Liam", "Mia",   "Ned",  "Olga", "Pat",  "Quinn", "Rosa", "Sam",  "Tess",
    "Uma",  "Vic",  "Wade",  "Xena", "Yuri", "Zoë",  "Abel",  "Bea",  "Cyd",  "Dara",
    "Emil", "Flo",  "Gil",   "Hugo", "Iris", "Jude", "Kai",   "Lena", "Milo", "Nora"};
const char* const kSyllable[kSyllables] = {
    "smi", "th",  "lee", "ber", "gar", "mon",   "ken", "dal",  "ros",   "vik",
    "hal", "ton", "wes", "ley", "mar", "tin",   "son", "ford", "brook", "cas",
    "sel", "rig", "ham", "nor", "pel", "quist", "ure", "oz",   "fitz",  "gal"};
const char* const kDomains[4] = {"gmail.com", "example.com", "fastmail.fm", "outlook.com"};

// The synthetic customer of order n (the same rule as the SQL below, for picking search terms).
std::string LastName(int64_t n) {
  std::string s = std::string(kSyllable[(n / kFirstNames) % kSyllables]) +
                  kSyllable[(n / (kFirstNames * kSyllables)) % kSyllables];
  s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}
std::string Email(int64_t n) {
  std::string first = kFirst[n % kFirstNames], last = LastName(n);
  for (char& c : first)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  last[0] = static_cast<char>(last[0] - 'A' + 'a');
  return first + "." + last + std::to_string(n % 997) + "@" + kDomains[n % 4];
}

// Portable SQL (SQLite and PostgreSQL): helper tables, then `count` orders for `store`.
std::string FillSql(int64_t store, int64_t count) {
  std::string sql =
      "CREATE TEMP TABLE IF NOT EXISTS bench_first (i INTEGER PRIMARY KEY, s TEXT NOT NULL);"
      "CREATE TEMP TABLE IF NOT EXISTS bench_syl (i INTEGER PRIMARY KEY, s TEXT NOT NULL);"
      "CREATE TEMP TABLE IF NOT EXISTS bench_domain (i INTEGER PRIMARY KEY, s TEXT NOT NULL);"
      "DELETE FROM bench_first; DELETE FROM bench_syl; DELETE FROM bench_domain;";
  const auto values = [&](const char* table, const char* const* names, int n) {
    sql += std::string("INSERT INTO ") + table + " VALUES ";
    for (int i = 0; i < n; ++i)
      sql += (i ? ",(" : "(") + std::to_string(i) + ",'" + names[i] + "')";
    sql += ";";
  };
  values("bench_first", kFirst, kFirstNames);
  values("bench_syl", kSyllable, kSyllables);
  values("bench_domain", kDomains, 4);
  // 80 % completed and exported, the rest open, processing or shipped; 1 in 97 unbalanced, 1 in 50
  // stopped in needs_attention. Placed every 30 s, order numbers 100001 upwards.
  sql +=
      "INSERT INTO orders (store_id, number, placed_at, status, currency, email, first_name, "
      "last_name, order_discount_cents, shipping_method, shipping_cents, tax_cents, total_cents, "
      "export_state, updated_at, hold) "
      "WITH RECURSIVE g(n) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT n + 1 FROM g WHERE n < " +
      std::to_string(count) + ") SELECT " + std::to_string(store) +
      ", CAST(100000 + n AS TEXT), 1700000000 + n * 30, "
      "CASE WHEN n % 10 < 8 THEN 'completed' WHEN n % 10 = 8 THEN 'open' WHEN n % 20 = 9 THEN "
      "'processing' ELSE 'shipped' END, 'USD', "
      "lower(f.s) || '.' || a.s || b.s || CAST(n % 997 AS TEXT) || '@' || d.s, f.s, "
      "upper(substr(a.s, 1, 1)) || substr(a.s, 2) || b.s, 0, 'UPS Ground', 2500, 0, "
      "2500 + (n * 7919) % 200000, "
      "CASE WHEN n % 10 < 8 THEN 'exported' WHEN n % 50 = 9 THEN 'needs_attention' ELSE "
      "'not_exported' END, 1700000000, CASE WHEN n % 97 = 0 THEN 'unbalanced' ELSE '' END "
      "FROM g JOIN bench_first f ON f.i = n % 40 JOIN bench_syl a ON a.i = (n / 40) % 30 "
      "JOIN bench_syl b ON b.i = (n / 1200) % 30 JOIN bench_domain d ON d.i = n % 4;";
  return sql;
}

bool ExecSqlite(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  bool ok = sqlite3_open(path.c_str(), &db) == SQLITE_OK;
  char* err = nullptr;
  if (ok)
    ok =
        sqlite3_exec(db, ("BEGIN;" + sql + "COMMIT;").c_str(), nullptr, nullptr, &err) == SQLITE_OK;
  if (!ok) std::fprintf(stderr, "sqlite: %s\n", err ? err : sqlite3_errmsg(db));
  sqlite3_free(err);
  sqlite3_close(db);
  return ok;
}

bool ExecPostgres(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  bool ok = PQstatus(c) == CONNECTION_OK;
  if (ok) {
    PGresult* r = PQexec(c, ("SET client_min_messages = warning;BEGIN;" + sql + "COMMIT;").c_str());
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (ok) {  // the planner needs statistics; a vacuum lets counts use index-only scans
      r = PQexec(c, "VACUUM ANALYZE orders");
      ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
    }
  }
  if (!ok) std::fprintf(stderr, "postgres: %s\n", PQerrorMessage(c));
  PQfinish(c);
  return ok;
}

struct Case {
  std::string name;
  std::function<store::OrderFilter(std::mt19937_64&)> make;
  bool count = false;  // CountOrders (capped as the page does) instead of ListOrders
};

void Run(const char* backend, const std::string& url, int64_t total,
         const std::function<bool(const std::string&)>& exec) {
  auto opened = store::Open(url);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s: %s\n", backend, opened.error().message.c_str());
    return;
  }
  std::unique_ptr<store::Store> db = std::move(*opened);
  std::vector<store::StoreId> ids;
  for (const char* slug : {"busy", "small-a", "small-b", "small-c"}) {
    auto s = db->CreateStore(slug, slug, "USD");
    if (!s.ok()) return;
    ids.push_back(s->id);
  }
  const auto fill_start = Clock::now();
  std::string sql = FillSql(ids[0].value, total);
  for (size_t i = 1; i < ids.size(); ++i) sql += FillSql(ids[i].value, 20000);
  if (!exec(sql)) return;
  std::printf(
      "| %s | fill %lld + 3 x 20000 orders (one transaction, indexes and triggers on) | "
      "%.1f s |\n",
      backend, static_cast<long long>(total), Seconds(Clock::now() - fill_start));

  const store::StoreId busy = ids[0];
  const auto open_orders = [] {
    store::OrderFilter f;
    f.statuses = {shop::OrderStatus::kOpen, shop::OrderStatus::kProcessing,
                  shop::OrderStatus::kShipped};
    f.limit = 25;
    return f;
  };
  const auto any_n = [total](std::mt19937_64& r) {
    return static_cast<int64_t>(r() % static_cast<uint64_t>(total)) + 1;
  };
  // A term taken from a random order's customer: a name fragment (4–6 letters of a last name),
  // an e-mail fragment (8 characters from the middle).
  const auto name_part = [&](std::mt19937_64& r) {
    const std::string last = LastName(any_n(r));
    const size_t len = std::min<size_t>(last.size(), 4 + r() % 3);
    return last.substr(r() % (last.size() - len + 1), len);
  };
  const auto email_part = [&](std::mt19937_64& r) {
    const std::string e = Email(any_n(r));
    return e.substr(r() % (e.find('@') - 4), 8);
  };
  std::vector<Case> cases = {
      {"Open Orders, page 1, newest first", [&](auto&) { return open_orders(); }},
      {"Open Orders, page 1, total high to low",
       [&](auto&) {
         auto f = open_orders();
         f.sort = store::OrderSort::kTotalHigh;
         return f;
       }},
      {"Can't export: needs action, page 1",
       [&](auto&) {
         auto f = open_orders();
         f.needs_action = true;
         return f;
       }},
      {"q = an order number (exact)",
       [&](std::mt19937_64& r) {
         auto f = open_orders();
         f.statuses.clear();
         f.q = std::to_string(100000 + any_n(r));
         return f;
       }},
      {"q = a number prefix of 4 digits",
       [&](std::mt19937_64& r) {
         auto f = open_orders();
         f.q = std::to_string(100000 + any_n(r)).substr(0, 4);
         return f;
       }},
      {"q = an e-mail fragment (8 chars)",
       [&](std::mt19937_64& r) {
         auto f = open_orders();
         f.q = email_part(r);
         return f;
       }},
      {"q = a name fragment (4-6 letters)",
       [&](std::mt19937_64& r) {
         auto f = open_orders();
         f.q = name_part(r);
         return f;
       }},
      {"q = name fragment + not exported + total high to low",
       [&](std::mt19937_64& r) {
         auto f = open_orders();
         f.q = name_part(r);
         f.export_state = shop::ExportState::kNotExported;
         f.sort = store::OrderSort::kTotalHigh;
         return f;
       }},
      {"q = a first name and last name (\"ann smith\" style)",
       [&](std::mt19937_64& r) {
         auto f = open_orders();
         const int64_t n = any_n(r);
         f.q = std::string(kFirst[n % kFirstNames]) + " " + LastName(n);
         return f;
       }},
      {"q = \"gmail\" (a quarter of all orders match)",
       [&](auto&) {
         auto f = open_orders();
         f.q = "gmail";
         return f;
       }},
      {"count: Open Orders (capped at 10000)", [&](auto&) { return open_orders(); }, true},
      {"count: needs action",
       [&](auto&) {
         auto f = open_orders();
         f.needs_action = true;
         return f;
       },
       true},
      {"count: q = a name fragment",
       [&](std::mt19937_64& r) {
         auto f = open_orders();
         f.q = name_part(r);
         return f;
       },
       true},
      {"count: q = an e-mail fragment",
       [&](std::mt19937_64& r) {
         auto f = open_orders();
         f.q = email_part(r);
         return f;
       },
       true},
      {"count: q = \"gmail\"",
       [&](auto&) {
         auto f = open_orders();
         f.q = "gmail";
         return f;
       },
       true},
  };
  const int runs = 60;
  for (const Case& c : cases) {
    std::mt19937_64 rng(14);
    std::vector<double> ms;
    size_t rows = 0;
    double slowest = 0;
    std::string slowest_q;
    for (int i = 0; i < runs + 5; ++i) {
      const store::OrderFilter f = c.make(rng);
      const auto t0 = Clock::now();
      if (c.count) {
        auto n = db->CountOrders(busy, f, 10000);
        if (!n.ok()) std::fprintf(stderr, "%s: %s\n", c.name.c_str(), n.error().message.c_str());
        if (n.ok()) rows += static_cast<size_t>(*n);
      } else {
        auto page = db->ListOrders(busy, f);
        if (!page.ok())
          std::fprintf(stderr, "%s: %s\n", c.name.c_str(), page.error().message.c_str());
        if (page.ok()) rows += page->orders.size();
      }
      if (i >= 5) ms.push_back(Ms(Clock::now() - t0));  // the first few warm the cache
      if (i >= 5 && ms.back() > slowest) {
        slowest = ms.back();
        slowest_q = f.q;
      }
    }
    std::sort(ms.begin(), ms.end());
    if (!slowest_q.empty())
      std::fprintf(stderr, "%s: %s: slowest q \"%s\" %.1f ms\n", backend, c.name.c_str(),
                   slowest_q.c_str(), slowest);
    std::printf("| %s | %s: p50 / p95 (mean %s %.0f) | %.1f ms / %.1f ms |\n", backend,
                c.name.c_str(), c.count ? "count" : "rows", static_cast<double>(rows) / (runs + 5),
                ms[ms.size() / 2], ms[ms.size() * 95 / 100]);
    std::fflush(stdout);
  }
  // Paging: Next four times, then Previous back, on the Open Orders list.
  {
    std::vector<double> ms;
    store::OrderFilter f = open_orders();
    for (int i = 0; i < 4; ++i) {
      const auto t0 = Clock::now();
      auto page = db->ListOrders(busy, f);
      ms.push_back(Ms(Clock::now() - t0));
      if (!page.ok()) break;
      f.cursor = page->next_cursor;
    }
    std::sort(ms.begin(), ms.end());
    std::printf("| %s | Open Orders, Next x4: max | %.1f ms |\n", backend, ms.back());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t total = argc > 1 ? std::atoll(argv[1]) : 1000000;
  const std::string which = argc > 2 ? argv[2] : "both";
  std::printf("| backend | measurement | value |\n|---|---|---|\n");
  if (which == "both" || which == "sqlite") {
    const auto dir =
        std::filesystem::temp_directory_path() / ("spoke-order-search-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "spoke.db").string();
    Run("SQLite", "sqlite://" + path, total,
        [&](const std::string& sql) { return ExecSqlite(path, sql); });
    if (std::getenv("ORDER_SEARCH_KEEP"))  // to look at query plans afterwards
      std::fprintf(stderr, "kept %s\n", path.c_str());
    else
      std::filesystem::remove_all(dir);
  }
  if (which.rfind("postgresql://", 0) == 0) {
    Run("PostgreSQL", which, total,
        [&](const std::string& sql) { return ExecPostgres(which, sql); });
  } else if (which == "both" || which == "postgres") {
    auto cluster = testsupport::PgCluster::Start();
    if (!cluster.ok()) {
      std::fprintf(stderr, "PostgreSQL: %s\n", cluster.error().message.c_str());
      return 1;
    }
    auto url = (*cluster)->CreateDatabase("bench");
    if (!url.ok()) return 1;
    Run("PostgreSQL", *url, total, [&](const std::string& sql) { return ExecPostgres(*url, sql); });
  }
  return 0;
}
