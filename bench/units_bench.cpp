// Issue 12 item 4: Lightspeed units per exported order against the lower bound. A realistic
// backlog (300 orders by default, `units_bench N` for another size) is queued at once and exported
// by the real engine against lsr-sim (2026 cost model, a fast drip so it finishes in seconds: the
// units are the same at any drip). The catalog mixes POS-synced items, items Lightspeed already
// has (found by UPC, EAN, manufacturer SKU or custom SKU) and items that must be created; the
// customers are repeat and new ones, some already in Lightspeed; three payment methods, two of
// whose Lightspeed types must be created. The lower bound is what the completed sales and the
// truly necessary creates cost, read from lsr-sim's stats like everything else.
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

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
std::vector<CatalogItem> Catalog(int* new_items) {
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
  *new_items = 0;
  for (int k = 0; k < 18; ++k) {  // not in Lightspeed: created once
    json j = supplier("NEW-" + std::to_string(k), 2000 + k);
    if (k % 3 == 0) j["upc"] = shop::WithCheckDigit("6100" + Padded(k, 7));
    if (k % 3 == 1) j["ean"] = shop::WithCheckDigit("21" + Padded(k, 10));
    if (k % 2 == 0) j["manufacturer_sku"] = "NM-" + std::to_string(k);
    out.push_back({j, 2000 + k});
    ++*new_items;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const int orders = argc > 1 ? std::atoi(argv[1]) : 300;
  testing_support::ServiceOptions options;
  options.workers = 4;
  TestService svc(options);
  svc.Connect();
  svc.SimControl("PUT", "/rate", {{"model", "2026"}, {"bucket_size", 90}, {"drip_rate", 2000}});
  int new_items = 0;
  const std::vector<CatalogItem> catalog = Catalog(&new_items);
  for (const CatalogItem& c : catalog)
    if (svc.Put("/api/v1/items/" + c.item["sku"].get<std::string>(), c.item).status >= 300) {
      std::fprintf(stderr, "catalog refused %s\n", c.item.dump().c_str());
      return 1;
    }

  std::mt19937 rng(12);
  const std::vector<std::string> known = {"ada@example.com", "grace@example.com",
                                          "edsger@example.com"};  // in the demo seed
  const std::vector<std::pair<std::string, bool>> methods = {
      {"Online Payments (Stripe)", false}, {"PayPal", false}, {"Cash", true}};
  std::set<std::string> new_emails;
  std::vector<std::string> numbers;
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
    if (std::find(known.begin(), known.end(), email) == known.end()) new_emails.insert(email);
    json lines = json::array();
    int64_t total = 0;
    const int count = 1 + static_cast<int>(rng() % 3);
    std::set<size_t> used;
    for (int l = 0; l < count; ++l) {
      const size_t k = rng() % catalog.size();
      if (!used.insert(k).second) continue;
      const int qty = 1 + static_cast<int>(rng() % 2);
      lines.push_back({{"sku", catalog[k].item["sku"]},
                       {"quantity", qty},
                       {"unit_price", Amount(catalog[k].cents)}});
      total += qty * catalog[k].cents;
    }
    const int64_t shipping = rng() % 2 ? 795 : 0, tax = total * 8 / 100;
    total += shipping + tax;
    const std::string& method = methods[rng() % methods.size()].first;
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
      return 1;
    }
    numbers.push_back(number);
  }
  for (size_t start = 0; start < numbers.size(); start += 500) {
    const std::vector<std::string> part(numbers.begin() + start,
                                        numbers.begin() + std::min(numbers.size(), start + 500));
    if (svc.Post("/api/v1/exports", {{"orders", part}}).status != 200) return 1;
  }
  svc.SimControl("DELETE", "/stats");
  svc.StartEngine();
  int exported = 0;
  for (const std::string& n : numbers)
    exported += svc.WaitForExport(n, 600).body["export"].value("state", "") == "exported";
  svc.StopEngine();

  const json stats = svc.SimControl("GET", "/stats");
  double total = 0, bound = 0;
  std::printf("%-22s %9s %9s\n", "request", "count", "units");
  for (auto& [key, units] : stats["units"].items()) {
    const double u = units.get<double>();
    total += u;
    // The lower bound: every completed sale, and the creates nothing could have avoided.
    if (key == "POST Sale" || key == "POST Customer" || key == "POST Item" ||
        key == "POST PaymentType")
      bound += u;
    std::printf("%-22s %9d %9.2f\n", key.c_str(), stats["requests"].value(key, 0), u);
  }
  const auto count = [&](const char* key) { return stats["requests"].value(key, 0); };
  std::printf("\norders %d, exported %d, sales posted %d\n", orders, exported, count("POST Sale"));
  std::printf(
      "creates: customers %d (new e-mails %zu), items %d (new %d), payment types %d (new 2)\n",
      count("POST Customer"), new_emails.size(), count("POST Item"), new_items,
      count("POST PaymentType"));
  std::printf("units %.2f, lower bound %.2f\n", total, bound);
  std::printf("units per order %.3f, bound per order %.3f, ratio %.4f\n", total / orders,
              bound / orders, total / bound);
  std::printf("429s %d, duplicate references %zu\n", stats.value("rate_limited", 0),
              stats["duplicate_references"].size());
  const bool creates_necessary = count("POST Sale") == orders &&
                                 count("POST Customer") == static_cast<int>(new_emails.size()) &&
                                 count("POST Item") == new_items && count("POST PaymentType") == 2;
  if (!creates_necessary) std::printf("WARNING: creates differ from the necessary ones\n");
  return exported == orders && creates_necessary ? 0 : 1;
}
