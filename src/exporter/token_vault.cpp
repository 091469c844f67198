#include "exporter/token_vault.h"

#include "base/secrets.h"

namespace exporter {

base::Result<lightspeed::StoredTokens> StoreTokenVault::Load() {
  auto sealed = store_.GetLightspeedTokens(id_);
  if (!sealed.ok()) return sealed.error();
  lightspeed::StoredTokens t;
  auto refresh = base::Unseal(key_, sealed->refresh_sealed);
  if (!refresh.ok()) return refresh.error();
  t.refresh_token = *refresh;
  t.refresh_issued_at = sealed->refresh_issued_at;
  if (!sealed->access_sealed.empty()) {
    auto access = base::Unseal(key_, sealed->access_sealed);
    if (!access.ok()) return access.error();
    t.access_token = *access;
    t.access_expires_at = sealed->access_expires_at;
  }
  return t;
}

base::Result<bool> StoreTokenVault::TryLease(const std::string& holder, base::Duration ttl) {
  return store_.LeaseTokenRefresh(id_, holder, ttl);
}

base::Status StoreTokenVault::Save(const lightspeed::StoredTokens& t, const std::string& holder) {
  auto access = base::Seal(key_, t.access_token);
  if (!access.ok()) return access.error();
  auto refresh = base::Seal(key_, t.refresh_token);
  if (!refresh.ok()) return refresh.error();
  return store_.SaveLightspeedTokens(
      id_, {*access, *refresh, t.access_expires_at, t.refresh_issued_at}, holder);
}

base::Status StoreTokenVault::Release(const std::string& holder) {
  return store_.ReleaseTokenLease(id_, holder);
}

base::Status StoreTokenVault::MarkReconnect(const std::string& message) {
  return store_.MarkLightspeedReconnect(id_, message);
}

}  // namespace exporter
