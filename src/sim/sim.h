// lsr-sim: a stateful emulator of the Lightspeed Retail (R-Series) API subset spoke uses.
// It serves the account-scoped /API/V3 routes, OAuth (/auth/oauth/*) and a control plane under
// /_sim/ on loopback. See docs/lsr-sim.md for the behaviours and the choices made.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/result.h"

namespace sim {

struct SimOptions {
  std::string host = "127.0.0.1";  // address to bind
  int port = 0;                    // 0 = any free port (Start() returns the one bound)
  std::string state_file;          // "" = in memory only; else loaded by Start, saved by Stop
  base::Clock* clock = nullptr;    // nullptr = base::SystemClock(); must outlive the Simulator
  // (On the real clock a delay fault holds no thread while it waits; an injected clock has the
  // delay slept on it, on the request's thread, so a ManualClock moves at once.)
  // Threads that run requests, 1..256. 0: 4 on the real clock, where requests run on the
  // threads that read them and never block; 64 with an injected clock (delays are slept on).
  int threads = 0;
};

struct AccountInfo {
  std::string account_id, client_id, client_secret, refresh_token;
  std::string shop_id, register_id, employee_id;
};

class Simulator {
 public:
  static std::unique_ptr<Simulator> Create(SimOptions options);
  ~Simulator();

  // Loads the state file (if set and present), binds and serves in background threads.
  base::Result<int> Start();
  // Stops serving and saves the state file if one is set. Safe to call twice.
  base::Status Stop();

  // The same as POST /_sim/accounts: `registers` >= 1; demo_seed adds the bike-shop catalogue.
  AccountInfo CreateAccount(const std::string& name, int registers, bool demo_seed);
  // Another merchant account of the same OAuth app (as a real app serves many merchants).
  AccountInfo CreateAccountForClient(const std::string& name, int registers, bool demo_seed,
                                     const std::string& client_id,
                                     const std::string& client_secret);
  std::string BaseUrl() const;  // "http://127.0.0.1:PORT"

  class Impl;

 private:
  explicit Simulator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sim
