// Test support: tokens kept in memory, enough for typed-call tests (the database-backed vault
// has its own tests in exporter/).
#pragma once

#include <mutex>
#include <string>

#include "lightspeed/oauth.h"

namespace lightspeed {

// Tokens kept in memory: enough for typed-call tests (the database-backed vault has its own).
class MemoryVault : public TokenVault {
 public:
  explicit MemoryVault(std::string refresh) { tokens_.refresh_token = std::move(refresh); }
  base::Result<StoredTokens> Load() override {
    std::lock_guard l(mu_);
    return tokens_;
  }
  base::Result<bool> TryLease(const std::string& holder, base::Duration) override {
    std::lock_guard l(mu_);
    if (!holder_.empty() && holder_ != holder) return false;
    holder_ = holder;
    return true;
  }
  base::Status Save(const StoredTokens& t, const std::string&) override {
    std::lock_guard l(mu_);
    tokens_ = t;
    holder_.clear();
    return {};
  }
  base::Status Release(const std::string&) override {
    std::lock_guard l(mu_);
    holder_.clear();
    return {};
  }
  base::Status MarkReconnect(const std::string& m) override {
    std::lock_guard l(mu_);
    reconnect_ = m;
    return {};
  }
  std::string reconnect() {
    std::lock_guard l(mu_);
    return reconnect_;
  }

 private:
  std::mutex mu_;
  StoredTokens tokens_;
  std::string holder_, reconnect_;
};

}  // namespace lightspeed
