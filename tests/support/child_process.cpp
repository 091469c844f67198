#include "tests/support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace testing_support {

ChildProcess::~ChildProcess() { KillIfRunning(); }

void ChildProcess::KillIfRunning() {
  if (pid_ > 0 && !Ended()) {
    kill(pid_, SIGKILL);
    WaitEnded(std::chrono::seconds(10));
  }
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept { *this = std::move(other); }

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    KillIfRunning();
    pid_ = other.pid_;
    ended_ = other.ended_;
    status_ = other.status_;
    other.pid_ = 0;
    other.ended_ = false;
    other.status_ = 0;
  }
  return *this;
}

bool ChildProcess::Start(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         const std::string& log_file, std::string* error) {
  std::vector<std::string> args = argv, vars = env;
  std::vector<char*> argp, envp;
  for (auto& a : args) argp.push_back(a.data());
  argp.push_back(nullptr);
  for (auto& e : vars) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    if (error) *error = "could not start " + argv[0] + ": " + std::strerror(errno);
    return false;
  }
  if (pid == 0) {
    // Only async-signal-safe calls until exec. The child dies with the process that started it
    // (an interrupted sweep leaves no worker behind), even if that one is already gone.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    if (!log_file.empty()) {
      const int fd = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) _exit(127);
      close(fd);
    }
    close_range(3, ~0U, 0);  // no inherited sockets or database files
    execve(argp[0], argp.data(), envp.data());
    _exit(127);
  }
  pid_ = pid;
  ended_ = false;
  status_ = 0;
  return true;
}

bool ChildProcess::Ended() {
  if (pid_ <= 0 || ended_) return ended_;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    ended_ = true;
    status_ = status;
  }
  return ended_;
}

bool ChildProcess::WaitEnded(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!Ended()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

bool ChildProcess::Stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0 || Ended()) return true;
  kill(pid_, SIGTERM);
  if (WaitEnded(grace)) return true;
  kill(pid_, SIGKILL);
  WaitEnded(std::chrono::seconds(10));
  return false;
}

bool ChildProcess::KilledBy(int signal) const {
  return ended_ && WIFSIGNALED(status_) && WTERMSIG(status_) == signal;
}

std::string ChildProcess::Describe() const {
  if (!ended_) return "running";
  if (WIFSIGNALED(status_)) return "killed by signal " + std::to_string(WTERMSIG(status_));
  return "exited with " + std::to_string(WEXITSTATUS(status_));
}

std::vector<std::string> WorkerEnvironment(const WorkerEnv& w) {
  std::vector<std::string> env = {
      "SPOKE_DATABASE_URL=" + w.database_url,
      "SPOKE_KEY_FILE=" + w.key_file,
      "SPOKE_LIGHTSPEED_API_BASE=" + w.lightspeed_base,
      "SPOKE_LIGHTSPEED_AUTH_BASE=" + w.lightspeed_base,
      "SPOKE_LIGHTSPEED_CLIENT_ID=" + w.client_id,
      "SPOKE_LIGHTSPEED_CLIENT_SECRET=" + w.client_secret,
      "SPOKE_EXPORT_WORKERS=" + std::to_string(w.threads),
      "SPOKE_EXPORT_LEASE_SECONDS=" + std::to_string(w.lease_seconds),
      "SPOKE_EXPORT_LANE_LEASE_SECONDS=" + std::to_string(w.lane_lease_seconds)};
  if (!w.crash_point.empty()) env.push_back("SPOKE_CRASH_POINT=" + w.crash_point);
  if (w.crash_hit > 0) env.push_back("SPOKE_CRASH_HIT=" + std::to_string(w.crash_hit));
  // A sanitizer build (make test-asan / test-tsan) makes the worker's reports fatal too.
  // And a benchmark's choice of the nodes' database pool.
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS",
                           "SPOKE_DATABASE_POOL_SIZE", "SPOKE_EXPORT_THREADS"})
    if (const char* value = std::getenv(name)) env.push_back(std::string(name) + "=" + value);
  return env;
}

}  // namespace testing_support
