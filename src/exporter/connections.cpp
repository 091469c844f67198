#include "exporter/connections.h"

#include "exporter/telemetry.h"
#include "exporter/token_vault.h"

namespace exporter {

struct Connections::Link {
  // The store's tokens. A client handed out keeps them alive (ClientOptions::keep_alive), so a
  // reconnect, which replaces the link, never frees what a sale still in flight uses.
  struct Auth {
    std::unique_ptr<StoreTokenVault> vault;
    std::unique_ptr<lightspeed::TokenManager> tokens;
  };
  std::shared_ptr<Auth> auth;
  std::shared_ptr<lightspeed::Client> client;
  std::string account_id;
};

Connections::Connections(store::Store& store, LightspeedConfig config)
    : store_(store),
      config_(std::move(config)),
      clock_(config_.clock ? *config_.clock : base::SystemClock()),
      transport_(lightspeed::CreateCurlTransport(config_.transport)),
      oauth_(std::make_unique<lightspeed::OAuthClient>(
          lightspeed::OAuthOptions{config_.auth_base, config_.client_id, config_.client_secret},
          *transport_)) {}

Connections::~Connections() = default;

std::string Connections::AuthorizeUrl(const std::string& redirect_uri,
                                      const std::string& state) const {
  return oauth_->AuthorizeUrl(redirect_uri, state,
                              "employee:register employee:inventory employee:customers "
                              "employee:admin_purchases");
}

Connections::Link& Connections::LinkFor(store::StoreId s) {
  auto& link = links_[s.value];
  if (!link) {
    link = std::make_unique<Link>();
    link->auth = std::make_shared<Link::Auth>();
    link->auth->vault =
        std::make_unique<StoreTokenVault>(store_, s, config_.secret_key_hex, clock_);
    link->auth->tokens =
        std::make_unique<lightspeed::TokenManager>(*link->auth->vault, *oauth_, clock_);
  }
  return *link;
}

base::Result<lightspeed::Account> Connections::Adopt(store::StoreId s,
                                                     const lightspeed::TokenPair& pair) {
  StoreTokenVault vault(store_, s, config_.secret_key_hex, clock_);
  const base::TimePoint now = clock_.Now();
  if (auto saved = vault.Save({pair.access_token, pair.refresh_token,
                               now + std::chrono::seconds(pair.expires_in_s), now},
                              "");
      !saved.ok())
    return saved.error();
  {
    base::MutexLock lock(mu_);
    links_.erase(s.value);  // a new connection may name another account
  }
  auto client = ClientFor(s);
  if (!client.ok()) return client.error();
  auto account = base::SyncWait((*client)->GetAccount());
  if (!account.ok()) return account.error();
  auto settings = store_.GetLightspeedSettings(s);
  if (!settings.ok()) return settings.error();
  if (settings->account_id != account->id) {
    // Another account: the old shop, register and employee mean nothing there.
    settings->account_id = account->id;
    settings->shop_id.clear();
    settings->register_id.clear();
    settings->employee_id.clear();
    if (auto put = store_.PutLightspeedSettings(s, *settings); !put.ok()) return put.error();
    base::MutexLock lock(mu_);
    links_.erase(s.value);
  }
  return account;
}

base::Result<lightspeed::Account> Connections::Connect(store::StoreId s,
                                                       const std::string& refresh_token) {
  auto pair = oauth_->Refresh(refresh_token);
  if (!pair.ok()) {
    // Lightspeed refusing the token the caller gave is the caller's input being wrong.
    if (pair.error().code != base::ErrorCode::kUnauthenticated) return pair.error();
    return base::Invalid("refresh_token", pair.error().message, pair.error().reason);
  }
  return Adopt(s, *pair);
}

base::Result<lightspeed::Account> Connections::ConnectWithCode(store::StoreId s,
                                                               const std::string& code,
                                                               const std::string& redirect_uri) {
  auto pair = oauth_->ExchangeCode(code, redirect_uri);
  if (!pair.ok()) return pair.error();
  return Adopt(s, *pair);
}

base::Result<std::shared_ptr<lightspeed::Client>> Connections::ClientFor(store::StoreId s) {
  auto settings = store_.GetLightspeedSettings(s);
  if (!settings.ok()) return settings.error();
  if (settings->connection != store::ConnectionState::kConnected)
    return base::Unauthenticated(settings->connection == store::ConnectionState::kReconnect
                                     ? settings->connection_message
                                     : "Lightspeed is not connected",
                                 "not_connected");
  base::MutexLock lock(mu_);
  Link* found = &LinkFor(s);
  if (found->client && found->account_id != settings->account_id) {
    // Connected again, to another account, maybe by another process: the tokens this link
    // remembers are not that account's.
    links_.erase(s.value);
    found = &LinkFor(s);
  }
  Link& link = *found;
  // The account is learned after connecting; until then only GetAccount (not account-scoped)
  // is meaningful, and it does not use the account id.
  if (!link.client) {
    lightspeed::ClientOptions o;
    o.api_base = config_.api_base;
    o.account_id = settings->account_id;
    o.transport = transport_.get();
    o.tokens = link.auth->tokens.get();
    o.keep_alive = link.auth;
    o.clock = &clock_;
    auto hook = config_.on_call;
    const std::string account = settings->account_id;
    o.on_call = [hook, s, account](const lightspeed::CallRecord& r) {
      telemetry::RecordCall(account, r.status, r.cost);
      if (hook) hook(s, r);
    };
    link.client = std::make_shared<lightspeed::Client>(o);
    link.account_id = settings->account_id;
  }
  return link.client;
}

base::Result<bool> Connections::KeepAlive(store::StoreId s, base::Duration older_than) {
  auto settings = store_.GetLightspeedSettings(s);
  if (!settings.ok()) return settings.error();
  if (settings->connection != store::ConnectionState::kConnected) return false;
  std::shared_ptr<Link::Auth> auth;  // kept while refreshing, whatever a reconnect does meanwhile
  {
    base::MutexLock lock(mu_);
    auth = LinkFor(s).auth;
  }
  return auth->tokens->RefreshIfIssuedBefore(clock_.Now() - older_than);
}

std::optional<base::TimePoint> ConnectionLapsesAt(store::Store& store, store::StoreId s) {
  auto settings = store.GetLightspeedSettings(s);
  if (!settings.ok() || settings->connection != store::ConnectionState::kConnected)
    return std::nullopt;
  auto tokens = store.GetLightspeedTokens(s);
  if (!tokens.ok() || tokens->refresh_issued_at == base::TimePoint{}) return std::nullopt;
  return tokens->refresh_issued_at + kRefreshTokenLife;
}

namespace {
constexpr std::string_view kWaitingForConnection =
    "Waiting for the Lightspeed connection: this order is sent by itself once the store is "
    "connected again in Settings → Lightspeed.";
}  // namespace

std::string StoppedForConnection(const std::string& why) {
  return std::string(kWaitingForConnection) + (why.empty() ? "" : " " + why);
}

bool IsStoppedForConnection(std::string_view export_message) {
  return export_message.rfind(kWaitingForConnection, 0) == 0;
}

std::string LapsedMessage(base::TimePoint lapsed_at) {
  return "Reconnect to Lightspeed: the connection lapsed on " + base::FormatTime(lapsed_at) +
         " (Lightspeed forgets an authorization that is not used for 30 days). Press Connect in "
         "Settings → Lightspeed.";
}

double Connections::SecondsUntilAdmits(store::StoreId s, double units) {
  base::MutexLock lock(mu_);
  auto it = links_.find(s.value);
  if (it == links_.end() || !it->second->client) return 0;
  return it->second->client->limiter().SecondsToDrain(units);
}

std::optional<lightspeed::RateLimiter::Snapshot> Connections::Bucket(store::StoreId s) {
  base::MutexLock lock(mu_);
  auto it = links_.find(s.value);
  if (it == links_.end() || !it->second->client) return std::nullopt;
  return it->second->client->limiter().Now();
}

}  // namespace exporter
