#include "app/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace app {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("spoke-config-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    unsetenv("SPOKE_SERVER_LISTEN");
    unsetenv("SPOKE_SECRET_KEY");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& text) {
    const auto p = dir_ / "spoke.toml";
    std::ofstream(p) << text;
    return p.string();
  }
  std::filesystem::path dir_;
};

// Issue 13: the node's name among workers sharing a database.
TEST_F(ConfigTest, WorkerNodeNameIsReadAndCheckedNamingTheKey) {
  unsetenv("SPOKE_WORKER_NODE_NAME");
  auto unset = LoadConfig(Write("[export]\nworkers = 2\n"));
  ASSERT_TRUE(unset.ok()) << unset.error().message;
  EXPECT_EQ(unset->node_name, "") << "the engine makes hostname-pid-random";
  auto named = LoadConfig(Write("[worker]\nnode_name = \"worker-2\"\n"));
  ASSERT_TRUE(named.ok()) << named.error().message;
  EXPECT_EQ(named->node_name, "worker-2");
  auto bad = LoadConfig(Write("[worker]\nnode_name = \"a\\nb\"\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "worker.node_name");
  auto unknown = LoadConfig(Write("[worker]\nname = \"worker-2\"\n"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().field, "worker.name");
}

// Issue 15: the daily reconciliation is off unless reconcile.daily_at names a time of day.
TEST_F(ConfigTest, ReconcileDailyAtIsOffByDefaultAndCheckedNamingTheKey) {
  unsetenv("SPOKE_RECONCILE_DAILY_AT");
  auto unset = LoadConfig(Write("[export]\nworkers = 2\n"));
  ASSERT_TRUE(unset.ok()) << unset.error().message;
  EXPECT_EQ(unset->reconcile_daily_at, "") << "no daily run: today's behaviour";
  auto set = LoadConfig(Write("[reconcile]\ndaily_at = \"02:30\"\n"));
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->reconcile_daily_at, "02:30");
  for (const char* bad : {"24:00", "2:30", "02:60", "02:30:00", "noon", ""}) {
    if (std::string(bad).empty()) continue;  // an empty string is the same as unset
    auto refused = LoadConfig(Write(std::string("[reconcile]\ndaily_at = \"") + bad + "\"\n"));
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().field, "reconcile.daily_at") << bad;
  }
  auto number = LoadConfig(Write("[reconcile]\ndaily_at = 2\n"));
  ASSERT_FALSE(number.ok());
  EXPECT_EQ(number.error().field, "reconcile.daily_at");
  auto unknown = LoadConfig(Write("[reconcile]\nat = \"02:30\"\n"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().field, "reconcile.at");
  setenv("SPOKE_RECONCILE_DAILY_AT", "23:59", 1);
  EXPECT_EQ(LoadConfig(Write("[export]\nworkers = 2\n"))->reconcile_daily_at, "23:59");
  setenv("SPOKE_RECONCILE_DAILY_AT", "7:00", 1);
  EXPECT_EQ(LoadConfig(Write("[export]\nworkers = 2\n")).error().field, "reconcile.daily_at");
  unsetenv("SPOKE_RECONCILE_DAILY_AT");
}

TEST_F(ConfigTest, ReadsKeysAndEnvironmentOverrides) {
  const std::string p = Write(
      "[server]\nlisten = \"127.0.0.1:9000\"\n[database]\nurl = \"sqlite:///tmp/x.db\"\n"
      "[export]\nworkers = 2\n");
  auto c = LoadConfig(p);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->Port(), 9000);
  EXPECT_EQ(c->workers, 2);
  EXPECT_EQ(c->lightspeed_timeout_seconds, 30) << "the default";
  EXPECT_EQ(c->key_file, "/tmp/spoke.key");
  setenv("SPOKE_SERVER_LISTEN", "127.0.0.1:9001", 1);
  EXPECT_EQ(LoadConfig(p)->Port(), 9001);
  unsetenv("SPOKE_SERVER_LISTEN");
}

// Issue 10: the OAuth redirect's base; https, or http for a loopback host only.
TEST_F(ConfigTest, PublicUrlIsHttpsOrLoopbackAndNamedWhenRefused) {
  unsetenv("SPOKE_SERVER_PUBLIC_URL");
  EXPECT_EQ(LoadConfig(Write("[server]\nlisten = \"127.0.0.1:9000\"\n"))->public_url, "");
  auto c = LoadConfig(Write("[server]\npublic_url = \"https://spoke.example.com/\"\n"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->public_url, "https://spoke.example.com");
  for (const char* ok : {"http://127.0.0.1:8080", "http://localhost:8080", "https://a.b/spoke"})
    EXPECT_TRUE(LoadConfig(Write(std::string("[server]\npublic_url = \"") + ok + "\"\n")).ok())
        << ok;
  for (const char* bad :
       {"http://spoke.example.com", "spoke.example.com", "ftp://x.y", "https://x.y/?a=1",
        "https://x.y/#top", "https://", "https://u@x.y", "https://x.y:port"}) {
    auto refused = LoadConfig(Write(std::string("[server]\npublic_url = \"") + bad + "\"\n"));
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().field, "server.public_url") << bad;
    EXPECT_NE(refused.error().message.find("server.public_url"), std::string::npos) << bad;
  }
  setenv("SPOKE_SERVER_PUBLIC_URL", "http://shop.example.com", 1);
  auto env = LoadConfig(Write(""));
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.error().message.find("https"), std::string::npos) << env.error().message;
  setenv("SPOKE_SERVER_PUBLIC_URL", "https://shop.example.com", 1);
  EXPECT_EQ(LoadConfig(Write(""))->public_url, "https://shop.example.com");
  unsetenv("SPOKE_SERVER_PUBLIC_URL");
}

