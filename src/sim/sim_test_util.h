// Test harness: an lsr-sim on a free loopback port, a ManualClock, a demo account and a token.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/clock.h"
#include "sim/sim.h"

namespace sim::testing {

using Json = nlohmann::ordered_json;

struct Answer {
  bool transport_ok = false;
  int status = 0;
  httplib::Headers headers;
  std::string body;
  Json json;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

inline base::TimePoint TestStart() { return *base::ParseTime("2026-11-20T15:00:00Z", "start"); }

class SimTest : public ::testing::Test {
 protected:
  explicit SimTest(std::string state_file = "") : clock_(TestStart()) {
    SimOptions o;
    o.clock = &clock_;
    o.state_file = std::move(state_file);
    o.threads = 16;
    sim_ = Simulator::Create(o);
  }

  void SetUp() override {
    auto port = sim_->Start();
    ASSERT_TRUE(port.ok()) << port.error().message;
    port_ = *port;
    http_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    http_->set_url_encode(false);
    http_->set_keep_alive(true);
    http_->set_tcp_nodelay(true);
    NewAccount("demo", 1);
  }

  void TearDown() override {
    http_.reset();
    (void)sim_->Stop();
  }

  // A fresh account through the control plane, and a first access token for it.
  void NewAccount(const std::string& seed, int registers) {
    Answer a =
        Call("POST", "/_sim/accounts",
             Json{{"name", "Spoke Cycles"}, {"registers", registers}, {"seed", seed}}.dump());
    ASSERT_EQ(a.status, 200) << a.body;
    info_ = a.json;
    account_ = info_["account_id"].get<std::string>();
    refresh_ = info_["refresh_token"].get<std::string>();
    Answer t = Refresh(refresh_);
    ASSERT_EQ(t.status, 200) << t.body;
    token_ = t.json["access_token"].get<std::string>();
    refresh_ = t.json["refresh_token"].get<std::string>();
  }

  Answer Call(const std::string& method, const std::string& path, const std::string& body = "",
              httplib::Headers headers = {}, const std::string& type = "application/json") {
    httplib::Result r(nullptr, httplib::Error::Unknown);
    if (method == "GET") {
      r = http_->Get(path.c_str(), headers);
      // The sim closes a keep-alive connection after 5 s idle; a request sent just as it closes
      // fails in transport. Like any HTTP client, retry an idempotent request once on a new
      // connection (RFC 9112, 9.3.1). Writes are never retried: their tests watch for that error.
      if (!r) r = http_->Get(path.c_str(), headers);
    }
    if (method == "POST") r = http_->Post(path.c_str(), headers, body, type.c_str());
    if (method == "PUT") r = http_->Put(path.c_str(), headers, body, type.c_str());
    if (method == "DELETE") r = http_->Delete(path.c_str(), headers, body, type.c_str());
    Answer a;
    if (!r) return a;
    a.transport_ok = true;
    a.status = r->status;
    a.headers = r->headers;
    a.body = r->body;
    a.json = Json::parse(r->body, nullptr, false);
    return a;
  }

  // An API call under /API/V3/Account/{id}/ with the current bearer token.
  Answer Api(const std::string& method, const std::string& rest, const Json& body = nullptr) {
    return Call(method, "/API/V3/Account/" + account_ + "/" + rest,
                body.is_null() ? "" : body.dump(), {{"Authorization", "Bearer " + token_}});
  }

  Answer Control(const std::string& method, const std::string& what, const Json& body = nullptr) {
    return Call(method, "/_sim/accounts/" + account_ + "/" + what,
                body.is_null() ? "" : body.dump());
  }

  Answer Refresh(const std::string& refresh_token) {
    return Call("POST", "/auth/oauth/token",
                "grant_type=refresh_token&client_id=" + info_["client_id"].get<std::string>() +
                    "&client_secret=" + info_["client_secret"].get<std::string>() +
                    "&refresh_token=" + refresh_token,
                {}, "application/x-www-form-urlencoded");
  }

  void RateOff() { ASSERT_EQ(Control("PUT", "rate", {{"model", "off"}}).status, 200); }

  // A completed sale body: shop/register/employee 1 plus the given lines and payments.
  static Json SaleBody(Json lines, Json payments, bool completed = true) {
    Json b = {{"shopID", "1"}, {"registerID", "1"}, {"employeeID", "1"}, {"completed", completed}};
    if (!lines.is_null()) b["SaleLines"] = {{"SaleLine", lines}};
    if (!payments.is_null()) b["SalePayments"] = {{"SalePayment", payments}};
    return b;
  }

  base::ManualClock clock_;
  std::unique_ptr<Simulator> sim_;
  std::unique_ptr<httplib::Client> http_;
  int port_ = 0;
  Json info_;
  std::string account_, refresh_, token_;
};

}  // namespace sim::testing
