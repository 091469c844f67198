#include "tests/support/pg_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <thread>
#include <vector>

#include "base/mutex.h"

namespace testsupport {
namespace {

namespace fs = std::filesystem;
using std::chrono::steady_clock;

constexpr auto kReadyDeadline = std::chrono::seconds(30);
constexpr auto kStopGrace = std::chrono::seconds(30);
constexpr int kLogTailLines = 30;

std::string ErrnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string DescribeStatus(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "exited with " + std::to_string(WEXITSTATUS(status));
}

// The newest /usr/lib/postgresql/<version>/bin that holds initdb and postgres.
base::Result<std::string> FindBinDir() {
  std::error_code ec;
  double best_version = -1;
  std::string best;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string version = entry.path().filename().string();
    char* end = nullptr;
    const double v = std::strtod(version.c_str(), &end);
    if (end == version.c_str() || *end != '\0') continue;
    const fs::path bin = entry.path() / "bin";
    if (access((bin / "initdb").c_str(), X_OK) != 0) continue;
    if (access((bin / "postgres").c_str(), X_OK) != 0) continue;
    if (v > best_version) best_version = v, best = bin.string();
  }
  if (best.empty()) {
    return base::Unavailable(
        "no PostgreSQL server found (/usr/lib/postgresql/*/bin/{initdb,postgres}); "
        "scripts/deps.sh installs Debian's postgresql package",
        "pg_missing");
  }
  return best;
}

// A port on 127.0.0.1 that was free a moment ago (someone may take it before the server does).
base::Result<int> FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return base::Unavailable(ErrnoText("socket"), "pg_port");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string error = ErrnoText("bind 127.0.0.1:0");
    close(fd);
    return base::Unavailable(error, "pg_port");
  }
  close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

// Whether something else holds 127.0.0.1:port (bound as postgres binds: with SO_REUSEADDR).
bool LoopbackPortTaken(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool taken =
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno == EADDRINUSE;
  close(fd);
  return taken;
}

struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0] is an absolute path
  std::vector<std::string> env;
  std::string cwd;
  std::string log;  // stdout and stderr are appended here
  bool drop_privileges = false;
  uid_t uid = 0;
  gid_t gid = 0;
  // The child gets SIGQUIT (for postgres: immediate shutdown) when the forking thread ends.
  bool die_with_parent = false;
};

base::Result<pid_t> Spawn(const SpawnSpec& spec) {
  std::vector<std::string> args = spec.argv, vars = spec.env;
  std::vector<char*> argp, envp;
  for (auto& a : args) argp.push_back(a.data());
  argp.push_back(nullptr);
  for (auto& e : vars) envp.push_back(e.data());
  envp.push_back(nullptr);
  const int log_fd = open(spec.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return base::Unavailable(ErrnoText("open " + spec.log), "pg_spawn");
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const std::string error = ErrnoText("fork");
    close(log_fd);
    return base::Unavailable(error, "pg_spawn");
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec. Exit codes 120-125 say which step failed.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // a parent that sigwaits blocks these
    for (int sig : {SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGPIPE, SIGCHLD}) signal(sig, SIG_DFL);
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0) {
      _exit(120);
    }
    close_range(3, ~0U, 0);
    if (spec.drop_privileges) {
      if (setgroups(0, nullptr) != 0 || setgid(spec.gid) != 0) _exit(121);
      if (setuid(spec.uid) != 0) _exit(122);
    }
    if (chdir(spec.cwd.c_str()) != 0) _exit(123);
    // Last: a change of credentials clears the parent-death signal.
    if (spec.die_with_parent) {
      if (prctl(PR_SET_PDEATHSIG, SIGQUIT) != 0) _exit(124);
      if (getppid() != parent) _exit(124);
    }
    execve(argp[0], argp.data(), envp.data());
    _exit(125);
  }
  close(log_fd);
  return pid;
}

// Runs a short-lived program to its end; its exit status.
base::Result<int> RunToEnd(const SpawnSpec& spec) {
  auto pid = Spawn(spec);
  if (!pid) return pid.error();
  int status = 0;
  while (waitpid(*pid, &status, 0) < 0) {
    if (errno != EINTR) return base::Internal(ErrnoText("waitpid"));
  }
  return status;
}

