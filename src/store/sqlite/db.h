// A thin RAII layer over sqlite3: connections, prepared statements, transactions. Private to
// store/.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/mutex.h"
#include "base/result.h"

namespace store::sqlite {

class Conn;

class Stmt {
 public:
  // Prepared for this use only.
  Stmt(sqlite3* db, const char* sql);
  // Kept by the connection and reused (reset, bindings cleared) by the next Stmt of the same SQL:
  // compiling a statement costs more than running most of spoke's.
  Stmt(Conn& conn, const char* sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, const std::string& v);
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string(v)); }
  Stmt& Bind(int i, const std::optional<std::string>& v);
  Stmt& Bind(int i, const std::optional<int64_t>& v);
  Stmt& Bind(int i, double v);
  Stmt& BindNull(int i);

  // SQLITE_ROW → true, SQLITE_DONE → false; errors are kept in status().
  bool Step();
  base::Status status() const { return status_; }
  void Reset();

  int64_t Int(int col) const;
  double Double(int col) const;
  std::string Text(int col) const;
  std::optional<std::string> OptText(int col) const;
  std::optional<int64_t> OptInt(int col) const;
  bool IsNull(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  base::Status status_;
  Conn* cache_ = nullptr;  // where the statement goes back to, when cached
  std::string sql_;
};

class Conn {
 public:
  static base::Result<std::unique_ptr<Conn>> Open(const std::string& path, int busy_timeout_ms);
  ~Conn();
  sqlite3* get() const { return db_; }
  base::Status Exec(const std::string& sql);
  int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }
  // Puts every commit made so far, by any connection, on disk (see db.cpp). For commits that
  // someone outside the process will rely on: call after the commit, not inside it.
  base::Status SyncWal();

 private:
  friend class Stmt;
  explicit Conn(sqlite3* db) : db_(db) {}
  // A connection is used by one thread at a time (a pool lease), so its cache needs no lock.
  sqlite3_stmt* TakeCached(const std::string& sql);
  void ReturnCached(std::string sql, sqlite3_stmt* stmt);
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cached_;
};

// A fixed pool; Lease() blocks until a connection is free.
class Pool {
 public:
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Conn> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (conn_) pool_->Return(std::move(conn_));
    }
    Conn* operator->() const { return conn_.get(); }
    Conn& operator*() const { return *conn_; }

   private:
    Pool* pool_;
    std::unique_ptr<Conn> conn_;
  };

  explicit Pool(std::vector<std::unique_ptr<Conn>> conns) : free_(std::move(conns)) {}
  Lease Take();

 private:
  void Return(std::unique_ptr<Conn> conn) EXCLUDES(mu_);
  base::Mutex mu_;
  base::CondVar cv_;
  std::vector<std::unique_ptr<Conn>> free_ GUARDED_BY(mu_);
};

// BEGIN IMMEDIATE … COMMIT, rolled back unless Commit() succeeded.
class WriteTxn {
 public:
  explicit WriteTxn(Conn& conn);
  ~WriteTxn();
  base::Status begun() const { return begun_; }
  base::Status Commit();

 private:
  Conn& conn_;
  base::Status begun_;
  bool done_ = false;
};

base::Error DbError(sqlite3* db, const std::string& what);

}  // namespace store::sqlite
