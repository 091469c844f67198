// The transport-free core: one HTTP-shaped request in, one answer out, under one mutex.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/result.h"
#include "sim/query.h"
#include "sim/sim.h"
#include "sim/state.h"

namespace sim {

struct ApiRoute;

struct HttpRequest {
  std::string method;  // "GET", ...
  std::string path;    // decoded path, no query
  std::string query;   // raw query string, undecoded
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string Header(const std::string& lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  bool drop_connection = false;   // a drop_after_commit fault: send nothing, close the socket
  bool reset_mid_answer = false;  // send the head and part of the body, then reset
  // A delay fault, from Engine::HandleDeferred only: the answer goes out `delay` after the
  // request. With `then` set the request has not been served yet: `then` serves it when the delay
  // is over and gives the answer (a delay before the request takes effect).
  std::chrono::milliseconds delay{0};
  std::function<HttpResponse()> then;
};

HttpResponse JsonError(int status, const std::string& message, const std::string& error_class);
HttpResponse JsonAnswer(int status, const Json& body);
// An error Result mapped to Lightspeed's status and errorClass.
HttpResponse FromError(const base::Error& e);

class Engine {
 public:
  explicit Engine(base::Clock* clock) : clock_(clock) {}
  // Starts from a copy of another engine's state: the fuzz target seeds an account once and
  // starts every input from there.
  Engine(base::Clock* clock, State state) : clock_(clock), state_(std::move(state)) {}
  State CopyState() {
    base::MutexLock lock(mu_);
    return state_;
  }
  // Serves one request; a delay fault is slept on the engine's clock, on the caller's thread
  // (a ManualClock moves at once: tests, the fuzz target).
  HttpResponse Handle(const HttpRequest& req);
  // The same, but a delay fault is not slept: the answer carries it (HttpResponse::delay, and
  // `then` for a delay before the request takes effect) for a transport that waits without
  // holding a thread. `then` needs the engine: run it before the engine is destroyed.
  HttpResponse HandleDeferred(const HttpRequest& req);
  AccountInfo CreateAccount(const std::string& name, int registers, bool demo,
                            const std::string& redirect_uri, const std::string& client_id,
                            const std::string& client_secret);
  AccountInfo CreateAccount(const std::string& name, int registers, bool demo,
                            const std::string& redirect_uri);
  base::Status Save(const std::string& path);
  base::Status Load(const std::string& path);

 private:
  HttpResponse HandleApi(const HttpRequest& req) EXCLUDES(mu_);
  // After the rate limit and the faults that answer at once: serves the request for `acct`.
  // `body` is nullptr when there is none or it is not JSON (`bad_body`).
  HttpResponse ServeApi(Account& acct, const HttpRequest& req, const ApiRoute& route,
                        const Params& params, const Json* body, bool bad_body, int64_t cost,
                        const Fault& fault) REQUIRES(mu_);
  // A delay before the request takes effect, once it is over: the account may be gone by then.
  HttpResponse ServeAfterDelay(const HttpRequest& req, int64_t account_id, int64_t cost,
                               const Fault& fault) EXCLUDES(mu_);
  int64_t NowUs() const REQUIRES(mu_);

  base::Clock* clock_;
  base::Mutex mu_;
  State state_ GUARDED_BY(mu_);
};

// Pieces of the engine, each in its own file; all called with the engine's mutex held.
HttpResponse HandleControl(State& state, int64_t now_us, const HttpRequest& req);
HttpResponse OAuthAuthorize(State& state, int64_t now_us, const HttpRequest& req);
HttpResponse OAuthToken(State& state, int64_t now_us, const HttpRequest& req);
// What is wrong with a redirect URI an app registers or names ("" when nothing): absolute,
// https, or plain http for localhost/127.0.0.1 only; no fragment.
std::string RedirectUriProblem(const std::string& uri);
// The account a bearer token belongs to; its first use retires the refresh token it came from.
base::Result<int64_t> VerifyAccess(State& state, int64_t now_us, const std::string& bearer);
AccountInfo SeedAccount(State& state, int64_t now_us, const std::string& name, int registers,
                        bool demo, const std::string& redirect_uri,
                        const std::string& client_id = "", const std::string& client_secret = "");
Json SaveState(const State& state);
base::Result<State> LoadState(const Json& j);

}  // namespace sim