std::string ConnInfo(int port, const std::string& db) {
  return "host=127.0.0.1 port=" + std::to_string(port) + " user=spoke dbname=" + db +
         " connect_timeout=5";
}

bool ValidDatabaseName(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::atomic<int> database_counter{0};

// The last lines of the file at `path`, for an error message.
std::string LogTailOf(const fs::path& path) {
  std::ifstream in(path);
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
    if (lines.size() > kLogTailLines) lines.pop_front();
  }
  std::string tail = "\n--- the last lines of " + path.filename().string() + " ---";
  for (const auto& line : lines) tail += "\n" + line;
  return tail;
}

// Who initdb, cp and the server run as.
struct ServerUser {
  bool drop_privileges = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

base::Status RunOrExplain(const SpawnSpec& spec, const std::string& what) {
  auto status = RunToEnd(spec);
  if (!status) return status.error();
  if (*status == 0) return base::OkStatus();
  const int code = WIFEXITED(*status) ? WEXITSTATUS(*status) : 0;
  const std::string setup =
      code >= 120 && code <= 125 ? " (the harness could not set up the child: see Spawn)" : "";
  return base::Unavailable(what + " " + DescribeStatus(*status) + setup + LogTailOf(spec.log),
                           "pg_" + what);
}

// An flock on `path` (created if absent, never truncated), released when this object ends.
// Opened read-only: flock needs no more, and so a lock file another user made still serves.
class FileLock {
 public:
  static base::Result<std::unique_ptr<FileLock>> Open(const std::string& path) {
    for (;;) {
      int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT) {
        fd = open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST) continue;  // someone else made it just now
      }
      if (fd < 0) return base::Unavailable(ErrnoText("open " + path), "pg_template_lock");
      return std::unique_ptr<FileLock>(new FileLock(fd, path));
    }
  }
  ~FileLock() { close(fd_); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // LOCK_SH or LOCK_EX; waits for it (a shared lock held becomes exclusive, or the reverse).
  base::Status Lock(int how) {
    while (flock(fd_, how) != 0) {
      if (errno != EINTR) return base::Unavailable(ErrnoText("flock " + path_), "pg_template_lock");
    }
    return base::OkStatus();
  }
  void Unlock() { flock(fd_, LOCK_UN); }

 private:
  FileLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

// Where the clusters' temp dirs go: memory when there is plenty (creating the copy's ~1000 files
// on a disk took 0.5 s here, on tmpfs 0.08 s), else beside the template. Docker's 64 MB /dev/shm
// is too small for two clusters, hence the minimum.
fs::path ClusterParent(const fs::path& fallback) {
  constexpr unsigned long long kMinFree = 1ULL << 30;
  struct statvfs shm {};
  if (statvfs("/dev/shm", &shm) == 0 && access("/dev/shm", W_OK | X_OK) == 0 &&
      static_cast<unsigned long long>(shm.f_bavail) * shm.f_frsize >= kMinFree) {
    return "/dev/shm";
  }
  return fallback;
}

constexpr char kTemplateMarker[] = "spoke-template-ready";

// A template is whole when its marker (written last, before the rename) is there and its
// data dir is of this PostgreSQL major version.
bool TemplateValid(const fs::path& template_dir, const std::string& major) {
  std::error_code ec;
  if (!fs::is_regular_file(template_dir / kTemplateMarker, ec)) return false;
  std::ifstream version(template_dir / "data" / "PG_VERSION");
  std::string found;
  return std::getline(version, found) && found == major;
}

// initdb into a new dir beside `template_dir`, then renamed into place (removing an invalid one
// first). The caller holds the template's exclusive lock.
base::Status BuildTemplate(const fs::path& template_dir, const std::string& bin_dir,
                           const ServerUser& user) {
  std::error_code ec;
  // A builder that died midway left its dir behind; nobody else builds while we hold the lock.
  const std::string build_prefix = template_dir.filename().string() + ".build-";
  for (const auto& entry : fs::directory_iterator(template_dir.parent_path(), ec)) {
    if (entry.path().filename().string().rfind(build_prefix, 0) == 0) {
      std::error_code ignored;
      fs::remove_all(entry.path(), ignored);
    }
  }
  std::string build = template_dir.string() + ".build-XXXXXX";
  if (mkdtemp(build.data()) == nullptr) {
    return base::Unavailable(ErrnoText("mkdtemp " + build), "pg_template");
  }
  auto fail = [&build](base::Status status) {
    std::error_code ignored;
    fs::remove_all(build, ignored);
    return status;
  };
  if (user.drop_privileges && chown(build.c_str(), user.uid, user.gid) != 0) {
    return fail(base::Unavailable(ErrnoText("chown " + build), "pg_template"));
  }
  SpawnSpec initdb;
  // Changing these? Bump the template name's "-v1" (Start), or old templates are copied.
  initdb.argv = {bin_dir + "/initdb",
                 "-D",
                 build + "/data",
                 "-U",
                 "spoke",
                 "--auth=trust",
                 "--no-sync",
                 "--no-instructions",
                 "--encoding=UTF8",
                 "--no-locale"};
  // TZ spares initdb its search of the system's zone files for a default time zone.
  initdb.env = {"PATH=" + bin_dir + ":/usr/bin:/bin", "LC_ALL=C", "TZ=UTC", "HOME=" + build};
  initdb.cwd = build;
  initdb.log = build + "/initdb.log";
  initdb.drop_privileges = user.drop_privileges;
  initdb.uid = user.uid;
  initdb.gid = user.gid;
  if (base::Status ran = RunOrExplain(initdb, "initdb"); !ran) return fail(ran);
  {
    std::ofstream marker(fs::path(build) / kTemplateMarker);
    marker << "made by spoke's tests/support/pg_cluster.cpp; the data dir is copied, never run\n";
    if (!marker.flush()) {
      return fail(base::Unavailable("cannot write the marker in " + build, "pg_template"));
    }
  }
  fs::remove_all(template_dir, ec);
  if (ec)
    return fail(
        base::Unavailable("remove " + template_dir.string() + ": " + ec.message(), "pg_template"));
  if (rename(build.c_str(), template_dir.c_str()) != 0) {
    return fail(base::Unavailable(ErrnoText("rename " + build), "pg_template"));
  }
  return base::OkStatus();
}

}  // namespace

