// The throwaway PostgreSQL cluster tests get (issue 13): it starts with nothing set up, serves
// separate databases, keeps what was committed across a restart, listens on loopback only, and
// leaves no server behind, not even when the process that started it is killed.
#include "tests/support/pg_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using testsupport::PgCluster;
using testsupport::PgClusterOptions;
using testsupport::SharedPgCluster;

// The first value of the first row of `sql`, or "ERROR: ..." (so a failure shows in the assert).
std::string QueryValue(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string error = std::string("ERROR: connect: ") + PQerrorMessage(conn);
    PQfinish(conn);
    return error;
  }
  PGresult* result = PQexec(conn, sql.c_str());
  std::string answer;
  const ExecStatusType status = PQresultStatus(result);
  if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) {
    answer = PQgetvalue(result, 0, 0);
  } else if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    answer = std::string("ERROR: ") + PQresultErrorMessage(result);
  }
  PQclear(result);
  PQfinish(conn);
  return answer;
}

bool ConnectRefused(const std::string& ip, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  const bool refused =
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno == ECONNREFUSED;
  close(fd);
  return refused;
}

bool ProcessGone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

// For a process that is (or becomes, as an orphan, with PR_SET_CHILD_SUBREAPER) our child.
bool WaitReaped(pid_t pid, std::chrono::seconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TEST(PgCluster, StartsAndAnswersSelectOne) {
  EXPECT_EQ(QueryValue(SharedPgCluster().Url(), "SELECT 1"), "1");
  EXPECT_GT(SharedPgCluster().pid(), 0);
}

TEST(PgCluster, ListensOnLoopbackOnly) {
  PgCluster& pg = SharedPgCluster();
  EXPECT_EQ(QueryValue(pg.Url(), "SHOW listen_addresses"), "127.0.0.1");
  // The unix socket sits in the cluster's own temp dir, not in /var/run/postgresql.
  const std::string socket_dir = QueryValue(pg.Url(), "SHOW unix_socket_directories");
  EXPECT_NE(socket_dir.find("spoke-pg-"), std::string::npos) << socket_dir;
  // And this machine's other addresses refuse the port.
  ifaddrs* addresses = nullptr;
  ASSERT_EQ(getifaddrs(&addresses), 0);
  for (ifaddrs* a = addresses; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    char ip[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, ip, sizeof ip);
    if (std::string(ip).rfind("127.", 0) == 0) continue;
    EXPECT_TRUE(ConnectRefused(ip, pg.port())) << ip << ":" << pg.port();
  }
  freeifaddrs(addresses);
}

TEST(PgCluster, CreateDatabaseGivesSeparateUsableDatabases) {
  PgCluster& pg = SharedPgCluster();
  auto a = pg.CreateDatabase("separate_a");
  auto b = pg.CreateDatabase("");  // a counter names it
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(*a, pg.Url("separate_a"));
  EXPECT_NE(*a, *b);
  EXPECT_EQ(QueryValue(*a, "CREATE TABLE t (v int)"), "");
  EXPECT_EQ(QueryValue(*a, "INSERT INTO t VALUES (7)"), "");
  EXPECT_EQ(QueryValue(*a, "SELECT v FROM t"), "7");
  EXPECT_EQ(QueryValue(*b, "SELECT count(*) FROM pg_tables WHERE tablename = 't'"), "0");
  EXPECT_EQ(QueryValue(*b, "SELECT current_user"), "spoke");

  auto again = pg.CreateDatabase("separate_a");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, base::ErrorCode::kConflict);
  auto bad = pg.CreateDatabase("x; DROP DATABASE postgres");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, base::ErrorCode::kInvalidInput);
}

TEST(PgCluster, RestartKeepsCommittedData) {
  auto started = PgCluster::Start();
  ASSERT_TRUE(started.ok()) << started.error().message;
  PgCluster& pg = **started;
  auto url = pg.CreateDatabase("kept");
  ASSERT_TRUE(url.ok()) << url.error().message;
  ASSERT_EQ(QueryValue(*url, "CREATE TABLE t (v text)"), "");
  ASSERT_EQ(QueryValue(*url, "INSERT INTO t VALUES ('before restart')"), "");
  const pid_t before = pg.pid();
  const int port = pg.port();

  base::Status restarted = pg.Restart();
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  EXPECT_EQ(pg.port(), port);
  EXPECT_NE(pg.pid(), before);
  EXPECT_TRUE(ProcessGone(before));
  EXPECT_EQ(QueryValue(*url, "SELECT v FROM t"), "before restart");
}

TEST(PgCluster, DestructionStopsTheServerAndRemovesItsFiles) {
  auto started = PgCluster::Start();
  ASSERT_TRUE(started.ok()) << started.error().message;
  const pid_t pid = (*started)->pid();
  const int port = (*started)->port();
  const std::string data_dir = QueryValue((*started)->Url(), "SHOW data_directory");
  ASSERT_TRUE(std::filesystem::exists(data_dir)) << data_dir;

  started->reset();
  errno = 0;
  EXPECT_EQ(kill(pid, 0), -1);  // reaped by the cluster: no zombie either
  EXPECT_EQ(errno, ESRCH);
  EXPECT_TRUE(ConnectRefused("127.0.0.1", port));
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(data_dir).parent_path()));
}

