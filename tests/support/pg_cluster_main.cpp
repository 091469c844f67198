// pg_cluster: a throwaway PostgreSQL for benchmarks and scripts. Starts a cluster (PgCluster),
// creates database `spoke`, prints its URL on stdout as one line, then waits for SIGTERM, SIGINT
// or the end of stdin, and stops the cluster (and removes its files). A script that runs it in the
// background, where bash gives it /dev/null as stdin, passes --ignore-stdin:
//   coproc PG { build/tests/pg_cluster; }; read -r url <&"${PG[0]}"   # stops when the script ends
//   build/tests/pg_cluster --ignore-stdin >url.txt & pg=$!; ...; kill $pg; wait $pg
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "tests/support/pg_cluster.h"

int main(int argc, char** argv) {
  bool watch_stdin = true;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--ignore-stdin") == 0) {
      watch_stdin = false;
    } else {
      std::fprintf(stderr, "usage: %s [--ignore-stdin]\n", argv[0]);
      return 2;
    }
  }
  // Blocked before any thread starts, so every thread inherits the mask and only signalfd sees
  // them (the server's child process unblocks them again before it execs).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a reader of our URL that went away must not skip the cleanup
  const int signal_fd = signalfd(-1, &stop_signals, SFD_CLOEXEC);
  if (signal_fd < 0) {
    std::fprintf(stderr, "pg_cluster: signalfd: %s\n", std::strerror(errno));
    return 1;
  }

  auto cluster = testsupport::PgCluster::Start();
  if (!cluster) {
    std::fprintf(stderr, "pg_cluster: PostgreSQL could not start: %s\n",
                 cluster.error().message.c_str());
    return 1;
  }
  auto url = (*cluster)->CreateDatabase("spoke");
  if (!url) {
    std::fprintf(stderr, "pg_cluster: %s\n", url.error().message.c_str());
    return 1;
  }
  std::printf("%s\n", url->c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "pg_cluster: postgres pid %d on port %d; stop with SIGTERM%s\n",
               (*cluster)->pid(), (*cluster)->port(), watch_stdin ? " or EOF on stdin" : "");

  pollfd fds[2] = {{signal_fd, POLLIN, 0}, {0, POLLIN, 0}};
  for (;;) {
    if (poll(fds, watch_stdin ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) break;  // a stop signal
    if (watch_stdin && fds[1].revents != 0) {
      char buffer[256];
      const ssize_t n = read(0, buffer, sizeof buffer);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) break;  // EOF
    }
  }
  return 0;  // ~PgCluster stops the server and removes its files
}