// One run of the postmaster. Its own thread forks it and waits for it, so the server's parent
// lives exactly as long as the server: the parent-death signal then fires only when this process
// dies, never because some test thread that happened to start the cluster has ended.
struct PgCluster::Server {
  pid_t pid = 0;
  std::thread waiter;

  void MarkEnded(int wait_status) {
    base::MutexLock lock(mu_);
    ended_ = true;
    status_ = wait_status;
    ended_cv_.SignalAll();
  }
  // Waits at most `timeout` for the server to end: then its wait status, else nothing.
  std::optional<int> WaitEnded(std::chrono::milliseconds timeout) {
    const auto deadline = steady_clock::now() + timeout;
    base::MutexLock lock(mu_);
    while (!ended_ && ended_cv_.WaitUntil(mu_, deadline)) {
    }
    if (!ended_) return std::nullopt;
    return status_;
  }

 private:
  base::Mutex mu_;
  base::CondVar ended_cv_;
  bool ended_ GUARDED_BY(mu_) = false;
  int status_ GUARDED_BY(mu_) = 0;  // the wait status, once ended_
};

PgCluster::PgCluster() = default;

PgCluster::~PgCluster() {
  StopServer();
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

pid_t PgCluster::pid() const { return server_ ? server_->pid : 0; }

std::string PgCluster::Url(const std::string& db) const {
  return "postgresql://spoke@127.0.0.1:" + std::to_string(port_) + "/" + db;
}

std::string PgCluster::LogTail(const std::string& log) const {
  return LogTailOf(fs::path(dir_) / log);
}

base::Result<std::unique_ptr<PgCluster>> PgCluster::Start(const PgClusterOptions& options) {
  std::unique_ptr<PgCluster> cluster(new PgCluster());
  auto bin_dir = FindBinDir();
  if (!bin_dir) return bin_dir.error();
  cluster->bin_dir_ = *bin_dir;
  const std::string major = fs::path(*bin_dir).parent_path().filename().string();

  // initdb refuses to run as root (CI runs as root): then initdb and the server run as an
  // unprivileged user, in a dir under /tmp (which any user can reach, unlike, say, /root/tmp).
  std::error_code no_tmpdir;
  fs::path parent = fs::temp_directory_path(no_tmpdir);
  if (no_tmpdir) parent = "/tmp";
  if (geteuid() == 0) {
    // getpwnam_r, not getpwnam: clusters may start on several threads at once (its static
    // result is shared; TSan reported the race).
    passwd entry{};
    passwd* pw = nullptr;
    std::vector<char> buf(16384);
    for (const char* name : {"postgres", "nobody"}) {
      if (getpwnam_r(name, &entry, buf.data(), buf.size(), &pw) == 0 && pw != nullptr) break;
      pw = nullptr;
    }
    if (pw == nullptr) {
      return base::Unavailable("running as root, and neither user postgres nor nobody exists",
                               "pg_user");
    }
    cluster->drop_privileges_ = true;
    cluster->uid_ = pw->pw_uid;
    cluster->gid_ = pw->pw_gid;
    parent = "/tmp";
  } else {
    cluster->uid_ = geteuid();
    cluster->gid_ = getegid();
  }
  const ServerUser user{cluster->drop_privileges_, cluster->uid_, cluster->gid_};
  const fs::path cluster_parent =
      !options.cluster_parent.empty() ? fs::path(options.cluster_parent) : ClusterParent(parent);
  std::string dir_template = (cluster_parent / "spoke-pg-XXXXXX").string();
  if (mkdtemp(dir_template.data()) == nullptr) {
    return base::Unavailable(ErrnoText("mkdtemp " + dir_template), "pg_tempdir");
  }
  cluster->dir_ = dir_template;
  if (cluster->drop_privileges_ && chown(cluster->dir_.c_str(), cluster->uid_, cluster->gid_)) {
    return base::Unavailable(ErrnoText("chown " + cluster->dir_), "pg_tempdir");
  }

  // The data dir is a copy of the template, made here first if it is absent or not whole. Copies
  // hold the lock shared, a builder exclusive, so no copy sees a template half made or removed.
  const fs::path template_dir =
      !options.template_dir.empty()
          ? fs::path(options.template_dir)
          : parent / ("spoke-pg-template-" + major + "-" + std::to_string(cluster->uid_) + "-v1");
  auto lock = FileLock::Open(template_dir.string() + ".lock");
  if (!lock) return lock.error();
  if (base::Status locked = (*lock)->Lock(LOCK_SH); !locked) return locked.error();
  if (!TemplateValid(template_dir, major)) {
    (*lock)->Unlock();
    if (base::Status locked = (*lock)->Lock(LOCK_EX); !locked) return locked.error();
    if (!TemplateValid(template_dir, major)) {  // unless another process made it meanwhile
      base::Status built = BuildTemplate(template_dir, cluster->bin_dir_, user);
      if (!built) return built.error();
    }
  }
  // cp as the server user: the copy is its own, and -a keeps the data dir's mode 0700.
  SpawnSpec copy;
  copy.argv = {"/bin/cp", "-a", (template_dir / "data").string(), cluster->dir_ + "/data"};
  copy.env = {"PATH=/usr/bin:/bin", "LC_ALL=C"};
  copy.cwd = cluster->dir_;
  copy.log = cluster->dir_ + "/copy.log";
  copy.drop_privileges = user.drop_privileges;
  copy.uid = user.uid;
  copy.gid = user.gid;
  if (base::Status copied = RunOrExplain(copy, "cp"); !copied) return copied.error();
  lock->reset();

  // The port was free when we looked; if someone took it since, one more try on another.
  for (int attempt = 1;; ++attempt) {
    auto port = FreeLoopbackPort();
    if (!port) return port.error();
    cluster->port_ = *port;
    base::Status started = cluster->StartServer();
    if (started) return cluster;
    if (attempt >= 2 || !LoopbackPortTaken(cluster->port_)) return started.error();
  }
}

base::Status PgCluster::StartServer() {
  SpawnSpec spec;
  spec.argv = {bin_dir_ + "/postgres",
               "-D",
               dir_ + "/data",
               "-p",
               std::to_string(port_),
               "-k",
               dir_,
               "-c",
               "listen_addresses=127.0.0.1",
               "-c",
               "max_connections=200",
               "-c",
               "fsync=off",
               "-c",
               "synchronous_commit=off",
               "-c",
               "full_page_writes=off"};
  spec.env = {"PATH=" + bin_dir_ + ":/usr/bin:/bin", "LC_ALL=C", "TZ=UTC", "HOME=" + dir_};
  spec.cwd = dir_;
  spec.log = dir_ + "/server.log";
  spec.drop_privileges = drop_privileges_;
  spec.uid = uid_;
  spec.gid = gid_;
  spec.die_with_parent = true;

  auto server = std::make_unique<Server>();
  std::promise<base::Result<pid_t>> spawned;
  auto spawned_pid = spawned.get_future();
  Server* s = server.get();
  s->waiter = std::thread([&spec, &spawned, s] {
    auto pid = Spawn(spec);
    const bool ok = pid.ok();
    spawned.set_value(pid);  // spec and spawned are not touched after this
    if (!ok) return;
    int status = 0;
    while (waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
    }
    s->MarkEnded(status);
  });
  auto pid = spawned_pid.get();
  if (!pid) {
    s->waiter.join();
    return pid.error();
  }
  s->pid = *pid;
  server_ = std::move(server);

  // Ready when it answers; a server that ends first (a taken port, a bad setting) fails at once.
  const std::string conninfo = ConnInfo(port_, "postgres");
  const auto deadline = steady_clock::now() + kReadyDeadline;
  for (;;) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return base::OkStatus();
    if (auto status = s->WaitEnded(std::chrono::milliseconds(10))) {
      const std::string how = DescribeStatus(*status);
      StopServer();
      return base::Unavailable("postgres " + how + " before it accepted connections on port " +
                                   std::to_string(port_) + LogTail("server.log"),
                               "pg_start");
    }
    if (steady_clock::now() >= deadline) {
      StopServer();
      return base::Unavailable("postgres did not accept connections on port " +
                                   std::to_string(port_) + " within 30 s" + LogTail("server.log"),
                               "pg_start");
    }
  }
}

