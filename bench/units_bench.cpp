// Issue 12 items 4 and 7: Lightspeed units per exported order against the lower bound, for spoke
// and for a straightforward baseline exporter on the same mix. A realistic backlog (300 orders by
// default, `units_bench N` for another size) is queued at once and exported by the real engine
// against lsr-sim (2026 cost model, a fast drip so it finishes in seconds: the units are the same
// at any drip). The catalog mixes POS-synced items, items Lightspeed already has (found by UPC,
// EAN, manufacturer SKU or custom SKU) and items that must be created; the customers are repeat
// and new ones, some already in Lightspeed; three payment methods, two of whose Lightspeed types
// must be created. The lower bound is what the completed sales and the truly necessary creates
// cost, read from lsr-sim's stats like everything else.
//
// The baseline (bench/baseline_exporter.h: per order, look up the customer, each item by each
// code, the payment types, then post the sale, remembering nothing) then exports the same orders,
// read back from spoke's store, into a second lsr-sim account seeded like the first, and its
// units and bound are read the same way. Both accounts are then checked sale by sale.
//
// `units_bench N --drain` measures instead how fast spoke drains a backlog of N orders at the
// 2026 model's bucket for a standard account (90 units), against the bucket arithmetic's bound
// ((units - bucket) / drip), with a drip 20 times Lightspeed's 1 unit/s so that 300 orders take
// about 2.5 minutes instead of 50: the arithmetic is the same, only the time scale changes.
//
// Besides its tables it prints `ROW | … |` lines for bench/README.md's table (bench/run.sh).
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bench/baseline_exporter.h"
#include "lightspeed/memory_vault_test_util.h"
#include "shop/item_codes.h"
#include "tests/support/service.h"

using testing_support::json;
using testing_support::TestService;

