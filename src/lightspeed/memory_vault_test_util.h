// Test support: tokens kept in memory, enough for typed-call tests (the database-backed vault
// has its own tests in exporter/).
#pragma once

#include <string>

#include "base/mutex.h"
#include "lightspeed/oauth.h"

namespace lightspeed {

// Tokens kept in memory: enough for typed-call tests (the database-backed vault has its own).
class MemoryVault : public TokenVault {
 public:
  explicit MemoryVault(std::string refresh) { tokens_.refresh_token = std::move(refresh); }
  base::Result<StoredTokens> Load() override {
    base::MutexLock l(mu_);
    return tokens_;
  }
  base::Result<bool> TryLease(const std::string& holder, base::Duration) override {
    base::MutexLock l(mu_);
    if (!holder_.empty() && holder_ != holder) return false;
    holder_ = holder;
    return true;
  }
  base::Status Save(const StoredTokens& t, const std::string&) override {
    base::MutexLock l(mu_);
    tokens_ = t;
    holder_.clear();
    return {};
  }
  base::Status Release(const std::string&) override {
    base::MutexLock l(mu_);
    holder_.clear();
    return {};
  }
  base::Status MarkReconnect(const std::string& m) override {
    base::MutexLock l(mu_);
    reconnect_ = m;
    return {};
  }
  std::string reconnect() {
    base::MutexLock l(mu_);
    return reconnect_;
  }

 private:
  base::Mutex mu_;
  StoredTokens tokens_ GUARDED_BY(mu_);
  std::string holder_ GUARDED_BY(mu_), reconnect_ GUARDED_BY(mu_);
};

}  // namespace lightspeed