void PgCluster::StopServer() {
  if (!server_) return;
  Server& s = *server_;
  // Fast shutdown (SIGINT); if that hangs, immediate (SIGQUIT); last, SIGKILL. The waiter thread
  // reaps the pid, so once it has ended the pid is gone.
  if (!s.WaitEnded(std::chrono::milliseconds(0))) {
    kill(s.pid, SIGINT);
    if (!s.WaitEnded(kStopGrace)) {
      std::fprintf(stderr, "PgCluster: postgres %d ignored fast shutdown; SIGQUIT\n", s.pid);
      kill(s.pid, SIGQUIT);
      if (!s.WaitEnded(std::chrono::seconds(10))) {
        kill(s.pid, SIGKILL);
      }
    }
  }
  s.waiter.join();
  server_.reset();
}

base::Status PgCluster::Restart() {
  StopServer();
  return StartServer();
}

base::Result<std::string> PgCluster::CreateDatabase(const std::string& name) {
  const std::string db = name.empty() ? "db_" + std::to_string(++database_counter) : name;
  if (!ValidDatabaseName(db)) {
    return base::Invalid("name", "a database name is 1-63 of [a-z0-9_], not '" + db + "'");
  }
  PGconn* conn = PQconnectdb(ConnInfo(port_, "postgres").c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string error = PQerrorMessage(conn);
    PQfinish(conn);
    return base::Unavailable("connecting to " + Url() + ": " + error, "pg_connect");
  }
  const std::string sql = "CREATE DATABASE \"" + db + "\" OWNER spoke";
  PGresult* result = PQexec(conn, sql.c_str());
  base::Result<std::string> answer = Url(db);
  if (PQresultStatus(result) != PGRES_COMMAND_OK) {
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    const std::string error = sql + ": " + PQresultErrorMessage(result);
    if (state != nullptr && std::strcmp(state, "42P04") == 0) {  // duplicate_database
      answer = base::Conflict("exists", error);
    } else {
      answer = base::Unavailable(error, "pg_create_database");
    }
  }
  PQclear(result);
  PQfinish(conn);
  return answer;
}

PgCluster& SharedPgCluster() {
  static const std::unique_ptr<PgCluster> cluster = [] {
    auto started = PgCluster::Start();
    if (!started) {
      std::fprintf(stderr, "SharedPgCluster: PostgreSQL could not start: %s\n",
                   started.error().message.c_str());
      std::fflush(stderr);
      std::abort();
    }
    return std::move(started).value();
  }();
  return *cluster;
}

}  // namespace testsupport