namespace {

std::string Amount(int64_t cents) { return base::Money::FromCents(cents).ToString(); }

std::string Padded(int64_t n, size_t width) {
  std::string s = std::to_string(n);
  return std::string(s.size() < width ? width - s.size() : 0, '0') + s;
}

struct CatalogItem {
  json item;
  int64_t cents;
};

// lsr-sim's demo seed numbers its items 1.. and gives item n UPC 7350nnnnnnn+check, EAN
// 40nnnnnnnnnn+check and custom SKU SC-nnnn; the manufacturer SKUs are listed here.
std::vector<CatalogItem> Catalog() {
  std::vector<CatalogItem> out;
  const auto supplier = [](const std::string& sku, int64_t cents) {
    return json{{"sku", sku},
                {"description", "Item " + sku},
                {"source", "supplier_sync"},
                {"price", Amount(cents)},
                {"cost", Amount(cents / 2)}};
  };
  for (int n = 5; n <= 14; ++n)  // POS-synced: no lookup at all
    out.push_back({{{"sku", "POS-" + std::to_string(n)},
                    {"description", "POS item " + std::to_string(n)},
                    {"source", "pos_sync"},
                    {"lightspeed_item_id", std::to_string(n)},
                    {"price", "19.99"}},
                   1999});
  for (int n = 15; n <= 18; ++n) {  // in Lightspeed, found by UPC
    json j = supplier("UPC-" + std::to_string(n), 1500 + n);
    j["upc"] = shop::WithCheckDigit("7350" + Padded(n, 7));
    out.push_back({j, 1500 + n});
  }
  for (int n = 19; n <= 21; ++n) {  // in Lightspeed, found by EAN
    json j = supplier("EAN-" + std::to_string(n), 1500 + n);
    j["ean"] = shop::WithCheckDigit("40" + Padded(n, 10));
    out.push_back({j, 1500 + n});
  }
  for (const auto& [n, mfr] : {std::pair{22, "GT-70040"}, {23, "RT-70028"}}) {  // by mfr SKU
    json j = supplier("MFR-" + std::to_string(n), 1500 + n);
    j["manufacturer_sku"] = mfr;
    out.push_back({j, 1500 + n});
  }
  for (int n = 24; n <= 26; ++n)  // by custom SKU = web SKU
    out.push_back({supplier("SC-" + Padded(n, 4), 1500 + n), 1500 + n});
  for (int k = 0; k < 18; ++k) {  // not in Lightspeed: created once
    json j = supplier("NEW-" + std::to_string(k), 2000 + k);
    if (k % 3 == 0) j["upc"] = shop::WithCheckDigit("6100" + Padded(k, 7));
    if (k % 3 == 1) j["ean"] = shop::WithCheckDigit("21" + Padded(k, 10));
    if (k % 2 == 0) j["manufacturer_sku"] = "NM-" + std::to_string(k);
    out.push_back({j, 2000 + k});
  }
  return out;
}

// The web store's payment methods whose Lightspeed payment type has another name (spoke's
// built-in default, R12); the baseline is configured with the same.
const std::map<std::string, std::string> kTypeNames = {{"Online Payments (Stripe)", "Stripe"}};

// What the bench put into spoke's web store: the orders (not queued yet) and what exporting them
// must create in a demo-seeded Lightspeed account.
struct Mix {
  std::vector<std::string> numbers;
  std::set<std::string> new_emails;
  std::set<std::string> new_items;  // SKUs Lightspeed does not have, sold at least once
  std::set<std::string> new_types;  // payment types to create, used at least once
};

bool PutMix(TestService& svc, int orders, Mix* mix) {
  const std::vector<CatalogItem> catalog = Catalog();
  for (const CatalogItem& c : catalog)
    if (svc.Put("/api/v1/items/" + c.item["sku"].get<std::string>(), c.item).status >= 300) {
      std::fprintf(stderr, "catalog refused %s\n", c.item.dump().c_str());
      return false;
    }

  std::mt19937 rng(12);
  const std::vector<std::string> known = {"ada@example.com", "grace@example.com",
                                          "edsger@example.com"};  // in the demo seed
  const std::vector<std::pair<std::string, bool>> methods = {
      {"Online Payments (Stripe)", false}, {"PayPal", false}, {"Cash", true}};
  for (int i = 0; i < orders; ++i) {
    const std::string number = "U" + std::to_string(10000 + i);
    // A third of the orders come from 40 repeat customers, a few from the seeded ones, the rest
    // from customers seen once.
    const int pick = static_cast<int>(rng() % 100);
    std::string email;
    if (pick < 5) {
      email = known[rng() % known.size()];
    } else if (pick < 38) {
      email = "repeat" + std::to_string(rng() % 40) + "@example.com";
    } else {
      email = "once" + std::to_string(i) + "@example.com";
    }
    if (std::find(known.begin(), known.end(), email) == known.end()) mix->new_emails.insert(email);
    json lines = json::array();
    int64_t total = 0;
    const int count = 1 + static_cast<int>(rng() % 3);
    std::set<size_t> used;
    for (int l = 0; l < count; ++l) {
      const size_t k = rng() % catalog.size();
      if (!used.insert(k).second) continue;
      const int qty = 1 + static_cast<int>(rng() % 2);
      const std::string sku = catalog[k].item["sku"];
      if (sku.rfind("NEW-", 0) == 0) mix->new_items.insert(sku);
      lines.push_back({{"sku", catalog[k].item["sku"]},
                       {"quantity", qty},
                       {"unit_price", Amount(catalog[k].cents)}});
      total += qty * catalog[k].cents;
    }
    const int64_t shipping = rng() % 2 ? 795 : 0, tax = total * 8 / 100;
    total += shipping + tax;
    const auto& [method, type_exists] = methods[rng() % methods.size()];
    if (!type_exists) mix->new_types.insert(method);
    json o = {{"number", number},
              {"placed_at", "2026-11-20T15:04:05Z"},
              {"customer", {{"email", email}, {"first_name", "Pat"}, {"last_name", "Rider"}}},
              {"lines", lines},
              {"tax", Amount(tax)},
              {"total", Amount(total)},
              {"payments",
               {{{"id", "pay_" + number},
                 {"method", method},
                 {"amount", Amount(total)},
                 {"reference", "ref_" + number}}}}};
    if (shipping) o["shipping"] = {{"method", "UPS Ground"}, {"amount", Amount(shipping)}};
    if (svc.Put("/api/v1/orders/" + number, o).status >= 300) {
      std::fprintf(stderr, "order refused %s\n", o.dump().c_str());
      return false;
    }
    mix->numbers.push_back(number);
  }
  return true;
}

bool QueueExports(TestService& svc, const std::vector<std::string>& numbers) {
  for (size_t start = 0; start < numbers.size(); start += 500) {
    const std::vector<std::string> part(numbers.begin() + start,
                                        numbers.begin() + std::min(numbers.size(), start + 500));
    if (svc.Post("/api/v1/exports", {{"orders", part}}).status != 200) return false;
  }
  return true;
}

std::string Thousands(int64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// One account's spending as lsr-sim counted it.
struct Spent {
  double total = 0, bound = 0;
  int sales = 0;
  bool creates_necessary = false;
};

// Prints one account's requests and units, and what they must be for `mix`.
Spent Report(const json& stats, const Mix& mix, int orders) {
  Spent out;
  std::printf("%-22s %9s %9s\n", "request", "count", "units");
  for (auto& [key, units] : stats["units"].items()) {
    const double u = units.get<double>();
    out.total += u;
    // The lower bound: every completed sale, and the creates nothing could have avoided.
    if (key == "POST Sale" || key == "POST Customer" || key == "POST Item" ||
        key == "POST PaymentType")
      out.bound += u;
    std::printf("%-22s %9d %9.2f\n", key.c_str(), stats["requests"].value(key, 0), u);
  }
  const auto count = [&](const char* key) { return stats["requests"].value(key, 0); };
  out.sales = count("POST Sale");
  std::printf("\norders %d, sales posted %d\n", orders, out.sales);
  std::printf(
      "creates: customers %d (new e-mails %zu), items %d (new %zu), payment types %d (new %zu)\n",
      count("POST Customer"), mix.new_emails.size(), count("POST Item"), mix.new_items.size(),
      count("POST PaymentType"), mix.new_types.size());
  std::printf("units %.2f, lower bound %.2f\n", out.total, out.bound);
  std::printf("units per order %.3f, bound per order %.3f, ratio %.4f\n", out.total / orders,
              out.bound / orders, out.total / out.bound);
  std::printf("429s %d, duplicate references %zu\n", stats.value("rate_limited", 0),
              stats["duplicate_references"].size());
  out.creates_necessary = out.sales == orders &&
                          count("POST Customer") == static_cast<int>(mix.new_emails.size()) &&
                          count("POST Item") == static_cast<int>(mix.new_items.size()) &&
                          count("POST PaymentType") == static_cast<int>(mix.new_types.size());
  if (!out.creates_necessary) std::printf("WARNING: creates differ from the necessary ones\n");
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// Every order has exactly one completed sale in the account, with the order's customer (by
// e-mail), its items (by their codes or POS id), quantities and prices, and payments of the
// mapped types as much as the order's total. Read from lsr-sim's rows, which cost no units. Every
// problem found, in plain words; none when every sale is right.
std::vector<std::string> CheckSales(TestService& svc, const std::string& account,
                                    const std::vector<shop::Order>& orders,
                                    const std::map<std::string, shop::Item>& catalog) {
  std::vector<std::string> problems;
  const auto rows = [&](const std::string& entity) {
    std::map<std::string, json> out;
    const std::string id = entity == "Customer"      ? "customerID"
                           : entity == "Item"        ? "itemID"
                           : entity == "PaymentType" ? "paymentTypeID"
                                                     : "saleID";
    const json answer = svc.SimControl("GET", "/rows/" + entity, nullptr, account);
    for (const json& r : answer.value(entity, json::array())) out[r.value(id, "")] = r;
    return out;
  };
  const auto sales = rows("Sale"), customers = rows("Customer"), items = rows("Item"),
             types = rows("PaymentType");
  std::map<std::string, std::vector<const json*>> by_reference;
  for (const auto& [id, s] : sales) by_reference[s.value("referenceNumber", "")].push_back(&s);
  const auto field = [](const json* row, const char* key) {
    return row ? row->value(key, std::string()) : std::string();
  };
  for (const shop::Order& order : orders) {
    const auto it = by_reference.find(order.number);
    if (it == by_reference.end() || it->second.size() != 1) {
      problems.push_back("order " + order.number + ": " +
                         std::to_string(it == by_reference.end() ? 0 : it->second.size()) +
                         " sales instead of one");
      continue;
    }
    const json& sale = *it->second.front();
    const auto wrong = [&](const std::string& what) {
      problems.push_back("order " + order.number + " (sale " + field(&sale, "saleID") +
                         "): " + what);
    };
    if (field(&sale, "completed") != "true") wrong("not completed");
    if (field(&sale, "total") != order.total.ToString())
      wrong("total " + field(&sale, "total") + ", the order's " + order.total.ToString());
    // The customer: one whose e-mail is the order's.
    const auto customer = customers.find(field(&sale, "customerID"));
    bool email_matches = false;
    if (customer != customers.end())
      for (const json& e :
           customer->second.value("Contact", json::object()).value("Emails", json::array()))
        email_matches =
            email_matches || Lower(e.value("address", "")) == Lower(order.customer.email);
    if (!email_matches)
      wrong("customer " + field(&sale, "customerID") + " is not " + order.customer.email);
    // The item lines, in order: the catalog item's POS id or one of its codes, quantity, price.
    std::vector<const json*> item_lines;
    const json sale_lines = sale.value("SaleLines", json::array());
    for (const json& l : sale_lines)
      if (field(&l, "itemID") != "0") item_lines.push_back(&l);
    if (item_lines.size() != order.lines.size()) {
      wrong(std::to_string(item_lines.size()) + " item lines, the order has " +
            std::to_string(order.lines.size()));
    } else {
      for (size_t i = 0; i < item_lines.size(); ++i) {
        const shop::Line& want = order.lines[i];
        const shop::Item& c = catalog.at(want.sku);
        const std::string item_id = field(item_lines[i], "itemID");
        const auto row = items.find(item_id);
        const json* r = row == items.end() ? nullptr : &row->second;
        const bool same_item = (c.lightspeed_item_id && *c.lightspeed_item_id == item_id) ||
                               (c.upc && Lower(field(r, "upc")) == Lower(*c.upc)) ||
                               (c.ean && Lower(field(r, "ean")) == Lower(*c.ean)) ||
                               (c.manufacturer_sku &&
                                Lower(field(r, "manufacturerSku")) == Lower(*c.manufacturer_sku)) ||
                               (r && Lower(field(r, "customSku")) == Lower(want.sku));
        if (!same_item)
          wrong("line " + std::to_string(i + 1) + " sells item " + item_id + ", not " + want.sku);
        if (field(item_lines[i], "unitQuantity") != std::to_string(want.quantity) ||
            field(item_lines[i], "unitPrice") != want.unit_price.ToString())
          wrong("line " + std::to_string(i + 1) + " is " + field(item_lines[i], "unitQuantity") +
                " × " + field(item_lines[i], "unitPrice") + ", the order's " +
                std::to_string(want.quantity) + " × " + want.unit_price.ToString());
      }
    }
    // The payments: the mapped type of the order's method, as much as the order's total.
    base::Money paid;
    for (const json& p : sale.value("SalePayments", json::array())) {
      const auto amount = base::Money::Parse(field(&p, "amount"), "amount");
      if (amount.ok()) paid += *amount;
      const auto type = types.find(field(&p, "paymentTypeID"));
      const std::string method = order.payments.front().method;
      const auto mapped = kTypeNames.find(method);
      const std::string name = mapped == kTypeNames.end() ? method : mapped->second;
      if (type == types.end() || Lower(type->second.value("name", "")) != Lower(name))
        wrong("paid by type " + field(&p, "paymentTypeID") + ", not " + name);
    }
    if (paid != order.total)
      wrong("payments " + paid.ToString() + ", the order's " + order.total.ToString());
  }
  return problems;
}

void PrintProblems(const char* who, const std::vector<std::string>& problems) {
  if (problems.empty()) {
    std::printf(
        "%s: every order has exactly one completed sale with its customer, items, "
        "quantities, prices and payment\n",
        who);
    return;
  }
  std::printf("FAILED: %s: %zu problems with the sales, for example:\n", who, problems.size());
  for (size_t i = 0; i < problems.size() && i < 10; ++i) std::printf("  %s\n", problems[i].c_str());
}

// The orders and catalog as spoke stored them: what the baseline integration reads from its own
// web store.
bool ReadBack(TestService& svc, const Mix& mix, std::vector<shop::Order>* orders,
              std::map<std::string, shop::Item>* catalog) {
  std::set<std::string> skus;
  for (const std::string& n : mix.numbers) {
    auto r = svc.db().GetOrder(svc.store_id(), n);
    if (!r.ok()) return false;
    orders->push_back(r->order);
    for (const shop::Line& l : r->order.lines) skus.insert(l.sku);
  }
  auto items = svc.db().GetItems(svc.store_id(), {skus.begin(), skus.end()});
  if (!items.ok()) return false;
  *catalog = std::move(*items);
  return true;
}

int Units(int orders) {
  testing_support::ServiceOptions options;
  options.workers = 4;
  TestService svc(options);
  svc.Connect();
  const json fast = {{"model", "2026"}, {"bucket_size", 90}, {"drip_rate", 2000}};
  svc.SimControl("PUT", "/rate", fast);
  Mix mix;
  if (!PutMix(svc, orders, &mix) || !QueueExports(svc, mix.numbers)) return 1;
  svc.SimControl("DELETE", "/stats");
  auto start = std::chrono::steady_clock::now();
  const auto seconds = [&start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  svc.StartEngine();
  int exported = 0;
  for (const std::string& n : mix.numbers)
    exported += svc.WaitForExport(n, 600).body["export"].value("state", "") == "exported";
  const double spoke_seconds = seconds();
  svc.StopEngine();
  std::printf("== spoke ==\n");
  const Spent spoke = Report(svc.SimControl("GET", "/stats"), mix, orders);
  std::printf("exported %d of %d in %.1f s\n", exported, orders, spoke_seconds);

  // The baseline: a second account of the same demo seed (same catalog, same customers), the
  // same cost model, the same orders.
  std::vector<shop::Order> order_list;
  std::map<std::string, shop::Item> catalog;
  if (!ReadBack(svc, mix, &order_list, &catalog)) {
    std::fprintf(stderr, "could not read the orders back from spoke's store\n");
    return 1;
  }
  const sim::AccountInfo b = svc.simulator().CreateAccount("Baseline Cycles", 1, true);
  // The same cost model and bucket; only the burst limiter (20 requests a second, which costs no
  // units but would pace the baseline's many lookups to a minute and more) is raised.
  json baseline_rate = fast;
  baseline_rate["burst_limit"] = 1000;
  svc.SimControl("PUT", "/rate", baseline_rate, b.account_id);
  auto transport = lightspeed::CreateCurlTransport({});
  lightspeed::OAuthClient oauth({svc.simulator().BaseUrl(), b.client_id, b.client_secret},
                                *transport);
  lightspeed::MemoryVault vault(b.refresh_token);
  lightspeed::TokenManager tokens(vault, oauth, base::SystemClock());
  lightspeed::ClientOptions co;
  co.api_base = svc.simulator().BaseUrl();
  co.account_id = b.account_id;
  co.transport = transport.get();
  co.tokens = &tokens;
  lightspeed::Client client(co);
  bench::BaselineExporter baseline(client,
                                   {b.shop_id, b.register_id, b.employee_id, "web", kTypeNames});
  svc.SimControl("DELETE", "/stats", nullptr, b.account_id);
  start = std::chrono::steady_clock::now();
  int baseline_failed = 0;
  for (const shop::Order& o : order_list) {
    auto sale = baseline.Export(o, catalog);
    if (!sale.ok() && ++baseline_failed <= 5)
      std::printf("baseline: order %s failed: %s\n", o.number.c_str(),
                  sale.error().message.c_str());
  }
  const double baseline_seconds = seconds();
  std::printf("\n== baseline exporter ==\n");
  const Spent base_spent =
      Report(svc.SimControl("GET", "/stats", nullptr, b.account_id), mix, orders);
  std::printf("exported %d of %d in %.1f s (burst limit raised: not a time to compare)\n\n",
              orders - baseline_failed, orders, baseline_seconds);

  const auto spoke_problems = CheckSales(svc, svc.account().account_id, order_list, catalog);
  const auto baseline_problems = CheckSales(svc, b.account_id, order_list, catalog);
  PrintProblems("spoke", spoke_problems);
  PrintProblems("baseline exporter", baseline_problems);
  if (std::abs(spoke.bound - base_spent.bound) > 0.005)
    std::printf("NOTE: the lower bounds differ (spoke %.2f, baseline %.2f)\n", spoke.bound,
                base_spent.bound);
  std::printf("baseline spends %.3f× spoke's units\n\n", base_spent.total / spoke.total);

  const std::string setup = Thousands(orders) + " orders, 2026 cost model";
  std::printf(
      "ROW | Lightspeed units per order, spoke | %s | %.2f units (%.3f× the bound) | "
      "lower bound %.2f |\n",
      setup.c_str(), spoke.total / orders, spoke.total / spoke.bound, spoke.bound / orders);
  std::printf(
      "ROW | Lightspeed units per order, baseline exporter | %s | %.2f units (%.3f× the "
      "bound) | lower bound %.2f |\n",
      setup.c_str(), base_spent.total / orders, base_spent.total / base_spent.bound,
      base_spent.bound / orders);
  const bool ok = exported == orders && spoke.creates_necessary && spoke_problems.empty() &&
                  baseline_failed == 0 && base_spent.creates_necessary && baseline_problems.empty();
  if (!ok) std::printf("FAILED: an export was not correct (see above)\n");
  return ok ? 0 : 1;
}

// A standard account's bucket (one register: 90 units), a drip 20 times its 1 unit/s. (lsr-sim's
// demo seed has two registers, hence the bucket set here.)
constexpr int kDrainBucket = 90, kDrainDrip = 20;

int Drain(int orders) {
  testing_support::ServiceOptions options;
  options.workers = 4;
  TestService svc(options);
  svc.Connect();
  Mix mix;
  if (!PutMix(svc, orders, &mix)) return 1;
  const json rate =
      svc.SimControl("PUT", "/rate",
                     {{"model", "2026"}, {"bucket_size", kDrainBucket}, {"drip_rate", kDrainDrip}});
  const double bucket = rate.value("bucket_size", 0.0), drip = rate.value("drip_rate", 0.0);
  svc.StartEngine();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  svc.SimControl("DELETE", "/stats");
  // From queueing to the last sale lsr-sim received (its stats, read every 10 ms).
  const auto start = std::chrono::steady_clock::now();
  if (!QueueExports(svc, mix.numbers)) return 1;
  const auto give_up = start + std::chrono::seconds(60 + orders * 20 / kDrainDrip);
  while (svc.SimControl("GET", "/stats")["requests"].value("POST Sale", 0) < orders &&
         std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int exported = 0;
  for (const std::string& n : mix.numbers)
    exported += svc.WaitForExport(n, 60).body["export"].value("state", "") == "exported";
  svc.StopEngine();
  const json stats = svc.SimControl("GET", "/stats");
  double units = 0;
  for (auto& [key, u] : stats["units"].items()) units += u.get<double>();
  const double bound = std::max(0.0, (units - bucket) / drip);
  const int limited = stats.value("rate_limited", 0);
  const int sales = stats["requests"].value("POST Sale", 0);
  std::printf("drain of %d orders: 2026 cost model, bucket %.0f, drip %.0f/s\n", orders, bucket,
              drip);
  std::printf("units %.2f, bucket bound (units - bucket) / drip = %.1f s, took %.1f s (%+.2f %%)\n",
              units, bound, took, 100 * (took - bound) / bound);
  std::printf(
      "429s %d, peak bucket level %.2f, sales posted %d, exported %d, duplicate "
      "references %zu\n",
      limited, stats.value("peak_bucket_level", 0.0), sales, exported,
      stats["duplicate_references"].size());
  const bool ok = exported == orders && sales == orders && stats["duplicate_references"].empty();
  if (!ok) std::printf("FAILED: not every order was exported exactly once (see above)\n");
  std::printf(
      "ROW | Drain of a %s-order backlog | 2026 cost model, bucket %.0f, drip %.0f/s "
      "(Lightspeed's 1/s sped up %.0f×) | %.1f s, %d × 429 | bucket bound %.1f s "
      "(%.3f×) |\n",
      Thousands(orders).c_str(), bucket, drip, drip, took, limited, bound, bound / took);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  int orders = 300;
  bool drain = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--drain") {
      drain = true;
    } else if (std::atoi(a.c_str()) > 0) {
      orders = std::atoi(a.c_str());
    } else {
      std::fprintf(stderr, "usage: units_bench [ORDERS] [--drain]\n");
      return 2;
    }
  }
  return drain ? Drain(orders) : Units(orders);
}
