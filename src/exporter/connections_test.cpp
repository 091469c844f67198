// Token refresh through the database: at most one refresh per expiry across threads and
// processes, the new pair stored before use, and invalid_grant surfaced as "reconnect".
#include "exporter/connections.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/secrets.h"
#include "sim/sim.h"

extern char** environ;

namespace exporter {
namespace {

using nlohmann::json;

class ConnectionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("spoke-conn-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    db_url_ = "sqlite://" + (dir_ / "spoke.db").string();
    auto opened = store::Open(db_url_);
    ASSERT_TRUE(opened.ok());
    db_ = std::move(opened).value();
    store_ = db_->CreateStore("bikes", "Bikes", "USD")->id;
    sim_ = sim::Simulator::Create({});
    port_ = *sim_->Start();
    account_ = sim_->CreateAccount("Spoke Cycles", 1, true);
    config_.api_base = config_.auth_base = sim_->BaseUrl();
    config_.client_id = account_.client_id;
    config_.client_secret = account_.client_secret;
    config_.secret_key_hex = base::RandomHex(32);
    connections_ = std::make_unique<Connections>(*db_, config_);
    auto account = connections_->Connect(store_, account_.refresh_token);
    ASSERT_TRUE(account.ok()) << account.error().message;
    ASSERT_EQ(account->id, account_.account_id);
  }
  void TearDown() override {
    connections_.reset();
    (void)sim_->Stop();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  json Control(const std::string& method, const std::string& rest, const json& body = nullptr) {
    httplib::Client c("127.0.0.1", port_);
    const std::string path = "/_sim/accounts/" + account_.account_id + rest;
    auto r = method == "PUT" ? c.Put(path.c_str(), body.dump(), "application/json")
                             : c.Get(path.c_str());
    return r ? json::parse(r->body, nullptr, false) : json();
  }
  int Refreshes() { return Control("GET", "/stats")["refreshes"].get<int>(); }
  void ExpireAccessTokens() { Control("PUT", "/tokens", {{"expire_access_tokens", true}}); }

  std::filesystem::path dir_;
  std::string db_url_;
  std::unique_ptr<store::Store> db_;
  store::StoreId store_;
  std::unique_ptr<sim::Simulator> sim_;
  int port_ = 0;
  sim::AccountInfo account_;
  LightspeedConfig config_;
  std::unique_ptr<Connections> connections_;
};

TEST_F(ConnectionsTest, TokensAreSealedAtRest) {
  auto sealed = db_->GetLightspeedTokens(store_);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->refresh_sealed.find(account_.refresh_token), std::string::npos);
  EXPECT_TRUE(base::Unseal(config_.secret_key_hex, sealed->refresh_sealed).ok());
  EXPECT_FALSE(base::Unseal(base::RandomHex(32), sealed->refresh_sealed).ok());
}

TEST_F(ConnectionsTest, FourThreadsOneRefresh) {
  auto client = connections_->ClientFor(store_);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(base::SyncWait((*client)->ListShops()).ok());
  const int before = Refreshes();
  ExpireAccessTokens();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] { failures += !base::SyncWait((*client)->ListShops()).ok(); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(Refreshes(), before + 1);
}

TEST_F(ConnectionsTest, TwoProcessesOfFourThreadsOneRefreshAndTheStoredTokenStaysValid) {
  const int before = Refreshes();
  ExpireAccessTokens();
  std::vector<pid_t> children;
  for (int p = 0; p < 2; ++p) {
    std::vector<std::string> args = {REFRESH_RACE_BINARY,
                                     db_url_,
                                     config_.secret_key_hex,
                                     sim_->BaseUrl(),
                                     account_.client_id,
                                     account_.client_secret,
                                     "bikes",
                                     "4"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid;
    ASSERT_EQ(posix_spawn(&pid, REFRESH_RACE_BINARY, nullptr, nullptr, argv.data(), environ), 0);
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child " << pid;
  }
  EXPECT_EQ(Refreshes(), before + 1) << "one expiry, one refresh, across 8 callers";
  // The refresh token now stored is the one Lightspeed honours: the next expiry heals.
  ExpireAccessTokens();
  auto client = connections_->ClientFor(store_);
  ASSERT_TRUE(client.ok());
  auto shops = base::SyncWait((*client)->ListShops());
  ASSERT_TRUE(shops.ok()) << shops.error().message;
  EXPECT_EQ(Refreshes(), before + 2);
}

TEST_F(ConnectionsTest, InvalidGrantAsksTheMerchantToReconnect) {
  Control("PUT", "/tokens", {{"expire_access_tokens", true}, {"revoke_refresh_tokens", true}});
  auto client = connections_->ClientFor(store_);
  ASSERT_TRUE(client.ok());
  auto shops = base::SyncWait((*client)->ListShops());
  ASSERT_FALSE(shops.ok());
  EXPECT_EQ(shops.error().reason, "invalid_grant");
  auto settings = db_->GetLightspeedSettings(store_);
  EXPECT_EQ(settings->connection, store::ConnectionState::kReconnect);
  EXPECT_NE(settings->connection_message.find("Reconnect to Lightspeed"), std::string::npos);
  auto again = connections_->ClientFor(store_);
  ASSERT_FALSE(again.ok()) << "no retry loop: the store waits for the merchant";
  EXPECT_EQ(again.error().reason, "not_connected");
  EXPECT_EQ(Refreshes(), 1) << "only the connect itself refreshed";
}

}  // namespace
}  // namespace exporter
