#include "store/sqlite/db.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

namespace store::sqlite {

base::Error DbError(sqlite3* db, const std::string& what) {
  const int code = sqlite3_errcode(db);
  const std::string msg = what + ": " + sqlite3_errmsg(db);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return base::Unavailable(msg);
  return base::Internal(msg);
}

Stmt::Stmt(sqlite3* db, const char* sql) : db_(db) {
  if (sqlite3_prepare_v3(db, sql, -1, 0, &stmt_, nullptr) != SQLITE_OK) {
    status_ = DbError(db, std::string("prepare ") + sql);
    stmt_ = nullptr;
  }
}

Stmt::Stmt(Conn& conn, const char* sql) : db_(conn.get()), cache_(&conn), sql_(sql) {
  stmt_ = conn.TakeCached(sql_);
  if (stmt_) return;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
    status_ = DbError(db_, std::string("prepare ") + sql);
    stmt_ = nullptr;
  }
}

Stmt::~Stmt() {
  if (!cache_ || !stmt_) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  cache_->ReturnCached(std::move(sql_), stmt_);
}

Stmt& Stmt::Bind(int i, int64_t v) {
  if (stmt_) sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, const std::string& v) {
  if (stmt_) sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::Bind(int i, const std::optional<std::string>& v) {
  return v ? Bind(i, *v) : BindNull(i);
}
Stmt& Stmt::Bind(int i, const std::optional<int64_t>& v) { return v ? Bind(i, *v) : BindNull(i); }
Stmt& Stmt::Bind(int i, double v) {
  if (stmt_) sqlite3_bind_double(stmt_, i, v);
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  if (stmt_) sqlite3_bind_null(stmt_, i);
  return *this;
}

bool Stmt::Step() {
  if (!stmt_ || !status_.ok()) return false;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) {
    const int ext = sqlite3_extended_errcode(db_);
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
      status_ = base::Conflict("duplicate", sqlite3_errmsg(db_));
    else
      status_ = DbError(db_, "step");
  }
  return false;
}

void Stmt::Reset() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Stmt::Double(int col) const { return sqlite3_column_double(stmt_, col); }
bool Stmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
std::string Stmt::Text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, sqlite3_column_bytes(stmt_, col)) : std::string();
}
std::optional<std::string> Stmt::OptText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}
std::optional<int64_t> Stmt::OptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}

namespace {

// The database holds customers' names and addresses and sealed tokens: a file spoke creates is
// readable by its owner only (0600). SQLite gives the -wal and -shm files the main file's mode,
// so creating it here first is enough. A file that is already there is left as it is: its owner
// may have chosen its mode (an older spoke made 0644 files; `chmod 600` them once).
base::Status CreatePrivately(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return {};
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return {};
  }
  if (errno == EEXIST) return {};
  return base::Unavailable("cannot create database " + path + ": " + std::strerror(errno));
}

}  // namespace

base::Result<std::unique_ptr<Conn>> Conn::Open(const std::string& path, int busy_timeout_ms) {
  if (auto created = CreatePrivately(path); !created.ok()) return created.error();
  // SQLite's memory statistics take a global mutex on every allocation of every connection;
  // spoke never reads them. Only possible before SQLite is first used (else MISUSE, ignored).
  static std::once_flag once;
  std::call_once(once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    base::Error e = base::Unavailable("cannot open database " + path + ": " +
                                      (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return e;
  }
  std::unique_ptr<Conn> conn(new Conn(db));
  sqlite3_busy_timeout(db, busy_timeout_ms);
  // Checkpoints every 4,000 pages (16 MiB of WAL), not SQLite's 1,000: an order's row is
  // written several times per export, and a later checkpoint copies it to the database once
  // (1.20 → 1.05 ms of CPU per sale in multi_node --bench). The WAL file is cut back to 64 MiB.
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL",
        "PRAGMA wal_autocheckpoint=4000", "PRAGMA journal_size_limit=67108864"}) {
    if (auto s = conn->Exec(pragma); !s.ok()) return s.error();
  }
  return conn;
}

// With synchronous=NORMAL a WAL commit survives a crash of spoke but not a power cut or a crash
// of the operating system: the log is synced only at checkpoints. FULL would sync it inside every
// commit, under the write lock (it halved multi_node --bench). Syncing the log after a commit
// makes that commit, and every one before it, durable; the lock is free meanwhile. A checkpoint
// that resets the log has synced the database first, so nothing between is lost.
// Once a sync of a file has failed, the kernel may have dropped pages that a later sync then
// reports as written (and WAL recovery stops at the first bad frame, dropping newer ones after
// it): every later sync of that file fails too, so nothing more is sent to Lightspeed on its
// word, until spoke is restarted and SQLite recovers the log from what is on disk.
namespace {
base::Mutex failed_mu;
std::set<std::string>* failed_logs GUARDED_BY(failed_mu) = new std::set<std::string>();
}  // namespace

base::Status Conn::SyncWal() {
  const char* name = sqlite3_db_filename(db_, "main");
  const std::string file = name ? name : "";
  const auto failed = [&] {
    return base::Unavailable("a sync of the database " + file +
                             " to disk failed; check the disk and restart spoke");
  };
  {
    base::MutexLock lock(failed_mu);
    if (failed_logs->count(file)) return failed();
  }
  sqlite3_file* wal = nullptr;
  if (sqlite3_file_control(db_, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK)
    return DbError(db_, "find the write-ahead log");
  if (!wal || !wal->pMethods) return {};  // no log on disk (an in-memory database)
  if (wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL) != SQLITE_OK) {
    base::MutexLock lock(failed_mu);
    failed_logs->insert(file);
    return failed();
  }
  return {};
}

Conn::~Conn() {
  for (auto& [sql, stmt] : cached_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

namespace {
// Statements kept per connection; SQL built at run time (lists of ids) could otherwise grow it
// without end.
constexpr size_t kMaxCached = 256;
}  // namespace

sqlite3_stmt* Conn::TakeCached(const std::string& sql) {
  auto it = cached_.find(sql);
  if (it == cached_.end()) return nullptr;
  sqlite3_stmt* stmt = it->second;
  cached_.erase(it);  // in use: the same SQL run inside its own loop gets a statement of its own
  return stmt;
}

void Conn::ReturnCached(std::string sql, sqlite3_stmt* stmt) {
  if (cached_.size() >= kMaxCached || cached_.count(sql)) {
    sqlite3_finalize(stmt);
    return;
  }
  cached_.emplace(std::move(sql), stmt);
}

base::Status Conn::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    base::Error e = DbError(db_, err ? err : "exec");
    sqlite3_free(err);
    return e;
  }
  return {};
}

Pool::Lease Pool::Take() {
  base::MutexLock lock(mu_);
  while (free_.empty()) cv_.Wait(mu_);
  auto conn = std::move(free_.back());
  free_.pop_back();
  return Lease(this, std::move(conn));
}

void Pool::Return(std::unique_ptr<Conn> conn) {
  {
    base::MutexLock lock(mu_);
    free_.push_back(std::move(conn));
  }
  cv_.Signal();
}

WriteTxn::WriteTxn(Conn& conn) : conn_(conn) { begun_ = conn_.Exec("BEGIN IMMEDIATE"); }

WriteTxn::~WriteTxn() {
  if (begun_.ok() && !done_) (void)conn_.Exec("ROLLBACK");
}

base::Status WriteTxn::Commit() {
  auto s = conn_.Exec("COMMIT");
  if (s.ok()) done_ = true;
  return s;
}

}  // namespace store::sqlite
