// The emulator's whole state: accounts with their entity tables, tokens, buckets and stats.
// Everything here is guarded by Engine's mutex.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "sim/json_util.h"

namespace sim {

// Rows are stored in wire form (every scalar a string); nested relations are kept inline as
// plain arrays/objects and wrapped one-or-many only when rendered.
struct Table {
  int64_t next_id = 1;
  std::map<int64_t, Json> rows;
};

struct RateConfig {
  std::string model = "2026";  // "2026" | "legacy" | "off"
  int64_t size_micro = 0;      // bucket size in micro-units
  int64_t drip_micro = 0;      // units drained per second, in micro-units
  int64_t burst_limit = 0;     // requests per one-second window
};

struct Bucket {
  int64_t level_micro = 0;
  int64_t last_us = 0;
  int64_t window_s = -1;  // the one-second window the burst count belongs to
  int64_t window_count = 0;
};

struct Fault {
  static constexpr int64_t kUnlimited = -1;
  std::string method;  // "POST", ... or "*"
  std::string entity;  // "Sale", ... or "*"
  // drop_after_commit | reset_mid_answer | error_500 | rate_limit | delay
  std::string action;
  int64_t count = 1;          // how many more times it may fire, or kUnlimited
  double probability = 1.0;   // the chance that a matching request fires it
  int64_t delay_ms = 0;       // delay: how long
  bool after_commit = false;  // delay: serve (and commit) first, then hold the answer
};

struct Stats {
  std::map<std::string, int64_t> requests;         // "GET Sale" -> n
  std::map<std::string, int64_t> units_micro;      // "GET Sale" -> cost
  int64_t rate_limited = 0;                        // 429s sent (bucket, burst and faults)
  int64_t peak_micro = 0;                          // highest bucket level seen
  int64_t refreshes = 0;                           // refresh_token grants served
  std::map<std::string, int64_t> faults_fired;     // "drop_after_commit" -> n
  std::map<std::string, int64_t> faults_fired_on;  // "drop_after_commit POST Sale" -> n
  // Writes saved while a fault kept their answer from the client or held it back
  // (drop_after_commit, reset_mid_answer, delay): "drop_after_commit POST Customer", saved id.
  std::vector<std::pair<std::string, std::string>> unanswered_writes;
};

struct Account {
  int64_t id = 0;
  std::string name;
  int registers = 1;
  std::string client_id, client_secret, redirect_uri;
  int64_t access_ttl_s = 3600;
  // A refresh token not used for this long is dead (Lightspeed: 30 days unused).
  int64_t refresh_ttl_s = 30LL * 86400;
  // The token endpoint's own limit: refresh grants per account per 60 s (0: no limit).
  int64_t refresh_limit_per_minute = 5;
  std::vector<int64_t> refresh_grants_us;  // when the refresh grants of the last minute came
  std::map<std::string, Table> tables;
  RateConfig rate;
  Bucket bucket;
  std::vector<Fault> faults;
  uint64_t fault_seed = 1;       // the seed fault_rng last started from
  std::mt19937_64 fault_rng{1};  // the dice of faults with probability < 1
  Stats stats;
  // What an out-of-balance POST Sale with completed:true leaves behind: "nothing_saved" (the
  // default) or "open_sale" (the sale is saved open and the 400 names its saleID).
  std::string failed_completion = "nothing_saved";
};

struct AccessToken {
  int64_t account_id = 0;
  int64_t expires_us = 0;
  std::string parent_refresh;  // the refresh token spent to mint this one ("" if none)
  std::string refresh;         // the refresh token issued together with this one
  bool used = false;
};

struct RefreshToken {
  int64_t account_id = 0;
  std::string parent;     // the refresh token this one was issued from ("" if none)
  int64_t issued_us = 0;  // when it was issued (0: unknown, e.g. an older state file; no expiry)
};

struct AuthCode {
  int64_t account_id = 0;
  int64_t expires_us = 0;
  std::string redirect_uri;
  bool redirect_given = false;  // the authorize request named it, so the exchange must too
};

struct State {
  int64_t next_account_id = 1001;
  std::map<int64_t, Account> accounts;
  std::map<std::string, AccessToken> access;
  std::map<std::string, RefreshToken> refresh;
  std::map<std::string, AuthCode> codes;
  // Added to the injected clock: POST /_sim/clock moves the emulator's time forward.
  int64_t clock_offset_us = 0;
};

// The account's bucket parameters for a model and register count (bucket 90 + 10 per extra
// register, drip 1 + 0.5 per extra register; legacy 60 / 1; burst 20 per 90 units).
RateConfig DefaultRate(const std::string& model, int registers);

}  // namespace sim