TEST_F(ConfigTest, LightspeedTimeoutFromFileOrEnvironmentWithinBounds) {
  const std::string p = Write("[lightspeed]\ntimeout_seconds = 5\n");
  auto c = LoadConfig(p);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->lightspeed_timeout_seconds, 5);
  setenv("SPOKE_LIGHTSPEED_TIMEOUT_SECONDS", "7", 1);
  EXPECT_EQ(LoadConfig(p)->lightspeed_timeout_seconds, 7);
  for (const char* bad : {"0", "301", "soon"}) {
    setenv("SPOKE_LIGHTSPEED_TIMEOUT_SECONDS", bad, 1);
    auto refused = LoadConfig(p);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().field, "lightspeed.timeout_seconds") << bad;
  }
  unsetenv("SPOKE_LIGHTSPEED_TIMEOUT_SECONDS");
  auto file_bad = LoadConfig(Write("[lightspeed]\ntimeout_seconds = \"30\"\n"));
  ASSERT_FALSE(file_bad.ok());
  EXPECT_EQ(file_bad.error().field, "lightspeed.timeout_seconds");
}

// Issue 11: the HTTP server's limits for the open internet can be tuned, within bounds.
TEST_F(ConfigTest, ServerLimitsFromFileOrEnvironmentWithinBounds) {
  const std::string p = Write(
      "[server]\nmax_connections = 500\nmax_connections_per_address = 20\n"
      "request_timeout_seconds = 5\nidle_timeout_seconds = 30\nthreads = 16\n");
  auto c = LoadConfig(p);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->max_connections, 500);
  EXPECT_EQ(c->max_connections_per_address, 20);
  EXPECT_EQ(c->request_timeout_seconds, 5);
  EXPECT_EQ(c->idle_timeout_seconds, 30);
  EXPECT_EQ(c->server_threads, 16);
  EXPECT_EQ(LoadConfig(Write(""))->max_connections, 10000) << "the default";
  setenv("SPOKE_SERVER_MAX_CONNECTIONS_PER_ADDRESS", "0", 1);
  auto refused = LoadConfig(p);
  unsetenv("SPOKE_SERVER_MAX_CONNECTIONS_PER_ADDRESS");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "server.max_connections_per_address");
  auto too_long = LoadConfig(Write("[server]\nrequest_timeout_seconds = 601\n"));
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().field, "server.request_timeout_seconds");
}

