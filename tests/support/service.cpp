#include "tests/support/service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <regex>
#include <thread>

#include "base/secrets.h"
#include "tests/support/test_database.h"

namespace testing_support {

namespace {
std::atomic<int> counter{0};
}

TestService::TestService(ServiceOptions options) {
  dir_ = std::filesystem::temp_directory_path() /
         ("spoke-e2e-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  const TestService* first = options.share_database_of;
  db_url_ = first ? first->db_url() : testsupport::TestDatabaseUrl(dir_, options.postgres);
  auto db = store::Open(db_url_, {.clock = &clock_});
  if (!db.ok()) throw std::runtime_error(db.error().message);
  db_ = std::move(*db);
  token_ = first ? first->token() : AddStore("bikes");
  store_id_ = db_->FindStore("bikes")->id;
  sim_ = sim::Simulator::Create({.threads = options.sim_threads});
  if (!sim_->Start().ok()) throw std::runtime_error("lsr-sim did not start");
  if (options.registered_redirect_uri.empty()) {
    account_ = sim_->CreateAccount("Spoke Cycles", 1, true);
  } else {
    httplib::Client c(sim_->BaseUrl());
    auto r = c.Post("/_sim/accounts",
                    json{{"name", "Spoke Cycles"},
                         {"seed", "demo"},
                         {"redirect_uri", options.registered_redirect_uri}}
                        .dump(),
                    "application/json");
    const json a = r ? json::parse(r->body, nullptr, false) : json();
    if (!r || r->status != 200) throw std::runtime_error("lsr-sim refused the account");
    account_ = {a["account_id"], a["client_id"],   a["client_secret"], a["refresh_token"],
                a["shop_id"],    a["register_id"], a["employee_id"]};
  }
  exporter::LightspeedConfig config;
  config.api_base = config.auth_base = sim_->BaseUrl();
  config.client_id = account_.client_id;
  config.client_secret = account_.client_secret;
  config.transport.total_timeout_ms = options.lightspeed_timeout_seconds * 1000L;
  // The same key file the `spoke` binary reads in CLI tests (SPOKE_KEY_FILE), owner-only.
  config.secret_key_hex = base::RandomHex(32);
  {
    const auto key_file = dir_ / "spoke.key";
    std::ofstream(key_file) << config.secret_key_hex << "\n";
    std::filesystem::permissions(
        key_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
  config.clock = &clock_;
  connections_ = std::make_unique<exporter::Connections>(*db_, config);
  exporter::EngineOptions engine_options;
  engine_options.workers = options.workers;
  engine_options.threads = options.threads;
  engine_options.poll = std::chrono::milliseconds(50);
  engine_options.first_backoff = options.first_backoff;
  engine_options.max_backoff = options.max_backoff;
  engine_options.settle = options.settle;
  engine_options.clock = &clock_;
  engine_options.refresh_keepalive = options.refresh_keepalive;
  engine_ = std::make_unique<exporter::Engine>(*db_, *connections_, engine_options);
  api_ = std::make_unique<api::Api>(
      *db_, clock_,
      api::ApiOptions{connections_.get(), [this] { engine_->Wake(); }, options.public_url});
  web::ServerOptions server_options;
  server_options.public_url = options.public_url;
  server_options.host = options.host;
  server_options.limits = options.limits;
  server_options.clock = &clock_;
  if (options.site_connections) server_options.connections = connections_.get();
  server_options.engine = engine_.get();
  alerts::Options alert_options = options.alerts;
  alert_options.secret_key_hex = config.secret_key_hex;
  alert_options.public_url = options.public_url;
  alerts_ = std::make_unique<alerts::Alerts>(*db_, clock_, alert_options);
  server_options.alerts = alerts_.get();
  server_ = web::CreateServer(server_options, *api_, *db_);
  auto port = server_->Start();
  if (!port.ok()) throw std::runtime_error(port.error().message);
  port_ = *port;
}

TestService::~TestService() {
  server_->Stop();
  server_.reset();
  alerts_.reset();
  engine_->Stop();
  engine_.reset();
  api_.reset();
  connections_.reset();
  (void)sim_->Stop();
  db_.reset();
  std::filesystem::remove_all(dir_);
}

std::string TestService::AddStore(const std::string& slug) {
  auto s = db_->CreateStore(slug, slug, "USD");
  if (!s.ok()) throw std::runtime_error(s.error().message);
  const std::string token = "spk_" + base::RandomHex(24);
  if (!db_->AddApiToken(s->id, base::Sha256Hex(token), "test").ok())
    throw std::runtime_error("token");
  return token;
}

Reply TestService::Call(const std::string& method, const std::string& path, const std::string& body,
                        const std::string& token) {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(30, 0);
  httplib::Headers headers;
  const std::string t = token.empty() ? token_ : token;
  if (t != "none") headers.emplace("Authorization", "Bearer " + t);
  auto send = [&]() -> httplib::Result {
    if (method == "PUT") return client.Put(path.c_str(), headers, body, "application/json");
    if (method == "POST") return client.Post(path.c_str(), headers, body, "application/json");
    if (method == "PATCH") return client.Patch(path.c_str(), headers, body, "application/json");
    return client.Get(path.c_str(), headers);
  };
  httplib::Result r = send();
  Reply out;
  if (!r) {
    ADD_FAILURE() << method << " " << path << ": transport error " << httplib::to_string(r.error());
    return out;
  }
  out.status = r->status;
  out.raw = r->body;
  out.body = json::parse(r->body, nullptr, false);
  return out;
}

void TestService::Connect() {
  Reply c =
      Post("/api/v1/settings/lightspeed/connect", {{"refresh_token", account_.refresh_token}});
  ASSERT_EQ(c.status, 200) << c.raw;
  Reply s = Put("/api/v1/settings/lightspeed", {{"shop_id", account_.shop_id},
                                                {"register_id", account_.register_id},
                                                {"employee_id", account_.employee_id}});
  ASSERT_EQ(s.status, 200) << s.raw;
}

TestService::Merchant TestService::AddConnectedStore(const std::string& slug) {
  Merchant m;
  m.token = AddStore(slug);
  m.account =
      sim_->CreateAccountForClient(slug, 1, true, account_.client_id, account_.client_secret);
  Reply c = Call("POST", "/api/v1/settings/lightspeed/connect",
                 json{{"refresh_token", m.account.refresh_token}}.dump(), m.token);
  EXPECT_EQ(c.status, 200) << c.raw;
  EXPECT_EQ(c.body["account_id"], m.account.account_id) << c.raw;
  Reply s = Call("PUT", "/api/v1/settings/lightspeed",
                 json{{"shop_id", m.account.shop_id},
                      {"register_id", m.account.register_id},
                      {"employee_id", m.account.employee_id}}
                     .dump(),
                 m.token);
  EXPECT_EQ(s.status, 200) << s.raw;
  return m;
}

void TestService::StartEngine() { engine_->Start(); }
void TestService::StopEngine() { engine_->Stop(); }

Reply TestService::WaitForExport(const std::string& number, int seconds, const std::string& token) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  Reply r;
  while (std::chrono::steady_clock::now() < until) {
    r = Call("GET", "/api/v1/orders/" + number, "", token);
    const std::string state = r.body.is_object() ? r.body["export"].value("state", "") : "";
    if (state == "exported" || state == "needs_attention") return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "order " << number << " did not finish exporting: " << r.raw;
  return r;
}

json TestService::WaitForRefund(const std::string& number, const std::string& refund_id,
                                int seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  json state;
  while (std::chrono::steady_clock::now() < until) {
    Reply r = Get("/api/v1/orders/" + number);
    if (r.body.is_object())
      for (const json& f : r.body["refunds"])
        if (f["id"] == refund_id) state = f["lightspeed"];
    if (state.is_object() && (state["state"] == "sent" || state["state"] == "needs_attention"))
      return state;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "refund " << refund_id << " of order " << number
                << " was not sent or stopped: " << state.dump();
  return state;
}

std::shared_ptr<lightspeed::Client> TestService::Lightspeed() {
  auto c = connections_->ClientFor(store_id_);
  if (!c.ok()) throw std::runtime_error(c.error().message);
  return *c;
}

void TestService::AdvanceTime(std::chrono::seconds d) {
  clock_.Advance(d);
  httplib::Client c(sim_->BaseUrl());
  auto r = c.Post("/_sim/clock", json{{"advance_s", d.count()}}.dump(), "application/json");
  if (!r || r->status != 200) ADD_FAILURE() << "lsr-sim's clock did not move";
}

json TestService::SimControl(const std::string& method, const std::string& rest, const json& body,
                             const std::string& account_id) {
  httplib::Client c(sim_->BaseUrl());
  const std::string path =
      "/_sim/accounts/" + (account_id.empty() ? account_.account_id : account_id) + rest;
  auto r = method == "PUT"      ? c.Put(path.c_str(), body.dump(), "application/json")
           : method == "POST"   ? c.Post(path.c_str(), body.dump(), "application/json")
           : method == "DELETE" ? c.Delete(path.c_str())
                                : c.Get(path.c_str());
  return r ? json::parse(r->body, nullptr, false) : json();
}

json BikeItem() {
  return {{"sku", "TREK-FX2-M-BLK"},
          {"description", "Trek FX 2 Disc, M, black"},
          {"kind", "inventory"},
          {"source", "supplier_sync"},
          {"lightspeed_item_id", nullptr},
          {"upc", "601842123454"},
          {"manufacturer_sku", "FX2-M-BK"},
          {"brand", "Trek"},
          {"price", "899.99"},
          {"cost", "610.00"},
          {"msrp", "949.99"},
          {"serialized", true}};
}

json PaidOrder(const std::string& number) {
  return {{"number", number},
          {"placed_at", "2026-11-20T15:04:05Z"},
          {"status", "open"},
          {"currency", "USD"},
          {"customer",
           {{"email", "Ann.Lee@Example.com"},
            {"first_name", "Ann"},
            {"last_name", "Lee"},
            {"phone", "+1 555 0100"}}},
          {"billing_address",
           {{"line1", "1 Main St"},
            {"line2", nullptr},
            {"city", "Boulder"},
            {"region", "CO"},
            {"postal_code", "80302"},
            {"country", "US"}}},
          {"shipping_address", nullptr},
          {"lines",
           {{{"sku", "TREK-FX2-M-BLK"},
             {"quantity", 1},
             {"unit_price", "899.99"},
             {"discount", "0.00"},
             {"taxable", true},
             {"serial_numbers", {"WTU123X4567"}}}}},
          {"order_discount", "0.00"},
          {"shipping", {{"method", "UPS Ground"}, {"amount", "25.00"}}},
          {"tax", "74.25"},
          {"total", "999.24"},
          {"payments",
           {{{"id", "pay_1"},
             {"method", "Online Payments (Stripe)"},
             {"amount", "999.24"},
             {"status", "captured"},
             {"reference", "ch_3Nx"}}}},
          {"refunds", json::array()}};
}

json HelmetItem() {
  return {{"description", "Aero Road Helmet M"},
          {"source", "supplier_sync"},
          {"upc", "735000000070"},
          {"price", "129.99"}};
}

json HelmetOrder(const std::string& number, const std::string& email, const std::string& method) {
  return {{"number", number},
          {"placed_at", "2026-11-20T15:04:05Z"},
          {"customer", {{"email", email}, {"first_name", "Ann"}, {"last_name", "Lee"}}},
          {"lines", {{{"sku", "HELMET"}, {"quantity", 1}, {"unit_price", "129.99"}}}},
          {"shipping", {{"method", "UPS Ground"}, {"amount", "10.00"}}},
          {"tax", "0.00"},
          {"total", "139.99"},
          {"payments", {{{"id", "p1"}, {"method", method}, {"amount", "139.99"}}}}};
}

std::string Field(const std::string& html, const std::string& name) {
  std::smatch m;
  std::regex re("name=\"" + name + "\" value=\"([^\"]*)\"");
  return std::regex_search(html, m, re) ? m[1].str() : "";
}

std::string CookiePair(const httplib::Result& r, const std::string& name) {
  for (const auto& [k, v] : r->headers)
    if (k == "Set-Cookie" && v.rfind(name + "=", 0) == 0) return v.substr(0, v.find(';'));
  return "";
}

}  // namespace testing_support
