// The network-fault soak (issue #9): many orders exported by spoke while lsr-sim injects faults
// at random on every account (lost answers after commit on every kind of create, answers broken
// mid-way, 500s, 429 storms, answers slower than the client's timeout). Afterwards the whole
// Lightspeed side is checked: one completed sale per order, one customer per e-mail, one item per
// SKU or UPC, one payment type per name, no serial number twice, and every order exported or in
// needs-attention with a reason. Seeded; bounded in count and time; prints a table.
//
//   fault_soak --orders 1000 --seed 7 --stores 3 [--deadline-seconds 600] [--late-writes]
//
// --late-writes also delays POSTs *before* they are served, so a create lands after the client
// has timed out (see docs/lsr-sim.md, `delay`).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "shop/item_codes.h"
#include "tests/support/service.h"

namespace {

using testing_support::json;
using testing_support::Reply;
using testing_support::ServiceOptions;
using testing_support::TestService;
using Clock = std::chrono::steady_clock;

struct Args {
  int orders = 300;
  uint64_t seed = 1;
  int stores = 3;
  int deadline_seconds = 0;  // 0: 45 s plus 0.3 s per order
  bool late_writes = false;
};
Args args;

// The web payment methods and the new Lightspeed payment type each maps to ("" = unmapped: the
// type is named after the method).
const std::pair<const char*, const char*> kMethods[] = {{"Online Payments (Stripe)", "Soak Stripe"},
                                                        {"PayPal", "Soak PayPal"},
                                                        {"Klarna", "Soak Klarna"},
                                                        {"Apple Pay", ""}};

struct CatalogItem {
  std::string sku, upc, price;
  bool serialized = false;
  bool known = false;  // Lightspeed has it already (the demo seed), found by UPC
};

struct Shop {
  std::string slug, token, account_id;
  store::StoreId id;
  std::vector<std::string> numbers;
  std::set<std::string> emails;                             // normalized, as the exporter keys them
  std::map<std::string, std::vector<std::string>> serials;  // order number -> serial numbers
};

std::string Pad(uint64_t n, int width) {
  std::string s = std::to_string(n);
  const size_t w = static_cast<size_t>(width);
  return std::string(s.size() < w ? w - s.size() : 0, '0') + s;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Dollars(int64_t cents) {
  return std::to_string(cents / 100) + "." + Pad(static_cast<uint64_t>(cents % 100), 2);
}

// Digits become '#', so reasons that differ only by ids or amounts group together.
std::string Shape(const std::string& message) {
  std::string out;
  for (char c : message) {
    const bool digit = c >= '0' && c <= '9';
    if (digit && !out.empty() && out.back() == '#') continue;
    out += digit ? '#' : c;
  }
  return out.size() > 110 ? out.substr(0, 110) + "…" : out;
}

std::vector<CatalogItem> Catalog() {
  std::vector<CatalogItem> items;
  items.push_back({"SOAK-HELMET", "735000000070", "129.99", false, true});
  for (int j = 1; j <= 10; ++j)  // new, found or created by UPC
    items.push_back({"SOAK-U" + Pad(j, 2),
                     shop::WithCheckDigit("8" + Pad(args.seed % 100000, 5) + Pad(j, 5)),
                     Dollars(1000 + 137 * j), false, false});
  for (int j = 1; j <= 10; ++j)  // new, no UPC: found or created by custom SKU = web SKU
    items.push_back({"SOAK-S" + Pad(j, 2), "", Dollars(500 + 211 * j), false, false});
  for (int j = 1; j <= 3; ++j)  // new serialized bikes
    items.push_back({"SOAK-BIKE" + Pad(j, 1),
                     shop::WithCheckDigit("9" + Pad(args.seed % 100000, 5) + Pad(j, 5)),
                     Dollars(89900 + 10000 * j), true, false});
  return items;
}

class FaultSoak : public ::testing::Test {
 protected:
  FaultSoak()
      : svc_(ServiceOptions{.lightspeed_timeout_seconds = 1,
                            .workers = 4,
                            .first_backoff = std::chrono::milliseconds(100),
                            .max_backoff = std::chrono::milliseconds(1000),
                            .settle = std::chrono::milliseconds(1000)}),
        rng_(args.seed) {}

  TestService svc_;
  std::mt19937_64 rng_;
  std::vector<Shop> shops_;
  std::vector<CatalogItem> catalog_ = Catalog();
  int refused_at_intake_ = 0;
  std::set<std::string> refunded_;  // "shop|number": refunded while queued, so not exportable
  std::atomic<int> storms_{0};

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  void SetUpShops() {
    svc_.Connect();
    Shop main{"bikes", svc_.token(), svc_.account().account_id, svc_.store_id()};
    shops_.push_back(main);
    for (int k = 1; k < args.stores; ++k) {
      const std::string slug = "soak" + std::to_string(k);
      auto m = svc_.AddConnectedStore(slug);
      shops_.push_back({slug, m.token, m.account.account_id, svc_.db().FindStore(slug)->id});
    }
    json mapping = json::object();
    for (const auto& [method, type] : kMethods)
      if (*type) mapping[method] = type;
    for (Shop& shop : shops_) {
      svc_.SimControl("PUT", "/rate", {{"model", "off"}}, shop.account_id);
      Reply s = svc_.Call("PUT", "/api/v1/settings/lightspeed",
                          json{{"payment_types", mapping}}.dump(), shop.token);
      ASSERT_EQ(s.status, 200) << s.raw;
      for (const CatalogItem& item : catalog_) {
        json body = {{"description", "Soak " + item.sku},
                     {"source", item.known ? "supplier_sync" : "site"},
                     {"price", item.price},
                     {"serialized", item.serialized}};
        if (!item.upc.empty()) body["upc"] = item.upc;
        Reply r = svc_.Call("PUT", "/api/v1/items/" + item.sku, body.dump(), shop.token);
        ASSERT_EQ(r.status, 201) << r.raw;
      }
    }
  }

  // An e-mail of the shop's pool as a customer might type it: sometimes in another case.
  std::string Email(size_t shop, int pool) {
    std::string local = "soak" + std::to_string(args.seed) + ".s" + std::to_string(shop) + ".c" +
                        std::to_string(Uniform(1, pool));
    std::string email = local + "@example.com";
    shops_[shop].emails.insert(email);
    if (Chance(0.3)) {
      for (auto& c : email)
        if (Chance(0.5)) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return email;
  }

  json Order(size_t shop, const std::string& number, int pool) {
    json lines = json::array();
    int64_t total = 0;
    std::set<size_t> used;
    const int n = Uniform(1, 3);
    for (int l = 0; l < n; ++l) {
      size_t pick = static_cast<size_t>(Uniform(0, static_cast<int>(catalog_.size()) - 1));
      // Bikes are rarer than parts: about one order in ten has one.
      if (catalog_[pick].serialized && !Chance(0.3)) pick = static_cast<size_t>(Uniform(0, 20));
      if (!used.insert(pick).second) continue;
      const CatalogItem& item = catalog_[pick];
      const int qty = item.serialized ? 1 : Uniform(1, 2);
      json line = {{"sku", item.sku}, {"quantity", qty}, {"unit_price", item.price}};
      if (item.serialized) {
        const std::string serial =
            "SN" + std::to_string(args.seed) + "-" + number + "-" + std::to_string(l);
        line["serial_numbers"] = {serial};
        shops_[shop].serials[number].push_back(serial);
      }
      const size_t dot = item.price.find('.');
      total += qty * (std::stoll(item.price.substr(0, dot)) * 100 +
                      std::stoll(item.price.substr(dot + 1)));
      lines.push_back(line);
    }
    const int64_t shipping = Chance(0.5) ? 1000 : 0;
    total += shipping;
    json payments = json::array();
    const auto& first = kMethods[Uniform(0, 3)];
    if (Chance(0.2) && total > 200) {
      const int64_t part = total / 3;
      const auto& second = kMethods[Uniform(0, 3)];
      payments.push_back({{"id", "p1"}, {"method", first.first}, {"amount", Dollars(part)}});
      payments.push_back(
          {{"id", "p2"}, {"method", second.first}, {"amount", Dollars(total - part)}});
    } else {
      payments.push_back({{"id", "p1"}, {"method", first.first}, {"amount", Dollars(total)}});
    }
    return {
        {"number", number},
        {"placed_at", "2026-11-20T15:04:05Z"},
        {"customer", {{"email", Email(shop, pool)}, {"first_name", "Soak"}, {"last_name", number}}},
        {"lines", lines},
        {"shipping", {{"method", "UPS Ground"}, {"amount", Dollars(shipping)}}},
        {"tax", "0.00"},
        {"total", Dollars(total)},
        {"payments", payments}};
  }

  void PutOrders() {
    const int per_shop = args.orders / args.stores;
    for (size_t s = 0; s < shops_.size(); ++s) {
      const int count =
          s + 1 == shops_.size() ? args.orders - per_shop * (args.stores - 1) : per_shop;
      const int pool = std::max(2, count / 4);  // about four orders per customer
      for (int i = 0; i < count; ++i) {
        const std::string number = "K" + std::to_string(s) + "-" + Pad(i, 5);
        json order = Order(s, number, pool);
        if (Chance(0.03)) {
          // The intake refuses spaces around an e-mail (422 naming the field) before any export.
          json spaced = order;
          spaced["customer"]["email"] = " " + order["customer"]["email"].get<std::string>() + " ";
          Reply r = svc_.Call("PUT", "/api/v1/orders/" + number, spaced.dump(), shops_[s].token);
          ASSERT_EQ(r.status, 422) << r.raw;
          ASSERT_EQ(r.body["error"]["field"], "customer.email") << r.raw;
          ++refused_at_intake_;
        }
        Reply r = svc_.Call("PUT", "/api/v1/orders/" + number, order.dump(), shops_[s].token);
        ASSERT_EQ(r.status, 201) << r.raw;
        shops_[s].numbers.push_back(number);
      }
    }
  }

  // Every account gets the same mix, each with its own seed.
  void InjectFaults() {
    // Lost answers after commit on every create; rarer creates (a payment type is created once
    // per name and account, an item once per SKU) lose theirs more often, so each kind is hit.
    const std::pair<const char*, double> kDrops[] = {{"Customer", 0.10},
                                                     {"Item", 0.15},
                                                     {"PaymentType", 0.4},
                                                     {"Sale", 0.10},
                                                     {"Serialized", 0.2}};
    const double kReset = 0.03, k500 = 0.03, kDelay = 0.006;
    for (size_t s = 0; s < shops_.size(); ++s) {
      json faults = json::array();
      for (const auto& [entity, drop] : kDrops)
        faults.push_back({{"method", "POST"},
                          {"path", entity},
                          {"action", "drop_after_commit"},
                          {"probability", drop},
                          {"count", "unlimited"}});
      faults.push_back(
          {{"action", "reset_mid_answer"}, {"probability", kReset}, {"count", "unlimited"}});
      faults.push_back({{"action", "error_500"}, {"probability", k500}, {"count", "unlimited"}});
      // Slower than the client's 1 s timeout: writes are saved first, reads just wait.
      faults.push_back({{"method", "POST"},
                        {"action", "delay"},
                        {"delay_ms", 1300},
                        {"after_commit", !args.late_writes},
                        {"probability", kDelay},
                        {"count", "unlimited"}});
      faults.push_back({{"method", "GET"},
                        {"action", "delay"},
                        {"delay_ms", 1300},
                        {"probability", kDelay},
                        {"count", "unlimited"}});
      json answer =
          svc_.SimControl("POST", "/faults", {{"seed", args.seed * 1000 + s}, {"faults", faults}},
                          shops_[s].account_id);
      ASSERT_TRUE(answer.is_array() && answer.size() == faults.size()) << answer.dump();
    }
  }

  // 429 storms: now and then one account answers a run of requests with 429 (Retry-After: 1).
  std::thread StormThread(std::atomic<bool>* stop) {
    const uint64_t seed = rng_();
    const int budget = std::max(2, args.orders / 50);
    return std::thread([this, stop, seed, budget] {
      std::mt19937_64 rng(seed);
      while (!*stop && storms_ < budget) {
        const auto pause =
            std::chrono::milliseconds(std::uniform_int_distribution<int>(1500, 4500)(rng));
        for (auto until = Clock::now() + pause; !*stop && Clock::now() < until;)
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (*stop) break;
        const size_t s = std::uniform_int_distribution<size_t>(0, shops_.size() - 1)(rng);
        const int count = std::uniform_int_distribution<int>(2, 5)(rng);
        svc_.SimControl("POST", "/faults", {{"action", "rate_limit"}, {"count", count}},
                        shops_[s].account_id);
        ++storms_;
      }
    });
  }

  // About one order in a hundred gets a partial refund while it waits in the queue: when its
  // turn comes it is no longer paid in full, and it must stop in needs-attention, saying why.
  void RefundSomeWhileQueued() {
    for (const Shop& shop : shops_) {
      for (const std::string& number : shop.numbers) {
        if (!Chance(0.01)) continue;
        Reply r = svc_.Call("POST", "/api/v1/orders/" + number + "/refunds",
                            json{{"id", "r1"}, {"method", "PayPal"}, {"amount", "1.00"}}.dump(),
                            shop.token);
        ASSERT_EQ(r.status, 201) << r.raw;
        refunded_.insert(shop.slug + "|" + number);
      }
    }
  }

  void QueueAll() {
    for (const Shop& shop : shops_) {
      for (size_t start = 0; start < shop.numbers.size(); start += 500) {
        json numbers = json::array();
        for (size_t i = start; i < std::min(shop.numbers.size(), start + 500); ++i)
          numbers.push_back(shop.numbers[i]);
        Reply r =
            svc_.Call("POST", "/api/v1/exports", json{{"orders", numbers}}.dump(), shop.token);
        ASSERT_EQ(r.status, 200) << r.raw;
        for (const json& one : r.body["results"]) ASSERT_EQ(one["status"], 202) << one.dump();
      }
    }
  }

  // Orders still queued or exporting, over every shop.
  int64_t Pending() {
    int64_t pending = 0;
    for (const Shop& shop : shops_) {
      auto counts = svc_.db().CountExports(shop.id);
      if (!counts.ok()) return -1;
      for (auto [state, n] : *counts)
        if (state == shop::ExportState::kQueued || state == shop::ExportState::kExporting)
          pending += n;
    }
    return pending;
  }

  json Rows(const Shop& shop, const std::string& entity) {
    json rows = svc_.SimControl("GET", "/rows/" + entity, nullptr, shop.account_id);
    return rows.is_object() && rows.contains(entity) ? rows[entity] : json::array();
  }

  // The order's export attempts as spoke recorded them, and its sales as lsr-sim saved them.
  void PrintTimeline(const Shop& shop, const std::string& number) {
    auto rec = svc_.db().GetOrder(shop.id, number);
    if (!rec.ok() || rec->attempts.empty()) return;
    const auto t0 = rec->attempts.front().started_at;
    const auto ms = [&](base::TimePoint t) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(t - t0).count();
    };
    std::printf("  timeline of %s %s:\n", shop.slug.c_str(), number.c_str());
    for (const store::ExportAttempt& at : rec->attempts)
      std::printf("    attempt %d  %6lld..%6lld ms  %-8s %s\n", at.n,
                  static_cast<long long>(ms(at.started_at)),
                  static_cast<long long>(ms(at.finished_at)), store::Name(at.outcome),
                  at.message.substr(0, 150).c_str());
    for (const json& sale : Rows(shop, "Sale"))
      if (sale.value("referenceNumber", "") == number)
        std::printf("    lsr-sim sale %s created %s, completed %s, archived %s\n",
                    sale.value("saleID", "").c_str(), sale.value("createTime", "").c_str(),
                    sale.value("completed", "").c_str(), sale.value("archived", "").c_str());
  }

  // Runs the export until nothing is queued or exporting, or the deadline; then stops the faults
  // and the engine. Returns the orders still pending (-1 if unknown).
  int64_t ExportUnderFaults(int deadline_s, double* seconds) {
    std::atomic<bool> stop{false};
    std::thread storms = StormThread(&stop);
    const auto started = Clock::now();
    svc_.StartEngine();
    const auto deadline = started + std::chrono::seconds(deadline_s);
    auto next_report = started + std::chrono::seconds(10);
    int64_t pending = -1;
    while (Clock::now() < deadline) {
      pending = Pending();
      if (pending == 0) break;
      if (Clock::now() >= next_report) {
        std::fprintf(stderr, "  … %lld orders still queued or exporting after %.0f s\n",
                     static_cast<long long>(pending),
                     std::chrono::duration<double>(Clock::now() - started).count());
        next_report += std::chrono::seconds(10);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    *seconds = std::chrono::duration<double>(Clock::now() - started).count();
    stop = true;
    storms.join();
    for (const Shop& shop : shops_) svc_.SimControl("DELETE", "/faults", nullptr, shop.account_id);
    svc_.StopEngine();
    return pending;
  }
};

// Rows that share a key (an e-mail, a SKU, a reference …): how many keys have more than one
// live row, how many rows are too many, and which faults preceded each duplicate: those that
// kept or held back the answer of the key's creates (none when every create was answered).
struct Dups {
  int keys = 0, extra = 0;
  std::map<std::string, int> after;
  std::vector<std::string> examples;
  void Add(const std::map<std::string, std::vector<std::string>>& ids_by_key,
           const std::string& what, const std::map<std::string, std::string>& unanswered) {
    for (const auto& [key, ids] : ids_by_key) {
      if (ids.size() < 2) continue;
      ++keys;
      extra += static_cast<int>(ids.size()) - 1;
      std::set<std::string> faults;
      std::string detail;
      for (const std::string& id : ids) {
        auto f = unanswered.find(id);
        detail += " " + id + (f == unanswered.end() ? "" : " [" + f->second + "]");
        if (f != unanswered.end()) faults.insert(f->second);
      }
      std::string cause;
      for (const std::string& f : faults) cause += (cause.empty() ? "" : " + ") + f;
      ++after[cause.empty() ? "no create of the key lost its answer" : cause];
      if (examples.size() < 6) examples.push_back(what + " " + key + ": ids" + detail);
    }
  }
};

struct Outcome {
  int exported = 0, attention = 0, stuck = 0, no_reason = 0;
  int refunded = 0, refunded_exported = 0;  // refunded while queued; of those, exported
  std::map<std::string, int> reasons;       // needs-attention reasons, digits as '#'
  Dups sales, customers, items, types, serials;
  int lost = 0, wrong_sale = 0, open_sales = 0, attention_with_sale = 0, missing_serials = 0;
  std::map<std::string, int> fired;  // "drop_after_commit POST Customer" -> n
  int64_t fired_total = 0;
};

bool Live(const json& row) { return row.value("archived", "false") != "true"; }

void Print(const Outcome& o, int storms, int refused, double wall, double export_seconds) {
  auto row = [](const std::string& label, const std::string& value) {
    std::printf("  %-64s %10s\n", label.c_str(), value.c_str());
  };
  auto n = [](int64_t v) { return std::to_string(v); };
  std::printf("\nfault soak: seed %llu, %d stores, export.workers 4, Lightspeed timeout 1 s%s\n",
              static_cast<unsigned long long>(args.seed), args.stores,
              args.late_writes ? ", late writes" : "");
  row("orders", n(args.orders));
  row("  refused at intake first (e-mail with spaces), then fixed", n(refused));
  row("  refunded in part while queued (each must stop, not export)", n(o.refunded));
  row("faults injected", n(o.fired_total));
  for (const auto& [kind, count] : o.fired) row("  " + kind, n(count));
  row("  (429 storms started)", n(storms));
  row("exported", n(o.exported));
  row("  of them refunded while queued", n(o.refunded_exported));
  row("needs attention", n(o.attention));
  for (const auto& [reason, count] : o.reasons) row("  " + reason, n(count));
  row("still queued or exporting at the end", n(o.stuck));
  const std::pair<const char*, const Dups*> dups[] = {{"sales (references)", &o.sales},
                                                      {"customers (e-mails)", &o.customers},
                                                      {"items (SKUs and UPCs)", &o.items},
                                                      {"payment types (names)", &o.types},
                                                      {"serial numbers", &o.serials}};
  for (const auto& [what, d] : dups) {
    row(std::string("duplicate ") + what + ": keys / extra rows", n(d->keys) + " / " + n(d->extra));
    for (const auto& [cause, count] : d->after) row("  after " + cause, n(count));
  }
  row("lost (exported, no completed sale in Lightspeed)", n(o.lost));
  row("exported against another sale than the one there", n(o.wrong_sale));
  row("needs attention, yet a completed sale is in Lightspeed", n(o.attention_with_sale));
  row("open (not completed) sales with an order reference", n(o.open_sales));
  row("serial numbers of exported orders not in Lightspeed", n(o.missing_serials));
  char wall_text[64];
  std::snprintf(wall_text, sizeof wall_text, "%.1f s (export %.1f s)", wall, export_seconds);
  row("wall time", wall_text);
  for (const auto& [what, d] : dups)
    for (const std::string& e : d->examples) std::printf("  e.g. %s\n", e.c_str());
  std::fflush(stdout);
}

TEST_F(FaultSoak, EveryOrderExactlyOnceUnderRandomNetworkFaults) {
  const auto started = Clock::now();
  ASSERT_NO_FATAL_FAILURE(SetUpShops());
  ASSERT_NO_FATAL_FAILURE(PutOrders());
  ASSERT_NO_FATAL_FAILURE(InjectFaults());
  ASSERT_NO_FATAL_FAILURE(QueueAll());
  ASSERT_NO_FATAL_FAILURE(RefundSomeWhileQueued());
  const int deadline_s =
      args.deadline_seconds > 0 ? args.deadline_seconds : 45 + args.orders * 3 / 10;
  double export_seconds = 0;
  const int64_t pending = ExportUnderFaults(deadline_s, &export_seconds);

  Outcome o;
  // What the exporter says.
  std::map<std::string, std::string> sale_of;  // "shop|number" -> the sale id spoke recorded
  for (const Shop& shop : shops_) {
    for (const std::string& number : shop.numbers) {
      auto rec = svc_.db().GetOrder(shop.id, number);
      ASSERT_TRUE(rec.ok()) << number;
      const store::ExportRecord& e = rec->export_record;
      const bool refunded = refunded_.count(shop.slug + "|" + number) > 0;
      o.refunded += refunded;
      if (e.state == shop::ExportState::kExported) {
        ++o.exported;
        o.refunded_exported += refunded;
        sale_of[shop.slug + "|" + number] = e.sale_id;
      } else if (e.state == shop::ExportState::kNeedsAttention) {
        ++o.attention;
        o.no_reason += e.message.empty();
        ++o.reasons[Shape(e.message)];
      } else {
        ++o.stuck;
        ++o.reasons["(still " + std::string(shop::Name(e.state)) + ")"];
      }
    }
  }

  // What Lightspeed has.
  std::vector<std::pair<const Shop*, std::string>> twice;  // a few orders with two sales
  for (const Shop& shop : shops_) {
    json stats = svc_.SimControl("GET", "/stats", nullptr, shop.account_id);
    for (const auto& [kind, count] : stats["faults_fired_on"].items()) {
      o.fired[kind] += count.get<int>();
      o.fired_total += count.get<int>();
    }
    // "Customer" -> id -> the fault that kept the answer of the write that saved it.
    std::map<std::string, std::map<std::string, std::string>> unanswered;
    for (const json& w : stats["unanswered_writes"]) {
      const std::string fault = w["fault"];
      const std::string entity = fault.substr(fault.rfind(' ') + 1);
      unanswered[entity].emplace(w["id"].get<std::string>(), fault.substr(0, fault.find(' ')));
    }

    std::map<std::string, std::vector<std::string>> sales;
    for (const json& sale : Rows(shop, "Sale")) {
      const std::string ref = sale.value("referenceNumber", "");
      if (ref.empty() || !Live(sale) || sale.value("voided", "false") == "true") continue;
      if (sale.value("completed", "false") != "true") {
        ++o.open_sales;
        continue;
      }
      sales[ref].push_back(sale.value("saleID", ""));
    }
    o.sales.Add(sales, shop.slug + " sale", unanswered["Sale"]);
    for (const auto& [ref, ids] : sales)
      if (ids.size() > 1 && twice.size() < 3) twice.push_back({&shop, ref});
    for (const std::string& number : shop.numbers) {
      auto it = sale_of.find(shop.slug + "|" + number);
      auto found = sales.find(number);
      if (it == sale_of.end())
        o.attention_with_sale += found != sales.end();
      else if (found == sales.end())
        ++o.lost;
      else if (found->second.size() == 1 && found->second[0] != it->second)
        ++o.wrong_sale;
    }

    std::map<std::string, std::vector<std::string>> customers;
    for (const json& c : Rows(shop, "Customer")) {
      if (!Live(c) || !c.contains("Contact")) continue;
      for (const json& e : c["Contact"].value("Emails", json::array())) {
        const std::string email = Lower(e.value("address", ""));
        if (shop.emails.count(email)) customers[email].push_back(c.value("customerID", ""));
      }
    }
    o.customers.Add(customers, shop.slug + " customer", unanswered["Customer"]);

    std::set<std::string> skus, upcs;
    for (const CatalogItem& item : catalog_) {
      skus.insert(Lower(item.sku));
      if (!item.upc.empty()) upcs.insert(item.upc);
    }
    std::map<std::string, std::vector<std::string>> by_sku, by_upc;
    for (const json& item : Rows(shop, "Item")) {
      if (!Live(item)) continue;
      const std::string sku = Lower(item.value("customSku", "")), upc = item.value("upc", "");
      if (skus.count(sku)) by_sku[sku].push_back(item.value("itemID", ""));
      if (upcs.count(upc)) by_upc[upc].push_back(item.value("itemID", ""));
    }
    o.items.Add(by_sku, shop.slug + " item SKU", unanswered["Item"]);
    o.items.Add(by_upc, shop.slug + " item UPC", unanswered["Item"]);

    std::map<std::string, std::vector<std::string>> types;
    for (const json& t : Rows(shop, "PaymentType"))
      if (Live(t)) types[Lower(t.value("name", ""))].push_back(t.value("paymentTypeID", ""));
    o.types.Add(types, shop.slug + " payment type", unanswered["PaymentType"]);

    std::map<std::string, std::vector<std::string>> serials;
    for (const json& sz : Rows(shop, "Serialized"))
      serials[sz.value("serial", "")].push_back(sz.value("serializedID", ""));
    o.serials.Add(serials, shop.slug + " serial", unanswered["Serialized"]);
    for (const auto& [number, list] : shop.serials)
      if (sale_of.count(shop.slug + "|" + number))
        for (const std::string& serial : list) o.missing_serials += serials.count(serial) == 0;
  }
  Print(o, storms_, refused_at_intake_,
        std::chrono::duration<double>(Clock::now() - started).count(), export_seconds);
  for (const auto& [shop, number] : twice) PrintTimeline(*shop, number);

  EXPECT_EQ(pending, 0) << "every order must finish within " << deadline_s << " s";
  EXPECT_EQ(o.stuck, 0);
  EXPECT_EQ(o.exported + o.attention, args.orders);
  EXPECT_EQ(o.no_reason, 0) << "every order in needs-attention says why";
  EXPECT_EQ(o.refunded_exported, 0) << "an order refunded while queued is not paid in full";
  EXPECT_EQ(o.sales.extra, 0) << "one sale per order";
  EXPECT_EQ(o.customers.extra, 0) << "one customer per e-mail";
  EXPECT_EQ(o.items.extra, 0) << "one item per SKU and UPC";
  EXPECT_EQ(o.types.extra, 0) << "one payment type per name";
  EXPECT_EQ(o.serials.extra, 0) << "no serial number twice";
  EXPECT_EQ(o.lost, 0) << "every exported order has its sale";
  EXPECT_EQ(o.wrong_sale, 0);
  EXPECT_EQ(o.missing_serials, 0) << "every serial number of an exported order is recorded";
}

bool ParseArgs(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto number = [&](long long lo, long long hi, long long* out) {
      if (i + 1 >= argc) return false;
      try {
        *out = std::stoll(argv[++i]);
      } catch (const std::exception&) {
        return false;
      }
      return *out >= lo && *out <= hi;
    };
    long long v = 0;
    if (a == "--orders" && number(1, 100000, &v)) {
      args.orders = static_cast<int>(v);
    } else if (a == "--seed" && number(0, 1LL << 62, &v)) {
      args.seed = static_cast<uint64_t>(v);
    } else if (a == "--stores" && number(1, 10, &v)) {
      args.stores = static_cast<int>(v);
    } else if (a == "--deadline-seconds" && number(1, 86400, &v)) {
      args.deadline_seconds = static_cast<int>(v);
    } else if (a == "--late-writes") {
      args.late_writes = true;
    } else {
      std::fprintf(stderr,
                   "fault_soak: bad argument %s\nusage: fault_soak --orders N (1..100000) "
                   "--seed S --stores K (1..10) [--deadline-seconds T] [--late-writes]\n",
                   a.c_str());
      return false;
    }
  }
  if (args.orders < args.stores) {
    std::fprintf(stderr, "fault_soak: --orders must be at least --stores\n");
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);  // takes the --gtest_* flags, leaves ours
  if (!ParseArgs(argc, argv)) return 2;
  return RUN_ALL_TESTS();
}