// Issue 15: how often the alert checker runs, within bounds.
TEST_F(ConfigTest, AlertsCheckSecondsWithinBounds) {
  EXPECT_EQ(LoadConfig(Write(""))->alerts_check_seconds, 30) << "the default";
  auto c = LoadConfig(Write("[alerts]\ncheck_seconds = 5\n"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->alerts_check_seconds, 5);
  auto refused = LoadConfig(Write("[alerts]\ncheck_seconds = 0\n"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "alerts.check_seconds");
}

// Issue 13: PostgreSQL URLs (both schemes) and the pool size.
TEST_F(ConfigTest, DatabaseUrlAndPoolSize) {
  auto pg = LoadConfig(
      Write("[database]\nurl = \"postgres://spoke@127.0.0.1:5432/spoke\"\npool_size = 16\n"));
  ASSERT_TRUE(pg.ok()) << pg.error().message;
  EXPECT_EQ(pg->database_url, "postgres://spoke@127.0.0.1:5432/spoke");
  EXPECT_EQ(pg->database_pool_size, 16);
  EXPECT_EQ(LoadConfig(Write(""))->database_pool_size, 0) << "the backend's default";
  auto too_many = LoadConfig(Write("[database]\npool_size = 65\n"));
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().field, "database.pool_size");
  auto mysql = LoadConfig(Write("[database]\nurl = \"mysql://x\"\n"));
  ASSERT_FALSE(mysql.ok());
  EXPECT_EQ(mysql.error().field, "database.url");
}

TEST_F(ConfigTest, RefusesUnknownKeysAndBadValuesNamingTheKey) {
  auto c = LoadConfig(Write("[server]\nlisen = \"x\"\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().field, "server.lisen");
  c = LoadConfig(Write("[export]\nworkers = 0\n"));
  EXPECT_EQ(c.error().field, "export.workers");
  c = LoadConfig(Write("[server]\nlisten = \"nohost\"\n"));
  EXPECT_EQ(c.error().field, "server.listen");
  // Found by fuzzing (fuzz/regressions/config): anything after the port's digits was ignored.
  for (const char* listen : {"127.0.0.1:808 ", "127.0.0.1:80abc", "127.0.0.1: 80", "[::1]:+80",
                             "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1"}) {
    c = LoadConfig(Write("[server]\nlisten = \"" + std::string(listen) + "\"\n"));
    ASSERT_FALSE(c.ok()) << listen;
    EXPECT_EQ(c.error().field, "server.listen");
  }
  // Found by fuzzing (fuzz/regressions/config): 42949672972 wrapped to 12 workers, accepted.
  c = LoadConfig(Write("[export]\nworkers = 42949672972\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().field, "export.workers");
  // Found by fuzzing (fuzz/regressions/config): "-0" was read as port 0.
  c = LoadConfig(Write("[server]\nlisten = \"[::-0\"\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().field, "server.listen");
  // Found by fuzzing (fuzz/regressions/config): a float past 2^63 was cast to an integer by
  // toml++ (undefined behaviour). A whole float is read; anything else is refused by name.
  c = LoadConfig(Write("[export]\nworkers = 5.5e78\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().field, "export.workers");
  EXPECT_NE(c.error().message.find("out of range"), std::string::npos) << c.error().message;
  c = LoadConfig(Write("[export]\nworkers = 2.5\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("whole number"), std::string::npos) << c.error().message;
  c = LoadConfig(Write("[export]\nworkers = nan\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().field, "export.workers");
  c = LoadConfig(Write("[export]\nworkers = 3.0\n"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->workers, 3);
  setenv("SPOKE_EXPORT_WORKERS", "12abc", 1);
  c = LoadConfig(Write(""));
  unsetenv("SPOKE_EXPORT_WORKERS");
  ASSERT_FALSE(c.ok()) << "the environment's numbers are read as strictly";
  EXPECT_EQ(c.error().field, "export.workers");
  // Found by fuzzing (fuzz/regressions/config): an empty quoted key was refused naming nothing.
  c = LoadConfig(Write("'' = 4\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().field, "\"\"");
  c = LoadConfig(Write("[lightspeed]\nclient_secret = \"s\"\n"));
  EXPECT_EQ(c.error().field, "lightspeed.client_secret") << "secrets never come from the file";
}

TEST_F(ConfigTest, KeyFileIsCreatedOwnerOnlyAndReused) {
  Config c;
  c.key_file = (dir_ / "spoke.key").string();
  ASSERT_TRUE(LoadSecretKey(&c).ok());
  struct stat st {};
  ASSERT_EQ(stat(c.key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  Config again;
  again.key_file = c.key_file;
  ASSERT_TRUE(LoadSecretKey(&again).ok());
  EXPECT_EQ(again.secret_key, c.secret_key);
  chmod(c.key_file.c_str(), 0644);
  Config loose;
  loose.key_file = c.key_file;
  EXPECT_EQ(LoadSecretKey(&loose).error().field, "security.key_file");
}

}  // namespace
}  // namespace app
