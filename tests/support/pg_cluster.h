// A throwaway PostgreSQL server for tests (issue 13): a fresh temp dir holding a copy of a cached
// initdb'd data dir, the server on a free 127.0.0.1 port plus a unix socket inside that dir,
// stopped by its pid, the dir removed. The temp dir is in /dev/shm when that has 1 GiB free
// (copying into tmpfs takes ~0.08 s, onto a disk ~0.5 s), else in $TMPDIR or /tmp.
// The cache (the "template") is made by the first Start that finds none, under an flock, and then
// stays between runs: /tmp/spoke-pg-template-<major>-<server uid>-v1 (a data dir, never a running
// server; its lock file is beside it). Remove it (rm -rf /tmp/spoke-pg-template-*) whenever no
// test runs: the next Start makes it again, as it does when its marker file is missing. Bump
// "-v1" in pg_cluster.cpp when the initdb flags change.
// Needs only Debian's `postgresql` package (scripts/deps.sh); as root, initdb and the server run
// as the `postgres` user (or `nobody`). The server gets SIGQUIT (immediate shutdown) if the thread
// that started it ends, so a test process that dies leaves no server running. No gtest inside.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "base/result.h"

namespace testsupport {

struct PgClusterOptions {
  // The template's path (its lock file is this plus ".lock"). Default (empty): the machine-wide
  // one, <tmp>/spoke-pg-template-<major>-<server uid>-v1. Tests of the cache give their own.
  std::string template_dir;
  // Where the cluster's temp dir is made. Default (empty): /dev/shm when it has 1 GiB free (much
  // faster to copy into), else <tmp>.
  std::string cluster_parent;
};

class PgCluster {
 public:
  // The data dir copied from the template (made first if need be), then the server, ready for
  // connections (within 30 s). The error says what failed and ends with the tail of initdb's,
  // cp's or the server's log.
  static base::Result<std::unique_ptr<PgCluster>> Start(const PgClusterOptions& options = {});
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

  std::string dir_;      // the temp dir: data/, the socket, copy.log, server.log
  std::string bin_dir_;  // /usr/lib/postgresql/<newest>/bin
  uid_t uid_ = 0;        // who initdb, cp and the server run as
  gid_t gid_ = 0;
  bool drop_privileges_ = false;
  int port_ = 0;
  std::unique_ptr<Server> server_;
};

// One cluster for a whole test process, started on first use (thread-safe) and stopped at exit.
// If it cannot start, the reason is printed to stderr and the process aborts: never a silent skip.
PgCluster& SharedPgCluster();

}  // namespace testsupport
