#include "tests/support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

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
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!log_file.empty()) {
    posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  }
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argp[0], &actions, nullptr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    if (error) *error = "could not start " + argv[0] + ": " + std::strerror(rc);
    return false;
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
  std::vector<std::string> env = {"SPOKE_DATABASE_URL=" + w.database_url,
                                  "SPOKE_KEY_FILE=" + w.key_file,
                                  "SPOKE_LIGHTSPEED_API_BASE=" + w.lightspeed_base,
                                  "SPOKE_LIGHTSPEED_AUTH_BASE=" + w.lightspeed_base,
                                  "SPOKE_LIGHTSPEED_CLIENT_ID=" + w.client_id,
                                  "SPOKE_LIGHTSPEED_CLIENT_SECRET=" + w.client_secret,
                                  "SPOKE_EXPORT_WORKERS=" + std::to_string(w.threads),
                                  "SPOKE_EXPORT_LEASE_SECONDS=" + std::to_string(w.lease_seconds)};
  if (!w.crash_point.empty()) env.push_back("SPOKE_CRASH_POINT=" + w.crash_point);
  if (w.crash_hit > 0) env.push_back("SPOKE_CRASH_HIT=" + std::to_string(w.crash_hit));
  return env;
}

}  // namespace testing_support
