// Connections to PostgreSQL (libpqxx 6.4) and the one way to run a transaction on them.
// Private to store/.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/result.h"

namespace store::postgres {

// "now" in epoch seconds inside a statement: the bound test clock ($1, BIGINT or NULL) or the
// database's clock. Statements that need now take it as their first parameter.
inline constexpr const char* kNowSql =
    "COALESCE($1::BIGINT, FLOOR(EXTRACT(EPOCH FROM now()))::BIGINT)";

// Prepares `sql` on the transaction's connection (once: pqxx registers it with the server on first
// use, and again after a reconnect) and answers its name, for w.exec_prepared. Parsing and
// planning the export's short statements on every call cost the server more than running them.
// Not for searches whose best plan depends on their values (the order list): those stay with
// exec_params.
std::string Prepare(pqxx::work& w, const std::string& sql);

class Pool {
 public:
  // Up to `size` connections, opened lazily and reopened after the server went away.
  static base::Result<std::unique_ptr<Pool>> Open(const std::string& url, int size);

  // Runs `work` in one transaction and commits it if `work` answered ok (a refusal rolls back).
  // A transaction the server aborted for a reason that is safe to repeat (serialization failure,
  // deadlock, a connection lost before the commit was sent) is run again, a few times, with a
  // short backoff; a commit whose outcome is unknown is reported (kUnavailable), never repeated.
  // Errors map to base codes: unique violation → kConflict (reason "duplicate"), connection
  // trouble → kUnavailable, others → kInternal; none quotes the URL's password.
  base::Status Run(const std::function<base::Status(pqxx::work&)>& work);
  template <typename T>
  base::Result<T> Get(const std::function<base::Result<T>(pqxx::work&)>& work) {
    std::optional<base::Result<T>> out;
    base::Status st = Run([&](pqxx::work& w) -> base::Status {
      out.emplace(work(w));
      return out->ok() ? base::Status() : base::Status(out->error());
    });
    if (!st.ok()) return st.error();
    return std::move(*out);
  }
  // A connection of its own, outside the pool (a LISTEN must keep its session).
  base::Result<std::unique_ptr<pqxx::connection>> Dedicated();
  ~Pool();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace store::postgres
