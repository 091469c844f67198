#include "sim/sockets.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace sim {
namespace {

int PortOf(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
  return -1;
}

}  // namespace

// httplib 0.11 does not hand the socket to handlers, so we look it up by its address pair: the
// (local port, remote port) pair of an established loopback connection is unique. Connecting
// sockets of this process have the server port as their *peer* port, so they never match.
int ShutdownConnections(int local_port, int remote_port) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return 0;
  int done = 0;
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == dirfd(dir)) continue;
    sockaddr_storage local{}, peer{};
    socklen_t ll = sizeof local, pl = sizeof peer;
    if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &ll) != 0) continue;
    if (getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &pl) != 0) continue;
    if (PortOf(local) != local_port || (remote_port >= 0 && PortOf(peer) != remote_port)) continue;
    linger lin{1, 0};  // reset rather than a graceful close: nothing may look like an answer
    setsockopt(static_cast<int>(fd), SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
    shutdown(static_cast<int>(fd), SHUT_RDWR);
    ++done;
    if (remote_port >= 0) break;
  }
  closedir(dir);
  return done;
}

bool RaiseListenBacklog(int port, int backlog) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return false;
  bool done = false;
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == dirfd(dir)) continue;
    int accepting = 0;
    socklen_t len = sizeof accepting;
    if (getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) != 0 ||
        !accepting)
      continue;
    sockaddr_storage local{};
    socklen_t ll = sizeof local;
    if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &ll) != 0 ||
        PortOf(local) != port)
      continue;
    done = listen(static_cast<int>(fd), backlog) == 0;
    break;
  }
  closedir(dir);
  return done;
}

}  // namespace sim
