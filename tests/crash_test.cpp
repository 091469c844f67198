// R20 across crashes: `spoke worker` is killed with SIGKILL at each named point of an export, then
// started again; each order still ends as exactly one Lightspeed sale.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "api/api.h"
#include "base/secrets.h"
#include "exporter/connections.h"
#include "sim/sim.h"
#include "tests/support/service.h"

extern char** environ;

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
    db_url_ = "sqlite://" + (dir_ / "spoke.db").string();
    auto db = store::OpenStore(db_url_);
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
    ASSERT_EQ(
        api.PutItem(
               s->id, "HELMET",
               json{{"description", "Helmet"}, {"upc", "735000000007"}, {"price", "129.99"}}.dump())
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
    ASSERT_EQ(api.PutOrder(s->id, "9001", order.dump()).status, 201);
    ASSERT_EQ(api.RequestExport(s->id, "9001").status, 202);
  }
  void TearDown() override {
    (void)sim_->Stop();
    std::filesystem::remove_all(dir_);
  }

  pid_t StartWorker(const std::string& crash_point) {
    std::vector<std::string> env = {"SPOKE_DATABASE_URL=" + db_url_,
                                    "SPOKE_KEY_FILE=" + key_file_,
                                    "SPOKE_LIGHTSPEED_API_BASE=" + sim_->BaseUrl(),
                                    "SPOKE_LIGHTSPEED_AUTH_BASE=" + sim_->BaseUrl(),
                                    "SPOKE_LIGHTSPEED_CLIENT_ID=" + account_.client_id,
                                    "SPOKE_LIGHTSPEED_CLIENT_SECRET=" + account_.client_secret,
                                    "SPOKE_EXPORT_WORKERS=1",
                                    "SPOKE_EXPORT_LEASE_SECONDS=2"};
    if (!crash_point.empty()) env.push_back("SPOKE_CRASH_POINT=" + crash_point);
    // A sanitizer build (make test-asan) makes the worker's reports fatal too.
    for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"})
      if (const char* value = std::getenv(name)) env.push_back(std::string(name) + "=" + value);
    std::vector<std::string> args = {SPOKE_BINARY, "worker"};
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = 0;
    EXPECT_EQ(posix_spawn(&pid, SPOKE_BINARY, nullptr, nullptr, argv.data(), envp.data()), 0);
    return pid;
  }

  // Waits for the child to end by itself; false after `seconds`.
  static bool WaitExit(pid_t pid, int seconds, int* status) {
    for (int i = 0; i < seconds * 20; ++i) {
      if (waitpid(pid, status, WNOHANG) == pid) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::string ExportState(std::string* last_outcome) {
    auto db = store::OpenStore(db_url_);
    auto s = (*db)->FindStore("main");
    auto r = (*db)->GetOrder(s->id, "9001");
    *last_outcome = r->attempts.empty() ? "" : r->attempts.back().outcome;
    return shop::Name(r->export_record.state);
  }

  std::filesystem::path dir_;
  std::string key_, key_file_, db_url_;
  std::unique_ptr<sim::Simulator> sim_;
  sim::AccountInfo account_;
};

TEST_P(CrashRecovery, R20KilledAtEachPointAndRestartedMakesExactlyOneSale) {
  pid_t first = StartWorker(GetParam());
  int status = 0;
  ASSERT_TRUE(WaitExit(first, 30, &status)) << "the worker never reached " << GetParam();
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;

  pid_t second = StartWorker("");
  std::string state, last_outcome;
  for (int i = 0; i < 300 && state != "exported" && state != "needs_attention"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    state = ExportState(&last_outcome);
  }
  kill(second, SIGTERM);
  ASSERT_TRUE(WaitExit(second, 20, &status));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "SIGTERM stops the worker cleanly; status " << status;
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
