// lightspeed::TokenVault over the database: tokens sealed with the secret key, the refresh lease
// on the store's settings row. Private to exporter/.
#pragma once

#include "lightspeed/oauth.h"
#include "store/store.h"

namespace exporter {

class StoreTokenVault : public lightspeed::TokenVault {
 public:
  StoreTokenVault(store::Store& store, store::StoreId id, std::string key_hex, base::Clock& clock)
      : store_(store), id_(id), key_(std::move(key_hex)), clock_(clock) {}

  base::Result<lightspeed::StoredTokens> Load() override;
  base::Result<bool> TryLease(const std::string& holder, base::Duration ttl) override;
  base::Status Save(const lightspeed::StoredTokens& tokens, const std::string& holder) override;
  base::Status Release(const std::string& holder) override;
  base::Status MarkReconnect(const std::string& message) override;

 private:
  store::Store& store_;
  store::StoreId id_;
  std::string key_;
  base::Clock& clock_;
};

}  // namespace exporter
