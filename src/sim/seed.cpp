// New accounts: the records every account has, and the demo bike-shop catalogue.
#include "base/secrets.h"
#include "sim/engine.h"
#include "sim/model.h"
#include "sim/rate_limit.h"

namespace sim {
namespace {

struct DemoItem {
  const char* description;
  const char* price;
  const char* cost;
  const char* type;  // "serialized": itemType default with serialized true, as Lightspeed has them
  int qoh;
  const char* mfr_sku;
};

const DemoItem kItems[] = {
    {"Trailhead 29 Mountain Bike", "899.99", "540.00", "serialized", 6, "TH29-M"},
    {"Roadster Carbon Road Bike", "2499.00", "1500.00", "serialized", 3, "RCR-56"},
    {"Gravel Explorer GRX", "1799.00", "1080.00", "serialized", 2, "GEX-54"},
    {"E-Cruiser Step-Through", "2199.99", "1320.00", "serialized", 2, "ECS-ST"},
    {"City Commuter 7-Speed", "649.50", "390.00", "default", 8, "CC7-M"},
    {"Kids 20in BMX", "279.99", "168.00", "default", 5, "BMX20"},
    {"Aero Road Helmet M", "129.99", "65.00", "default", 10, "ARH-M"},
    {"Aero Road Helmet L", "129.99", "65.00", "default", 7, "ARH-L"},
    {"Trail MIPS Helmet M", "89.95", "45.00", "default", 12, "TMH-M"},
    {"Kids Helmet Unicorn", "39.99", "18.00", "default", 9, "KHU-S"},
    {"Tube 700x25c Presta", "8.99", "3.10", "default", 60, "T700-25P"},
    {"Tube 29x2.3 Schrader", "10.49", "3.60", "default", 40, "T29-23S"},
    {"Tube 20x1.75 Schrader", "7.49", "2.40", "default", 25, "T20-175S"},
    {"Tubeless Sealant 16oz", "19.99", "8.00", "default", 18, "TLS-16"},
    {"Gravel Tire 700x40c", "54.99", "27.00", "default", 14, "GT-70040"},
    {"Road Tire 700x28c", "49.99", "24.00", "default", 20, "RT-70028"},
    {"Mini Pump", "24.99", "11.00", "default", 15, "MP-1"},
    {"Multi-Tool 18 Function", "34.99", "15.00", "default", 11, "MT-18"},
    {"Tire Levers (3 pack)", "4.99", "1.20", "default", 50, "TL-3"},
    {"Chain Checker", "14.99", "6.00", "default", 6, "CHK-1"},
    {"Torque Wrench 2-14Nm", "119.00", "60.00", "default", 3, "TW-214"},
    {"Floor Pump with Gauge", "59.99", "28.00", "default", 8, "FP-G"},
    {"Bottle Cage Alloy", "12.99", "4.50", "default", 30, "BC-AL"},
    {"Water Bottle 750ml", "9.99", "3.00", "default", 45, "WB-750"},
    {"Front Light 800lm", "69.99", "32.00", "default", 10, "FL-800"},
    {"Rear Light USB", "29.99", "12.00", "default", 16, "RL-USB"},
    {"U-Lock with Cable", "54.99", "25.00", "default", 9, "UL-C"},
    {"Chain Lube Dry 4oz", "11.99", "4.00", "default", 22, "CL-D4"},
    {"Bar Tape Cork", "24.99", "9.00", "default", 13, "BT-CK"},
    {"Saddle Comfort Gel", "49.99", "21.00", "default", 7, "SCG-1"},
    {"Labor: Basic Tune-Up", "79.00", "0.00", "non_inventory", 0, "LAB-TUNE"},
    {"Labor: Flat Fix", "15.00", "0.00", "non_inventory", 0, "LAB-FLAT"},
    {"Labor: Bike Assembly", "45.00", "0.00", "non_inventory", 0, "LAB-ASSY"},
};

struct DemoCustomer {
  const char* first;
  const char* last;
  const char* email;
  const char* phone;
  bool archived;
};

// Two customers share one email (in different case); one customer is archived.
const DemoCustomer kCustomers[] = {
    {"Ada", "Lovelace", "ada@example.com", "555-0101", false},
    {"Grace", "Hopper", "grace@example.com", "555-0102", false},
    {"Alan", "Turing", "turing@example.com", "555-0103", false},
    {"Alana", "Turing", "Turing@Example.com", "555-0104", false},
    {"Edsger", "Dijkstra", "edsger@example.com", "", false},
    {"Old", "Customer", "gone@example.com", "", true},
};

// Serial numbers received into stock for the serialized bikes (items 1-4), not yet sold. Those of
// items 1 and 2 are the ones spoke's demo orders sell first, so the demo shows a serial found in
// stock and linked to its sale.
const std::pair<int, const char*> kSerialsInStock[] = {{1, "WTU4710"},  {1, "WTU4731"},
                                                       {2, "WTU4717"},  {2, "WTU4738"},
                                                       {3, "GEX-0001"}, {4, "ECS-0001"}};

std::string Padded(int64_t n, size_t width) {
  std::string s = std::to_string(n);
  return std::string(s.size() < width ? width - s.size() : 0, '0') + s;
}

// GS1 codes with their check digit (the same rule lsr-sim enforces on every Item write).
std::string WithCheck(const std::string& digits) { return digits + GtinCheckDigit(digits); }

void Put(Account& acct, const std::string& entity, Json row) {
  const EntitySpec* spec = FindEntity(entity);
  const int64_t id = NextId(acct, entity);
  Json full = DefaultRow(*spec);
  for (auto it = row.begin(); it != row.end(); ++it) full[it.key()] = it.value();
  full[spec->id_field] = std::to_string(id);
  acct.tables[entity].rows[id] = std::move(full);
}

void SeedDemo(Ctx ctx) {
  int n = 0;
  for (const auto& d : kItems) {
    ++n;
    const bool serialized = std::string(d.type) == "serialized";
    Json body = {{"description", d.description},
                 {"defaultCost", d.cost},
                 {"itemType", serialized ? "default" : d.type},
                 {"serialized", serialized ? "true" : "false"},
                 {"manufacturerSku", d.mfr_sku},
                 {"customSku", "SC-" + Padded(n, 4)},
                 {"upc", WithCheck("7350" + Padded(n, 7))},
                 {"ean", WithCheck("40" + Padded(n, 10))},
                 {"Prices",
                  {{"ItemPrice", Json::array({{{"amount", d.price}, {"useType", "Default"}},
                                              {{"amount", d.price}, {"useType", "MSRP"}}})}}}};
    if (std::string(d.type) == "non_inventory") body["taxClassID"] = "2";  // labor
    auto id = CreateEntity(ctx, *FindEntity("Item"), body);
    if (!id.ok() || d.qoh == 0) continue;
    Json* item = FindRow(*ctx.acct, "Item", *id);
    AdjustStock(item, 1, d.qoh, ctx);
    AdjustStock(item, 0, d.qoh, ctx);
  }
  for (const auto& [item_id, serial] : kSerialsInStock)
    (void)CreateEntity(ctx, *FindEntity("Serialized"),
                       {{"serial", serial}, {"itemID", std::to_string(item_id)}});
  for (const auto& c : kCustomers) {
    Json contact = {{"noEmail", "false"},
                    {"Emails", {{"ContactEmail", {{"address", c.email}, {"useType", "Primary"}}}}}};
    if (*c.phone)
      contact["Phones"] = {{"ContactPhone", {{"number", c.phone}, {"useType", "Mobile"}}}};
    Json body = {{"firstName", c.first}, {"lastName", c.last}, {"Contact", contact}};
    if (c.archived) body["archived"] = true;
    (void)CreateEntity(ctx, *FindEntity("Customer"), body);
  }
}

}  // namespace

AccountInfo SeedAccount(State& state, int64_t now_us, const std::string& name, int registers,
                        bool demo, const std::string& redirect_uri, const std::string& client_id,
                        const std::string& client_secret) {
  registers = std::max(registers, 1);
  const int64_t id = state.next_account_id++;
  Account& acct = state.accounts[id];
  acct.id = id;
  acct.name = name.empty() ? "Spoke Cycles" : name;
  // The demo's second shop has a register of its own, which counts for the bucket like any other.
  acct.registers = registers + (demo ? 1 : 0);
  // One OAuth app may serve many merchant accounts, as on Lightspeed.
  acct.client_id = client_id.empty() ? base::RandomHex(16) : client_id;
  acct.client_secret = client_id.empty() ? base::RandomHex(32) : client_secret;
  // The app's registered redirect URI ("" = none: loopback URIs only, as for a developer's app).
  acct.redirect_uri = redirect_uri;
  if (redirect_uri.empty() && !client_id.empty())
    for (const auto& [other_id, other] : state.accounts)
      if (other_id != id && other.client_id == client_id) {
        acct.redirect_uri = other.redirect_uri;
        break;
      }
  acct.rate = DefaultRate("2026", acct.registers);
  const std::string now = FormatTimeUs(now_us);

  // Every account has the tax classes Item (the default of new items) and Labor.
  Put(acct, "TaxClass", {{"name", "Item"}, {"classType", "item"}, {"timeStamp", now}});
  Put(acct, "TaxClass", {{"name", "Labor"}, {"classType", "labor"}, {"timeStamp", now}});
  Put(acct, "TaxCategory", {{"tax1Name", "Sales Tax"}, {"tax1Rate", "0.0825"}, {"timeStamp", now}});
  Put(acct, "Shop", {{"name", acct.name}, {"taxCategoryID", "1"}, {"timeStamp", now}});
  for (int r = 1; r <= registers; ++r)
    Put(acct, "Register",
        {{"name", "Register " + std::to_string(r)}, {"shopID", "1"}, {"timeStamp", now}});
  Put(acct, "Employee", {{"firstName", "Sam"}, {"lastName", "Spokes"}, {"timeStamp", now}});
  if (demo) {
    // A second shop with its register; an employee who works only there; one who left.
    Put(acct, "Shop",
        {{"name", acct.name + " Downtown"}, {"taxCategoryID", "1"}, {"timeStamp", now}});
    Put(acct, "Register", {{"name", "Downtown Register 1"}, {"shopID", "2"}, {"timeStamp", now}});
    Put(acct, "Employee",
        {{"firstName", "Dana"}, {"lastName", "Lopez"}, {"limitToShopID", "2"}, {"timeStamp", now}});
    Put(acct, "Employee",
        {{"firstName", "Casey"}, {"lastName", "Former"}, {"lockOut", "true"}, {"timeStamp", now}});
  }
  static const std::pair<const char*, const char*> kTypes[] = {
      {"Cash", "cash"},           {"Credit Card", "credit card"},
      {"Gift Card", "gift card"}, {"Credit Account", "credit account"},
      {"ECOM", "ecom"},           {"Adjustment", "adjustment"}};
  for (const auto& [label, type] : kTypes)
    Put(acct, "PaymentType", {{"name", label}, {"type", type}, {"internalReserved", "true"}});
  if (demo) SeedDemo(Ctx{&acct, now_us});

  const std::string refresh = base::RandomHex(20);
  state.refresh[refresh] = {id, "", now_us};
  return AccountInfo{
      std::to_string(id), acct.client_id, acct.client_secret, refresh, "1", "1", "1"};
}

}  // namespace sim
