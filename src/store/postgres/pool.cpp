#include "store/postgres/pool.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <string_view>

#include "base/clock.h"

namespace store::postgres {
namespace {

constexpr int kAttempts = 4;  // one run and three repeats of a transaction safe to repeat
constexpr std::chrono::milliseconds kFirstBackoff{50};
constexpr std::chrono::seconds kCheckoutWait{10};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecoded(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// The secrets a URL carries, as written and percent-decoded: the userinfo's password and a
// `password=` query parameter. Messages quoting any of them are redacted.
std::vector<std::string> SecretsOf(const std::string& url) {
  std::vector<std::string> out;
  auto add = [&](std::string_view raw) {
    if (raw.empty()) return;
    out.emplace_back(raw);
    std::string decoded = PercentDecoded(raw);
    if (decoded != raw) out.push_back(std::move(decoded));
  };
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t end = std::min(url.find_first_of("/?#", start), url.size());
  const std::string_view authority = std::string_view(url).substr(start, end - start);
  const size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    const size_t colon = userinfo.find(':');
    if (colon != std::string_view::npos) add(userinfo.substr(colon + 1));
  }
  const size_t query = url.find('?');
  if (query != std::string::npos) {
    std::string_view rest = std::string_view(url).substr(query + 1);
    while (!rest.empty()) {
      const size_t amp = rest.find('&');
      const std::string_view param = rest.substr(0, amp);
      if (param.substr(0, 9) == "password=") add(param.substr(9));
      if (amp == std::string_view::npos) break;
      rest = rest.substr(amp + 1);
    }
  }
  // Longest first, so a secret that contains another is removed whole.
  std::sort(out.begin(), out.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

// Connection settings the URL does not choose itself:
// - connect_timeout: a host that drops packets would hold a connect for minutes;
// - TCP keepalives: a server that vanished mid-statement is noticed in about 25 s, not at the
//   kernel's retransmission timeout;
// - idle_in_transaction_session_timeout (60 s): a node cut off between its UPDATE and COMMIT
//   does not hold that row's lock, and with it other nodes' claims, for hours.
// A URL with a '#' is left as given (it may be part of a password that was not encoded).
std::string WithConnectionDefaults(std::string url) {
  if (url.find('#') != std::string::npos) return url;
  const std::pair<const char*, const char*> defaults[] = {
      {"connect_timeout", "10"}, {"keepalives", "1"},
      {"keepalives_idle", "10"}, {"keepalives_interval", "5"},
      {"keepalives_count", "3"}, {"options", "-c%20idle_in_transaction_session_timeout%3D60000"}};
  for (const auto& [key, value] : defaults) {
    if (url.find(std::string(key) + "=") != std::string::npos) continue;
    url += (url.find('?') == std::string::npos ? "?" : "&");
    url += std::string(key) + "=" + value;
  }
  return url;
}

}  // namespace

class Pool::Impl {
 public:
  Impl(std::string url, int size)
      : url_(WithConnectionDefaults(std::move(url))), secrets_(SecretsOf(url_)), size_(size) {}

  // libpq's and the server's words, without the URL's password (libpq may quote what it parsed).
  std::string Redacted(std::string text) const {
    for (const std::string& secret : secrets_)
      for (size_t at = text.find(secret); at != std::string::npos;
           at = text.find(secret, at + 3))  // past the "***" just written
        text.replace(at, secret.size(), "***");
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
  }

  // An idle connection, or a new one while fewer than `size_` exist; waits (bounded) otherwise.
  // `*refused` tells a failed connect (worth another try: the server may be restarting) from a
  // pool that stayed full.
  base::Result<std::unique_ptr<pqxx::connection>> Checkout(bool* refused) EXCLUDES(mu_) {
    *refused = false;
    const auto deadline = std::chrono::steady_clock::now() + kCheckoutWait;
    {
      base::MutexLock lock(mu_);
      while (idle_.empty() && open_ >= size_) {
        if (!cv_.WaitUntil(mu_, deadline) && idle_.empty() && open_ >= size_)
          return base::Unavailable("the database is busy: all " + std::to_string(size_) +
                                   " connections stayed in use for " +
                                   std::to_string(kCheckoutWait.count()) + " s");
      }
      if (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        return conn;
      }
      ++open_;
    }
    try {
      return std::make_unique<pqxx::connection>(url_);
    } catch (const std::exception& e) {
      Forget();
      *refused = true;
      return base::Unavailable("cannot connect to the database: " + Redacted(e.what()));
    }
  }

  base::Result<std::unique_ptr<pqxx::connection>> Dedicated() {
    try {
      return std::make_unique<pqxx::connection>(url_);
    } catch (const std::exception& e) {
      return base::Unavailable("cannot connect to the database: " + Redacted(e.what()));
    }
  }

  // Back to the idle list, or dropped when it broke (the next checkout opens a fresh one).
  void Return(std::unique_ptr<pqxx::connection> conn) EXCLUDES(mu_) {
    if (!conn->is_open()) {
      conn.reset();
      Forget();
      return;
    }
    {
      base::MutexLock lock(mu_);
      idle_.push_back(std::move(conn));
    }
    cv_.Signal();
  }

  // A connection broke: the server probably went away, so every idle one is suspect too.
  void Drop(std::unique_ptr<pqxx::connection> conn) EXCLUDES(mu_) {
    std::vector<std::unique_ptr<pqxx::connection>> stale;
    {
      base::MutexLock lock(mu_);
      stale.swap(idle_);
      open_ -= static_cast<int>(stale.size()) + 1;
    }
    cv_.SignalAll();
    conn.reset();
    stale.clear();  // closed outside the lock
  }

 private:
  void Forget() EXCLUDES(mu_) {
    {
      base::MutexLock lock(mu_);
      --open_;
    }
    cv_.Signal();
  }

  const std::string url_;
  const std::vector<std::string> secrets_;
  const int size_;
  base::Mutex mu_;
  base::CondVar cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ GUARDED_BY(mu_);
  int open_ GUARDED_BY(mu_) = 0;  // idle and checked out
};

base::Result<std::unique_ptr<pqxx::connection>> Pool::Dedicated() { return impl_->Dedicated(); }

base::Result<std::unique_ptr<Pool>> Pool::Open(const std::string& url, int size) {
  if (size < 1 || size > 64)
    return base::Invalid("database.pool_size", "database.pool_size must be 1..64");
  auto pool = std::unique_ptr<Pool>(new Pool());
  pool->impl_ = std::make_unique<Impl>(url, size);
  return pool;
}

Pool::~Pool() = default;

base::Status Pool::Run(const std::function<base::Status(pqxx::work&)>& work) {
  auto backoff = kFirstBackoff;
  std::string last;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    if (attempt > 1) {
      base::SystemClock().SleepFor(backoff);
      backoff *= 2;
    }
    bool refused = false;
    auto conn = impl_->Checkout(&refused);
    if (!conn.ok()) {
      // The server may be restarting: a connection refused now may be accepted in a moment.
      if (!refused || attempt == kAttempts) return conn.error();
      last = conn.error().message;
      continue;
    }
    std::unique_ptr<pqxx::connection> c = std::move(*conn);
    enum class Next { kReturn, kDrop } next = Next::kReturn;
    std::optional<base::Status> answer;
    try {
      pqxx::work w(*c);
      base::Status st = work(w);
      if (st.ok()) {
        w.commit();
      } else {
        w.abort();
      }
      answer = std::move(st);
    } catch (const pqxx::in_doubt_error& e) {
      next = Next::kDrop;
      answer = base::Unavailable(
          "the database connection was lost while committing; the change "
          "may or may not have been saved: " +
          impl_->Redacted(e.what()));
    } catch (const pqxx::statement_completion_unknown& e) {
      next = Next::kDrop;
      answer = base::Unavailable("the database connection was lost mid-statement: " +
                                 impl_->Redacted(e.what()));
    } catch (const pqxx::broken_connection& e) {
      next = Next::kDrop;
      last = "the database connection was lost: " + impl_->Redacted(e.what());
    } catch (const pqxx::serialization_failure& e) {
      last = "the database could not serialize the transaction: " + impl_->Redacted(e.what());
    } catch (const pqxx::deadlock_detected& e) {
      last = "the database detected a deadlock: " + impl_->Redacted(e.what());
    } catch (const pqxx::unique_violation& e) {
      answer = base::Conflict("duplicate", impl_->Redacted(e.what()));
    } catch (const pqxx::data_exception& e) {
      // 22021: text that is not UTF-8, which PostgreSQL cannot hold, so nothing is stored under
      // it: a lookup by such a key finds nothing, as on SQLite (writes are validated before).
      if (e.sqlstate() == "22021")
        answer = base::NotFound("nothing is stored under text that is not valid UTF-8");
      else
        answer = base::Internal("database error: " + impl_->Redacted(e.what()));
    } catch (const pqxx::sql_error& e) {
      answer = base::Internal("database error: " + impl_->Redacted(e.what()));
    } catch (const std::exception& e) {
      answer = base::Internal("database error: " + impl_->Redacted(e.what()));
    }
    // A statement may also have broken the connection without a broken_connection (libpqxx
    // reports some losses as plain failures): never hand such a connection out again.
    if (next == Next::kDrop || !c->is_open()) {
      impl_->Drop(std::move(c));
    } else {
      impl_->Return(std::move(c));
    }
    if (answer) return std::move(*answer);
  }
  return base::Unavailable(last);
}

std::string Prepare(pqxx::work& w, const std::string& sql) {
  // Named by the text's hash: a (64-bit) collision would be refused by pqxx as an inconsistent
  // redefinition, an error, never another statement's result.
  char name[32];
  std::snprintf(name, sizeof name, "spoke_%016zx", std::hash<std::string>{}(sql));
  w.conn().prepare(name, sql);
  return name;
}

}  // namespace store::postgres
