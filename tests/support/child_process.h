// The real `spoke` binary as a child process: started with an environment of its own, watched and
// stopped by its pid only (never by name). Used by the crash tests and the crash sweep.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace testing_support {

class ChildProcess {
 public:
  ChildProcess() = default;
  // A child still running when its handle goes away is killed (SIGKILL) and reaped.
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv[0] with exactly `env`. Its stdout and stderr are appended to `log_file`, or go
  // where the parent's go when it is empty. The child is killed if this process dies first.
  // false (and errno's words in `error`) if it could not be started.
  bool Start(const std::vector<std::string>& argv, const std::vector<std::string>& env,
             const std::string& log_file, std::string* error);

  pid_t pid() const { return pid_; }
  bool started() const { return pid_ > 0; }
  // Looks without waiting: true once the child has ended (its wait status is then kept).
  bool Ended();
  // Waits until the child ends, at most `timeout`; true when it ended.
  bool WaitEnded(std::chrono::milliseconds timeout);
  // SIGTERM, then at most `grace` for it to end; then SIGKILL. true when it ended within `grace`.
  bool Stop(std::chrono::milliseconds grace);

  // Meaningful once Ended(): the wait status, and whether a signal ended it.
  int status() const { return status_; }
  bool KilledBy(int signal) const;
  // "exited with 1", "killed by signal 9", "running".
  std::string Describe() const;

 private:
  void KillIfRunning();

  pid_t pid_ = 0;
  bool ended_ = false;
  int status_ = 0;
};

// The environment of a `spoke worker` that exports one database's queue to one Lightspeed
// (lsr-sim) app. `crash_point`/`crash_hit` (base/crash_points.h) are left out when empty/0.
struct WorkerEnv {
  std::string database_url, key_file, lightspeed_base, client_id, client_secret;
  int threads = 1;
  int lease_seconds = 2;
  int lane_lease_seconds = 3;  // a killed worker's accounts are taken over this soon
  std::string crash_point;
  int crash_hit = 0;
};
std::vector<std::string> WorkerEnvironment(const WorkerEnv& w);

}  // namespace testing_support