// The cached data dir every Start copies: made once, under a lock, by whichever Start comes first
// (the others wait, then copy); one that is not whole is made again. A template of its own here,
// so the machine-wide one other test processes copy from is left alone.
TEST(PgCluster, ParallelStartsShareANewTemplateAndABrokenOneIsRebuilt) {
  namespace fs = std::filesystem;
  const fs::path template_dir = "/tmp/spoke-pg-template-test-" + std::to_string(getpid());
  const fs::path marker = template_dir / "spoke-template-ready";  // pg_cluster.cpp writes it last
  fs::remove_all(template_dir);
  fs::remove(template_dir.string() + ".lock");
  const PgClusterOptions options{template_dir.string(), ""};

  std::optional<base::Result<std::unique_ptr<PgCluster>>> started[2];
  {
    std::thread first([&] { started[0].emplace(PgCluster::Start(options)); });
    std::thread second([&] { started[1].emplace(PgCluster::Start(options)); });
    first.join();
    second.join();
  }
  for (auto& result : started) {
    ASSERT_TRUE(result->ok()) << result->error().message;
    const std::string url = (**result)->Url();
    EXPECT_EQ(QueryValue(url, "SELECT 1"), "1");
    // The copy belongs to the server's user, mode 0700 (PostgreSQL refuses anything looser).
    struct stat data {};
    ASSERT_EQ(stat(QueryValue(url, "SHOW data_directory").c_str(), &data), 0);
    EXPECT_EQ(data.st_mode & 0777, 0700u);
    if (geteuid() == 0) {
      EXPECT_NE(data.st_uid, 0u);
    }
  }
  EXPECT_NE((**started[0])->port(), (**started[1])->port());
  EXPECT_TRUE(fs::exists(marker));
  started[0].reset();
  started[1].reset();

  // Not whole: the marker is missing. The next Start makes it again instead of copying it.
  fs::remove(marker);
  std::ofstream(template_dir / "data" / "left_by_a_dead_builder") << "x";
  auto again = PgCluster::Start(options);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(QueryValue((*again)->Url(), "SELECT 1"), "1");
  EXPECT_TRUE(fs::exists(marker));
  EXPECT_FALSE(fs::exists(template_dir / "data" / "left_by_a_dead_builder"));
  again->reset();

  fs::remove_all(template_dir);
  fs::remove(template_dir.string() + ".lock");
}

// `pg_cluster`, the executable, as a child with pipes on its stdin and stdout.
struct PgClusterProcess {
  pid_t pid = 0;
  int stdin_fd = -1;
  std::string url;

  void Start() {
    int in[2], out[2];
    ASSERT_EQ(pipe2(in, O_CLOEXEC), 0);
    ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
    pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      execl(PG_CLUSTER_BINARY, PG_CLUSTER_BINARY, static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_fd = in[1];
    FILE* from = fdopen(out[0], "r");
    char line[512] = {};
    ASSERT_NE(std::fgets(line, sizeof line, from), nullptr) << "pg_cluster printed no URL";
    std::fclose(from);
    url = line;
    if (!url.empty() && url.back() == '\n') url.pop_back();
  }

  int Wait() {
    int status = 0;
    waitpid(pid, &status, 0);
    if (stdin_fd >= 0) close(stdin_fd);
    return status;
  }
};

pid_t PostmasterPid(const std::string& url) {
  std::ifstream pid_file(QueryValue(url, "SHOW data_directory") + "/postmaster.pid");
  pid_t pid = 0;
  pid_file >> pid;
  return pid;
}

TEST(PgClusterExecutable, PrintsAUrlAndStopsAtEndOfStdin) {
  PgClusterProcess child;
  ASSERT_NO_FATAL_FAILURE(child.Start());
  EXPECT_EQ(QueryValue(child.url, "SELECT current_database()"), "spoke");
  const pid_t postmaster = PostmasterPid(child.url);
  ASSERT_GT(postmaster, 0);

  close(child.stdin_fd);
  child.stdin_fd = -1;
  const int status = child.Wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_TRUE(ProcessGone(postmaster));
}

// A test process that dies (a crash, a CI timeout's SIGKILL) takes its server with it.
TEST(PgClusterExecutable, AKilledParentLeavesNoServerRunning) {
  // The orphaned server comes to us rather than to init (which here may never reap it), so its
  // end is seen for certain and it leaves no zombie behind.
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  PgClusterProcess child;
  ASSERT_NO_FATAL_FAILURE(child.Start());
  const pid_t postmaster = PostmasterPid(child.url);
  ASSERT_GT(postmaster, 0);
  const int port = std::stoi(child.url.substr(child.url.rfind(':') + 1));
  const auto temp_dir =
      std::filesystem::path(QueryValue(child.url, "SHOW data_directory")).parent_path();

  kill(child.pid, SIGKILL);
  child.Wait();
  EXPECT_TRUE(WaitReaped(postmaster, std::chrono::seconds(15)));
  prctl(PR_SET_CHILD_SUBREAPER, 0);
  EXPECT_TRUE(ConnectRefused("127.0.0.1", port));
  // Nobody was left to remove the files of the killed one.
  ASSERT_NE(temp_dir.filename().string().find("spoke-pg-"), std::string::npos) << temp_dir;
  std::filesystem::remove_all(temp_dir);
}

}  // namespace
