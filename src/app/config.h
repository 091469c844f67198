// spoke's configuration: a TOML file, then SPOKE_* environment variables over it. Parsed once into
// typed settings; unknown keys and bad values are refused naming the key.
#pragma once

#include <string>

#include "base/result.h"

namespace app {

struct Config {
  std::string listen = "127.0.0.1:8080";             // server.listen, host:port
  std::string database_url = "sqlite://./spoke.db";  // database.url
  int database_pool_size = 0;  // database.pool_size, 0..64 connections (0: 4 SQLite, 8 PostgreSQL)
  std::string api_base = "https://api.lightspeedapp.com";     // lightspeed.api_base
  std::string auth_base = "https://cloud.lightspeedapp.com";  // lightspeed.auth_base
  std::string client_id;                                      // lightspeed.client_id
  std::string client_secret;  // SPOKE_LIGHTSPEED_CLIENT_SECRET only, never from the file
  // export.workers, 1..10000: sales in flight at once, one per account; a sale waiting for
  // Lightspeed holds no thread.
  int workers = 512;
  int threads = 4;  // export.threads, 1..64: the threads the exports run on
  // export.lane_lease_seconds, 3..600: how long a node that died keeps its accounts' lanes
  // before another node takes them over (renewed by a live node every third of it).
  int lane_lease_seconds = 15;
  int lease_seconds = 120;  // export.lease_seconds, 2..3600: how long a claim outlives a crash
  // worker.node_name: this process's name among the nodes sharing the database (lane leases, the
  // Exports page, /metrics); 1..200 bytes of printable UTF-8. "" = hostname-pid-random.
  std::string node_name;
  // reconcile.daily_at, "HH:MM" (00:00–23:59) in each store's time zone: when the daily
  // reconciliation runs. "" (the default): no daily run.
  std::string reconcile_daily_at;
  int lightspeed_timeout_seconds = 30;  // lightspeed.timeout_seconds, 1..300: one whole request
  std::string key_file;                 // security.key_file; default: spoke.key beside the database
  std::string secret_key;               // SPOKE_SECRET_KEY (64 hex) or read from key_file
  // server.public_url: the https base the merchant's browser reaches spoke at, for the OAuth
  // redirect and absolute links ("" = none: connecting works from a loopback address only).
  std::string public_url;
  // lightspeed.refresh_keepalive_days, 0..29: refresh a store's tokens once its refresh token is
  // this many days old, so a quiet store never reaches Lightspeed's 30 days (0 = never).
  int refresh_keepalive_days = 7;
  // The HTTP server facing the internet (defaults in http::Limits): request handler threads;
  // open connections in all and from one address; the time a client has to send a request's
  // head (its body gets three times as long); how long a kept-alive connection may sit idle.
  int server_threads = 8;                 // server.threads, 1..256
  int max_connections = 10000;            // server.max_connections
  int max_connections_per_address = 256;  // server.max_connections_per_address
  int request_timeout_seconds = 10;       // server.request_timeout_seconds, 1..600
  int idle_timeout_seconds = 15;          // server.idle_timeout_seconds, 1..3600
  // alerts.check_seconds, 1..3600: how often `spoke serve` and `spoke worker` look for alert
  // incidents and send due alerts (issue 15; alerts themselves are set per store, off by default).
  int alerts_check_seconds = 30;

  std::string Host() const;
  int Port() const;
};

// `path` empty: spoke.toml in the working directory if present, else defaults.
base::Result<Config> LoadConfig(const std::string& path);

// Reads SPOKE_SECRET_KEY, else the key file (must be mode 0600), else creates the key file with
// a new random key (0600). Fills config->secret_key.
base::Status LoadSecretKey(Config* config);

}  // namespace app
