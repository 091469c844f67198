// A real spoke server on loopback over a real SQLite file, for end-to-end tests.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "alerts/alerts.h"
#include "api/api.h"
#include "exporter/connections.h"
#include "exporter/engine.h"
#include "sim/sim.h"
#include "store/store.h"
#include "web/server.h"

namespace testing_support {

using nlohmann::json;

struct Reply {
  int status = 0;
  json body;
  std::string raw;
};

class TestService;

struct ServiceOptions {
  int lightspeed_timeout_seconds = 30;  // lightspeed.timeout_seconds: one whole request
  int workers = 4;                      // export.workers
  int threads = 4;                      // export.threads
  std::chrono::milliseconds first_backoff{200}, max_backoff{2000};
  // How long an unanswered write may still land (the engine's settle): lsr-sim answers at once
  // unless a delay fault says otherwise.
  std::chrono::milliseconds settle{300};
  // server.public_url for the site and the API ("" = none).
  std::string public_url;
  // The redirect URI the lsr-sim app registers ("" = none: loopback addresses only).
  std::string registered_redirect_uri;
  // The site's Connect button and pickers talk to lsr-sim (off: "no Lightspeed application").
  bool site_connections = true;
  // The engine's keep-alive of quiet stores (0: off).
  std::chrono::hours refresh_keepalive{24 * 7};
  // Where spoke listens ("::" for dual-stack; Call() still uses 127.0.0.1).
  std::string host = "127.0.0.1";
  // Read deadlines, header limit and connection caps of the HTTP server.
  http::Limits limits;
  // PostgreSQL whatever SPOKE_TEST_DATABASE says (tests that are about several nodes).
  bool postgres = false;
  // Another `spoke serve` node: this server opens that service's SQLite file (its store, token
  // and API see the same rows) instead of a fresh one; it must outlive this one.
  const TestService* share_database_of = nullptr;
  // Alerts (issue 15): served by the API and the site; their checker is run by the test
  // (alerts().CheckOnce()), not by a thread.
  alerts::Options alerts;
  // lsr-sim's request threads (sim::SimOptions::threads; 0 = its default).
  int sim_threads = 0;
};

// The system clock moved forward by hand: spoke's half of "days later" (lsr-sim's half is
// POST /_sim/clock). Sleeps are real.
class OffsetClock : public base::Clock {
 public:
  base::TimePoint Now() const override { return base::SystemClock().Now() + Offset(); }
  void SleepFor(base::Duration d) override { base::SystemClock().SleepFor(d); }
  void Advance(base::Duration d) { offset_ns_ += std::chrono::nanoseconds(d).count(); }

 private:
  base::Duration Offset() const {
    return std::chrono::duration_cast<base::Duration>(std::chrono::nanoseconds(offset_ns_.load()));
  }
  std::atomic<int64_t> offset_ns_{0};
};

class TestService {
 public:
  explicit TestService(ServiceOptions options = {});
  ~TestService();

  // A second store with its own token, to prove isolation.
  std::string AddStore(const std::string& slug);
  // Another merchant: a store, its token, and its own lsr-sim account under spoke's OAuth app.
  struct Merchant {
    std::string token;
    sim::AccountInfo account;
  };
  Merchant AddConnectedStore(const std::string& slug);

  // The export engine (started by StartEngine; tests that stage a queue start it later).
  void StartEngine();
  void StopEngine();
  // Polls the order until its export is exported or needs attention (or `seconds` pass).
  Reply WaitForExport(const std::string& number, int seconds = 20, const std::string& token = "");
  // Polls the order until the refund's Lightspeed state (refunds[].lightspeed, issue 15) is sent
  // or needs attention (or `seconds` pass); answers that object.
  json WaitForRefund(const std::string& number, const std::string& refund_id, int seconds = 20);
  // The connected store's Lightspeed client, to look at what reached the emulator.
  std::shared_ptr<lightspeed::Client> Lightspeed();
  // Moves time forward for spoke (its clock) and lsr-sim (POST /_sim/clock) alike.
  void AdvanceTime(std::chrono::seconds d);
  // lsr-sim's control plane (GET, PUT, POST, DELETE) for the main account or `account_id`.
  json SimControl(const std::string& method, const std::string& rest, const json& body = nullptr,
                  const std::string& account_id = "");

  Reply Call(const std::string& method, const std::string& path, const std::string& body = "",
             const std::string& token = "");
  Reply Put(const std::string& path, const json& body) { return Call("PUT", path, body.dump()); }
  Reply Get(const std::string& path) { return Call("GET", path); }
  Reply Post(const std::string& path, const json& body = json::object()) {
    return Call("POST", path, body.dump());
  }

  // Connects to the in-process lsr-sim account (headless connect) and picks its shop, register
  // and employee.
  void Connect();
  const sim::AccountInfo& account() const { return account_; }
  sim::Simulator& simulator() { return *sim_; }

  const std::filesystem::path& dir() const { return dir_; }
  // The test's database (test_database.h: SQLite, or PostgreSQL under SPOKE_TEST_DATABASE).
  const std::string& db_url() const { return db_url_; }
  store::Store& db() { return *db_; }
  alerts::Alerts& alerts() { return *alerts_; }
  store::StoreId store_id() const { return store_id_; }
  const std::string& token() const { return token_; }
  int port() const { return port_; }

 private:
  std::filesystem::path dir_;
  std::string db_url_;
  OffsetClock clock_;
  std::unique_ptr<store::Store> db_;
  std::unique_ptr<sim::Simulator> sim_;
  sim::AccountInfo account_;
  std::unique_ptr<exporter::Connections> connections_;
  std::unique_ptr<exporter::Engine> engine_;
  std::unique_ptr<api::Api> api_;
  std::unique_ptr<alerts::Alerts> alerts_;
  std::unique_ptr<web::Server> server_;
  store::StoreId store_id_;
  std::string token_;
  int port_ = 0;
};

// A catalog item and a paid order (999.24 = 899.99 + 25.00 shipping + 74.25 tax).
json BikeItem();
json PaidOrder(const std::string& number);
// The helmet (UPC 735000000070, in lsr-sim's demo seed) and a 139.99 order for it, paid by
// `method`.
json HelmetItem();
json HelmetOrder(const std::string& number, const std::string& email,
                 const std::string& method = "Online Payments (Stripe)");

// The site manager as a browser sees it: a hidden form field's value ("csrf"), and the
// "name=value" of a cookie an answer sets.
std::string Field(const std::string& html, const std::string& name);
std::string CookiePair(const httplib::Result& r, const std::string& name);

}  // namespace testing_support
