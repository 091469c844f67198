// R20 across crashes: `spoke worker` is killed with SIGKILL at each named point of an export, then
// started again; each order still ends as exactly one Lightspeed sale.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "api/api.h"
#include "base/secrets.h"
#include "exporter/connections.h"
#include "sim/sim.h"
#include "tests/support/api_json.h"
#include "tests/support/child_process.h"
#include "tests/support/service.h"
#include "tests/support/test_database.h"

namespace {

using testing_support::json;

class CrashRecovery : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("spoke-crash-" + std::to_string(getpid()) + "-" + GetParam());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    key_file_ = (dir_ / "spoke.key").string();
    key_ = base::RandomHex(32);
    { std::ofstream(key_file_) << key_ << "\n"; }
    std::filesystem::permissions(
        key_file_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    sim_ = sim::Simulator::Create({});
    ASSERT_TRUE(sim_->Start().ok());
    account_ = sim_->CreateAccount("Crash Cycles", 1, true);
    db_url_ = testsupport::TestDatabaseUrl(dir_);
    auto db = store::Open(db_url_);
    ASSERT_TRUE(db.ok());
    auto s = (*db)->CreateStore("main", "Main", "USD");
    ASSERT_TRUE(s.ok());
    exporter::LightspeedConfig config;
    config.api_base = config.auth_base = sim_->BaseUrl();
    config.client_id = account_.client_id;
    config.client_secret = account_.client_secret;
    config.secret_key_hex = key_;
    exporter::Connections connections(**db, config);
    ASSERT_TRUE(connections.Connect(s->id, account_.refresh_token).ok());
    auto settings = (*db)->GetLightspeedSettings(s->id);
    settings->shop_id = account_.shop_id;
    settings->register_id = account_.register_id;
    settings->employee_id = account_.employee_id;
    ASSERT_TRUE((*db)->PutLightspeedSettings(s->id, *settings).ok());
    api::Api api(**db, base::SystemClock(), {&connections});
    ASSERT_EQ(testing_support::PutItemJson(
                  api, s->id, "HELMET",
                  json{{"description", "Helmet"}, {"upc", "735000000070"}, {"price", "129.99"}})
                  .status,
              201);
    json order = {
        {"number", "9001"},
        {"placed_at", "2026-11-20T15:04:05Z"},
        {"customer", {{"email", "crash@example.com"}, {"first_name", "C"}, {"last_name", "R"}}},
        {"lines", {{{"sku", "HELMET"}, {"quantity", 1}, {"unit_price", "129.99"}}}},
        {"tax", "0.00"},
        {"total", "129.99"},
        {"payments", {{{"id", "p"}, {"method", "Cash"}, {"amount", "129.99"}}}}};
    ASSERT_EQ(testing_support::PutOrderJson(api, s->id, "9001", order).status, 201);
    ASSERT_EQ(testing_support::RequestExportJson(api, s->id, "9001").status, 202);
  }
  void TearDown() override {
    (void)sim_->Stop();
    std::filesystem::remove_all(dir_);
  }

  testing_support::ChildProcess StartWorker(const std::string& crash_point) {
    testing_support::WorkerEnv w{db_url_, key_file_, sim_->BaseUrl(), account_.client_id,
                                 account_.client_secret};
    w.crash_point = crash_point;
    testing_support::ChildProcess child;
    std::string error;
    EXPECT_TRUE(
        child.Start({SPOKE_BINARY, "worker"}, testing_support::WorkerEnvironment(w), "", &error))
        << error;
    return child;
  }

  std::string ExportState(std::string* last_outcome) {
    auto db = store::Open(db_url_);
    auto s = (*db)->FindStore("main");
    auto r = (*db)->GetOrder(s->id, "9001");
    *last_outcome = r->attempts.empty() ? "" : store::Name(r->attempts.back().outcome);
    return shop::Name(r->export_record.state);
  }

  std::filesystem::path dir_;
  std::string key_, key_file_, db_url_;
  std::unique_ptr<sim::Simulator> sim_;
  sim::AccountInfo account_;
};

TEST_P(CrashRecovery, R20KilledAtEachPointAndRestartedMakesExactlyOneSale) {
  testing_support::ChildProcess first = StartWorker(GetParam());
  ASSERT_TRUE(first.WaitEnded(std::chrono::seconds(30)))
      << "the worker never reached " << GetParam();
  ASSERT_TRUE(first.KilledBy(SIGKILL)) << first.Describe();

  testing_support::ChildProcess second = StartWorker("");
  std::string state, last_outcome;
  for (int i = 0; i < 300 && state != "exported" && state != "needs_attention"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    state = ExportState(&last_outcome);
  }
  ASSERT_TRUE(second.Stop(std::chrono::seconds(20)));
  EXPECT_EQ(second.Describe(), "exited with 0") << "a clean stop (and no sanitizer report)";
  ASSERT_EQ(state, "exported");

  httplib::Client control(sim_->BaseUrl());
  auto stats =
      json::parse(control.Get(("/_sim/accounts/" + account_.account_id + "/stats").c_str())->body);
  EXPECT_TRUE(stats["duplicate_references"].empty()) << stats.dump();
  EXPECT_EQ(stats["requests"].value("POST Sale", 0), 1) << "one sale was ever sent";
  const std::string point = GetParam();
  if (point == "after_send" || point == "before_success")
    EXPECT_EQ(last_outcome, "adopted") << "the restart found the sale and adopted it";
  else
    EXPECT_EQ(last_outcome, "exported") << "nothing had been sent: the restart sent it";
}

INSTANTIATE_TEST_SUITE_P(AtEachPoint, CrashRecovery,
                         ::testing::Values("after_claim", "after_intent", "after_send",
                                           "before_success"));

}  // namespace
