#include "app/demo_data.h"

#include <nlohmann/json.hpp>

#include "base/money.h"

namespace app {
namespace {

using base::Money;
using nlohmann::json;

struct DemoItem {
  const char* sku;
  const char* description;
  const char* kind;
  const char* source;
  const char* ls_item_id;
  const char* upc;
  const char* mfr_sku;
  const char* brand;
  int64_t price, cost, msrp;
  bool serialized;
};

// Prices in cents. POS-synced items carry the itemID they have in the demo Lightspeed account
// (lsr-sim's demo seed: itemID n has UPC "7350" + n in 7 digits + the check digit). The order below
// matters: the order generator refers to items by index.
const DemoItem kItems[] = {
    // 0-1: serialized bikes already in Lightspeed (R16, R19).
    {"LS-TRAILHEAD-29", "Trailhead 29 Mountain Bike", "inventory", "pos_sync", "1", "735000000018",
     "TH29-M", "Trailhead", 89999, 54000, 94999, true},
    {"LS-ROADSTER-56", "Roadster Carbon Road Bike", "inventory", "pos_sync", "2", "735000000025",
     "RCR-56", "Roadster", 249900, 150000, 259900, true},
    // 2: a serialized bike sold only on the web: created in Lightspeed by its first export (R17).
    {"GIANT-ESCAPE3-M", "Giant Escape 3, M, blue", "inventory", "site", nullptr, "758692111220",
     "ESC3-M-BL", "Giant", 54999, 38000, 57999, true},
    // 3: a Supplier Sync item whose UPC Lightspeed already has (item 7): linked, not created.
    {"BELL-ARH-M", "Aero Road Helmet M", "inventory", "supplier_sync", nullptr, "735000000070",
     "ARH-M", "Aero", 12999, 6500, 13999, false},
    // 4-5: POS-synced accessories.
    {"LS-TUBE-70025", "Tube 700x25c Presta", "inventory", "pos_sync", "11", "735000000117",
     "T700-25P", nullptr, 899, 310, 999, false},
    {"LS-FLOOR-PUMP", "Floor Pump with Gauge", "inventory", "pos_sync", "22", "735000000223",
     "FP-G", nullptr, 5999, 2800, 6499, false},
    // 6: a Supplier Sync item Lightspeed does not have yet: created on first export.
    {"KRYPTO-ULOCK-12", "Kryptonite U-lock 12mm", "inventory", "supplier_sync", nullptr,
     "023000444445", "KR-UL12", "Kryptonite", 6999, 3500, 7499, false},
    // 7: a site-only accessory.
    {"LEZYNE-LIGHT-SET", "Front and rear light set", "inventory", "site", nullptr, "888000555559",
     "LS-200", "Lezyne", 5999, 3000, 6499, false},
    // 8-9: never sent to Lightspeed (R8).
    {"GC-50", "Gift card $50", "gift_card", "site", nullptr, nullptr, nullptr, nullptr, 5000, 0,
     5000, false},
    {"TUNEUP", "Basic tune-up (service)", "non_inventory", "site", nullptr, nullptr, nullptr,
     nullptr, 7500, 0, 7500, false},
};

const char* kFirst[] = {"Ann", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hiro"};
const char* kLast[] = {"Lee", "Okafor", "Nguyen", "Patel", "Rossi", "Schmidt", "Kim", "Garcia"};

json Address(int i) {
  return {{"line1", std::to_string(100 + i) + " Pearl St"},
          {"line2", nullptr},
          {"city", "Boulder"},
          {"region", "CO"},
          {"postal_code", "80302"},
          {"country", "US"}};
}

Money Tax(Money taxable) {  // 8.25 %, half up
  return Money::FromCents((taxable.cents() * 825 + 5000) / 10000);
}

}  // namespace

std::string DemoRecords(base::TimePoint now) {
  std::string out;
  for (const DemoItem& d : kItems) {
    json item = {{"sku", d.sku},
                 {"description", d.description},
                 {"kind", d.kind},
                 {"source", d.source},
                 {"price", Money::FromCents(d.price).ToString()},
                 {"serialized", d.serialized}};
    if (d.ls_item_id) item["lightspeed_item_id"] = d.ls_item_id;
    if (d.upc) item["upc"] = d.upc;
    if (d.mfr_sku) item["manufacturer_sku"] = d.mfr_sku;
    if (d.brand) item["brand"] = d.brand;
    if (d.cost) item["cost"] = Money::FromCents(d.cost).ToString();
    item["msrp"] = Money::FromCents(d.msrp).ToString();
    out += item.dump() + "\n";
  }
  // Twelve kinds of order, cycled: what a bike shop's web store really sees.
  for (int i = 0; i < 40; ++i) {
    const int kind = i % 12;
    const int bike = i % 3;
    std::vector<std::pair<const DemoItem*, int>> lines;
    lines.push_back({&kItems[kind == 5 ? 8 : bike], 1});
    if (kind == 0) lines.push_back({&kItems[3], 1});
    if (kind == 7) {
      lines.push_back({&kItems[6], 1});
      lines.push_back({&kItems[7], 1});
    }
    if (kind == 6) lines.push_back({&kItems[8], 1});
    if (kind == 8) lines = {{&kItems[4], 3}, {&kItems[5], 1}};
    if (kind == 9) lines.push_back({&kItems[9], 1});
    Money subtotal, taxable;
    json jl = json::array();
    int serial = 0;
    for (auto [item, qty] : lines) {
      const Money amount = Money::FromCents(item->price * qty);
      json line = {{"sku", item->sku},
                   {"quantity", qty},
                   {"unit_price", Money::FromCents(item->price).ToString()},
                   {"discount", "0.00"},
                   {"taxable", std::string(item->kind) == "inventory"}};
      if (item->serialized)
        line["serial_numbers"] = {"WTU" + std::to_string(4710 + i * 7 + serial++)};
      subtotal += amount;
      if (std::string(item->kind) == "inventory") taxable += amount;
      jl.push_back(line);
    }
    const Money discount = kind == 11 ? Money::FromCents(2500) : Money();
    const Money shipping = kind == 5 ? Money() : Money::FromCents(kind == 8 ? 800 : 2500);
    const Money tax = Tax(taxable - (kind == 11 ? discount : Money()));
    const Money total = subtotal - discount + shipping + tax;
    const std::string method = kind == 1 ? "PayPal" : "Online Payments (Stripe)";
    json payments = json::array();
    Money paid = total;
    std::string pay_status = "captured";
    if (kind == 2) paid = total - Money::FromCents(1250);
    if (kind == 3) paid = total + Money::FromCents(300);
    if (kind == 4) pay_status = "authorized";
    payments.push_back({{"id", "pay_" + std::to_string(10001 + i)},
                        {"method", method},
                        {"amount", paid.ToString()},
                        {"status", pay_status},
                        {"reference", (kind == 1 ? "PAYID-" : "ch_demo") + std::to_string(i)}});
    json refunds = json::array();
    if (kind == 10) {
      // Refunded one helmet's worth, then the customer paid the difference by phone.
      refunds.push_back({{"id", "rf_" + std::to_string(i)},
                         {"method", method},
                         {"amount", "10.00"},
                         {"at", base::FormatTime(now - std::chrono::hours(2))}});
      payments.push_back({{"id", "pay_phone_" + std::to_string(i)},
                          {"method", "Cash"},
                          {"amount", "10.00"},
                          {"status", "captured"}});
    }
    const int person = i % 8;
    json order = {{"number", std::to_string(10001 + i)},
                  {"placed_at", base::FormatTime(now - std::chrono::hours(3 * (40 - i)))},
                  {"status", kind == 9 && i > 30 ? "cancelled" : (i < 6 ? "shipped" : "open")},
                  {"currency", "USD"},
                  {"customer",
                   {{"email", std::string(kFirst[person]) + "." + kLast[person] +
                                  (person == 0 && i % 2 ? "@Example.com" : "@example.com")},
                    {"first_name", kFirst[person]},
                    {"last_name", kLast[person]},
                    {"phone", "+1 303 555 01" + std::to_string(10 + person)}}},
                  {"billing_address", kind == 1 ? json(nullptr) : Address(i)},
                  {"shipping_address", Address(i)},
                  {"lines", jl},
                  {"order_discount", discount.ToString()},
                  {"shipping", shipping.IsZero() ? json(nullptr)
                                                 : json{{"method", "UPS Ground"},
                                                        {"amount", shipping.ToString()}}},
                  {"tax", tax.ToString()},
                  {"total", total.ToString()},
                  {"payments", payments},
                  {"refunds", refunds}};
    out += order.dump() + "\n";
  }
  return out;
}

}  // namespace app
