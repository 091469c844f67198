// A throwaway PostgreSQL server for tests (issue 13): initdb into a fresh temp dir, the server on a
// free 127.0.0.1 port plus a unix socket inside that dir, stopped by its pid, the dir removed.
// Needs only Debian's `postgresql` package (scripts/deps.sh); as root, initdb and the server run
// as the `postgres` user (or `nobody`). The server gets SIGQUIT (immediate shutdown) if the thread
// that started it ends, so a test process that dies leaves no server running. No gtest inside.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "base/result.h"

namespace testsupport {

class PgCluster {
 public:
  // initdb, then the server, ready for connections (within 30 s). The error says what failed and
  // ends with the tail of initdb's or the server's log.
  static base::Result<std::unique_ptr<PgCluster>> Start();
  // Fast shutdown (SIGINT to the pid), waited for; then the temp dir is removed.
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // A fresh empty database owned by the superuser `spoke`; answers its URL (see Url). `name` is
  // used as given ([a-z0-9_], at most 63 characters; an existing name is a conflict); an empty
  // name gets a unique one ("db_1", "db_2", ...).
  base::Result<std::string> CreateDatabase(const std::string& name);
  // "postgresql://spoke@127.0.0.1:PORT/DB" (no password: the cluster trusts local connections).
  std::string Url(const std::string& db = "postgres") const;
  int port() const { return port_; }
  // The postmaster's pid; it changes on Restart.
  pid_t pid() const;
  // Fast shutdown, then the server again on the same port and data dir (nothing committed is
  // lost). On failure the cluster is stopped and the error has the log tail.
  base::Status Restart();

 private:
  struct Server;
  PgCluster();
  base::Status StartServer();
  void StopServer();
  std::string LogTail(const std::string& log) const;

  std::string dir_;      // the temp dir: data/, the socket, initdb.log, server.log
  std::string bin_dir_;  // /usr/lib/postgresql/<newest>/bin
  uid_t uid_ = 0;        // who initdb and the server run as
  gid_t gid_ = 0;
  bool drop_privileges_ = false;
  int port_ = 0;
  std::unique_ptr<Server> server_;
};

// One cluster for a whole test process, started on first use (thread-safe) and stopped at exit.
// If it cannot start, the reason is printed to stderr and the process aborts: never a silent skip.
PgCluster& SharedPgCluster();

}  // namespace testsupport
