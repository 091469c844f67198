// Each store's link to its Lightspeed account: connecting (refresh token or authorization code),
// tokens sealed in the database, one refresh at a time per store, and a Client per account that
// shares the account's rate limiter.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/mutex.h"
#include "lightspeed/client.h"
#include "store/store.h"

namespace exporter {

struct LightspeedConfig {
  std::string api_base;   // "https://api.lightspeedapp.com"
  std::string auth_base;  // "https://cloud.lightspeedapp.com"
  std::string client_id, client_secret;
  std::string secret_key_hex;  // seals tokens at rest
  base::Clock* clock = nullptr;
  lightspeed::TransportOptions transport;
  std::function<void(store::StoreId, const lightspeed::CallRecord&)> on_call;
};

// Lightspeed forgets a refresh token that is not used for 30 days: the merchant must connect
// again.
constexpr base::Duration kRefreshTokenLife = std::chrono::hours(24 * 30);

// When the store's connection lapses if nothing refreshes it before; nullopt when not connected
// or unknown (tokens stored before spoke kept the refresh token's age).
std::optional<base::TimePoint> ConnectionLapsesAt(store::Store& store, store::StoreId s);
// The plain-words "connect again" message for a connection that lapsed at `lapsed_at`.
std::string LapsedMessage(base::TimePoint lapsed_at);

// The one wording of an order stopped because Lightspeed no longer accepts the store's
// authorization (revoked, lapsed), whichever call noticed it: the order is not to blame.
// `why` is the store's reconnect reason (LightspeedSettings::connection_message), the same for
// every order it stopped. Orders stopped with it are queued again when the store connects
// (api::Api::ResumeAfterReconnect).
std::string StoppedForConnection(const std::string& why);
bool IsStoppedForConnection(std::string_view export_message);

class Connections {
 public:
  Connections(store::Store& store, LightspeedConfig config);
  ~Connections();

  // Trades the refresh token for a fresh pair, stores it sealed, records the account id.
  base::Result<lightspeed::Account> Connect(store::StoreId s, const std::string& refresh_token);
  base::Result<lightspeed::Account> ConnectWithCode(store::StoreId s, const std::string& code,
                                                    const std::string& redirect_uri);
  std::string AuthorizeUrl(const std::string& redirect_uri, const std::string& state) const;

  // The store's client; kUnauthenticated ("not_connected") when it has no working connection.
  base::Result<std::shared_ptr<lightspeed::Client>> ClientFor(store::StoreId s);
  // Keep-alive: refreshes the store's tokens when its refresh token is older than `older_than`
  // (through the refresh lease, so one process does it). True when this call refreshed.
  base::Result<bool> KeepAlive(store::StoreId s, base::Duration older_than);
  // The account's bucket as this process sees it, when a client exists.
  std::optional<lightspeed::RateLimiter::Snapshot> Bucket(store::StoreId s);
  // How long until the account's bucket admits `units` more (0 when unknown or now).
  double SecondsUntilAdmits(store::StoreId s, double units);

 private:
  struct Link;
  base::Result<lightspeed::Account> Adopt(store::StoreId s, const lightspeed::TokenPair& pair);
  Link& LinkFor(store::StoreId s) REQUIRES(mu_);

  store::Store& store_;
  LightspeedConfig config_;
  base::Clock& clock_;
  std::unique_ptr<lightspeed::Transport> transport_;
  std::unique_ptr<lightspeed::OAuthClient> oauth_;
  base::Mutex mu_;
  std::map<int64_t, std::unique_ptr<Link>> links_ GUARDED_BY(mu_);
};

}  // namespace exporter
