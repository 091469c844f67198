#include "sim/engine.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "sim/api.h"
#include "sim/model.h"
#include "sim/rate_limit.h"
#include "sim/schema.h"

namespace sim {
namespace {

HttpResponse Unauthorized(const std::string& description) {
  Json j = Json::object();
  j["error"] = "access_denied";
  j["error_description"] = description;
  j["hint"] = "Access token could not be verified";
  j["message"] = "The resource owner or authorization server denied the request.";
  return JsonAnswer(401, j);
}

// A uniform draw in [0, 1) from the account's dice: 53 random bits, the same on every platform.
double Roll(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// The first matching fault that fires: each one with probability < 1 rolls the dice; one that
// does not fire keeps its count and lets the next matching fault try.
bool Take(Account& acct, const std::string& method, const std::string& entity, Fault* out) {
  for (auto it = acct.faults.begin(); it != acct.faults.end(); ++it) {
    if ((it->method != "*" && it->method != method) || (it->entity != "*" && it->entity != entity))
      continue;
    if (it->probability < 1.0 && Roll(acct.fault_rng) >= it->probability) continue;
    *out = *it;
    if (it->count != Fault::kUnlimited && --it->count <= 0) acct.faults.erase(it);
    ++acct.stats.faults_fired[out->action];
    ++acct.stats.faults_fired_on[out->action + " " + method + " " + entity];
    return true;
  }
  return false;
}

// Remembers a saved write whose answer a fault keeps from the client, with the saved id.
void NoteUnanswered(Account& acct, const std::string& what, const std::string& entity,
                    const std::string& answer) {
  constexpr size_t kKept = 100000;
  if (acct.stats.unanswered_writes.size() >= kKept) return;
  const EntitySpec* spec = FindEntity(entity);
  const Json body = Json::parse(answer, nullptr, false);
  std::string id;
  if (spec && body.is_object() && body.contains(entity))
    id = FieldText(body[entity], spec->id_field);
  acct.stats.unanswered_writes.push_back({what, id});
}

// The body of a POST or PUT as JSON: nullptr when there is none, or when it is not JSON (then
// `*storage` is left discarded).
const Json* ParsedBody(const HttpRequest& req, Json* storage) {
  if ((req.method != "POST" && req.method != "PUT") || req.body.empty()) return nullptr;
  *storage = Json::parse(req.body, nullptr, false);
  return storage->is_discarded() ? nullptr : storage;
}

// The rate headers every answer past authorization carries, as the bucket stands now.
HttpResponse WithRateHeaders(const Account& acct, int64_t cost, HttpResponse r) {
  for (auto& h : RateHeaders(acct.rate, acct.bucket, cost)) r.headers.push_back(h);
  return r;
}

}  // namespace

std::string HttpRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpResponse JsonAnswer(int status, const Json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);  // paths need not be UTF-8
  return r;
}

HttpResponse JsonError(int status, const std::string& message, const std::string& error_class) {
  HttpResponse r;
  r.status = status;
  r.body = ErrorBody(status, message, error_class);
  return r;
}

HttpResponse FromError(const base::Error& e) {
  int status = 500;
  std::string cls = e.reason;
  switch (e.code) {
    case base::ErrorCode::kInvalidInput:
      status = 400;
      if (cls == "invalid" || cls.empty()) cls = "InvalidArgumentException";
      break;
    case base::ErrorCode::kNotFound:
      status = 404;
      cls = "NotFoundException";
      break;
    case base::ErrorCode::kConflict:
      status = 409;
      break;
    default:
      cls = "InternalError";
  }
  return JsonError(status, e.message, cls);
}

int64_t Engine::NowUs() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock_->Now().time_since_epoch())
             .count() +
         state_.clock_offset_us;
}

HttpResponse Engine::Handle(const HttpRequest& req) {
  HttpResponse r = HandleDeferred(req);
  if (r.delay > std::chrono::milliseconds::zero()) {
    clock_->SleepFor(r.delay);
    r.delay = std::chrono::milliseconds::zero();
    if (r.then) r = r.then();
  }
  return r;
}

HttpResponse Engine::HandleDeferred(const HttpRequest& req) {
  try {
    if (req.path.rfind("/API/", 0) == 0) return HandleApi(req);
    base::MutexLock lock(mu_);
    if (req.path.rfind("/_sim/", 0) == 0) return HandleControl(state_, NowUs(), req);
    if (req.path == "/auth/oauth/authorize" && req.method == "GET")
      return OAuthAuthorize(state_, NowUs(), req);
    if (req.path == "/auth/oauth/token" && req.method == "POST")
      return OAuthToken(state_, NowUs(), req);
    return JsonError(404, "No route for " + req.method + " " + req.path, "NotFoundException");
  } catch (const std::exception& e) {
    // nlohmann throws on type mismatches in odd bodies; answer instead of dying.
    return JsonError(400, std::string("Bad request: ") + e.what(), "InvalidArgumentException");
  }
}

HttpResponse Engine::HandleApi(const HttpRequest& req) {
  const ApiRoute route = ParseApiPath(req.path);
  if (!route.ok) return JsonError(404, "No route for " + req.path, "NotFoundException");
  if (!route.json && req.Header("accept").find("application/json") == std::string::npos)
    return JsonError(406, "lsr-sim speaks JSON only: add .json or Accept: application/json",
                     "NotAcceptable");
  const std::string auth = req.Header("authorization");
  const std::string bearer = auth.rfind("Bearer ", 0) == 0 ? auth.substr(7) : "";

  base::MutexLock lock(mu_);
  auto account_id = VerifyAccess(state_, NowUs(), bearer);
  if (!account_id.ok()) return Unauthorized(account_id.error().message);
  if (route.account_id != 0 && route.account_id != *account_id)
    return JsonError(403, "This token cannot access account " + std::to_string(route.account_id),
                     "Forbidden");
  Account* acct = &state_.accounts.at(*account_id);
  if (EmployeeLockedOut(*acct))
    return Unauthorized("The employee who authorized this application is locked out");

  const Params params = ParseQueryString(req.query);
  Json body_json;
  const Json* body = ParsedBody(req, &body_json);
  const bool bad_body = body == nullptr && body_json.is_discarded();
  const int64_t cost = RequestCostMicro(acct->rate, CostOf(route, req.method, params, body));
  const std::string key = req.method + " " + route.entity;
  ++acct->stats.requests[key];

  const Admission adm = Admit(acct->rate, &acct->bucket, &acct->stats, NowUs(), cost);
  if (!adm.allowed) {
    HttpResponse r = JsonError(
        429, "Rate limit exceeded; retry after " + std::to_string(adm.retry_after_s) + " s",
        "RateLimitExceeded");
    r.headers = {{"Retry-After", std::to_string(adm.retry_after_s)},
                 {"X-LS-API-RateLimit-Type", adm.limit_type}};
    return WithRateHeaders(*acct, cost, r);
  }
  acct->stats.units_micro[key] += cost;

  Fault fault;
  if (Take(*acct, req.method, route.entity, &fault)) {
    if (fault.action == "error_500") {
      // Lightspeed's 5xx pages sometimes come as text/html; the body is JSON all the same.
      HttpResponse r = JsonError(500, "Internal server error (injected)", "InternalServerError");
      r.content_type = "text/html; charset=UTF-8";
      return WithRateHeaders(*acct, cost, r);
    }
    if (fault.action == "rate_limit") {
      ++acct->stats.rate_limited;
      HttpResponse r = JsonError(429, "Rate limit exceeded (injected)", "RateLimitExceeded");
      r.headers = {{"Retry-After", "1"}, {"X-LS-API-RateLimit-Type", "api-leaky-bucket"}};
      return WithRateHeaders(*acct, cost, r);
    }
    if (fault.action == "delay" && !fault.after_commit) {
      // Served only when the delay is over (Handle sleeps first; a transport waits on a timer).
      HttpResponse r;
      r.delay = std::chrono::milliseconds(fault.delay_ms);
      r.then = [this, req, account = *account_id, cost, fault] {
        return ServeAfterDelay(req, account, cost, fault);
      };
      return r;
    }
  }
  HttpResponse r = ServeApi(*acct, req, route, params, body, bad_body, cost, fault);
  if (fault.action == "delay") r.delay = std::chrono::milliseconds(fault.delay_ms);  // after_commit
  return r;
}

HttpResponse Engine::ServeAfterDelay(const HttpRequest& req, int64_t account_id, int64_t cost,
                                     const Fault& fault) {
  try {
    base::MutexLock lock(mu_);
    auto it = state_.accounts.find(account_id);
    if (it == state_.accounts.end()) return Unauthorized("The account was removed");
    const ApiRoute route = ParseApiPath(req.path);
    const Params params = ParseQueryString(req.query);
    Json body_json;
    const Json* body = ParsedBody(req, &body_json);
    const bool bad_body = body == nullptr && body_json.is_discarded();
    return ServeApi(it->second, req, route, params, body, bad_body, cost, fault);
  } catch (const std::exception& e) {
    return JsonError(400, std::string("Bad request: ") + e.what(), "InvalidArgumentException");
  }
}

HttpResponse Engine::ServeApi(Account& acct, const HttpRequest& req, const ApiRoute& route,
                              const Params& params, const Json* body, bool bad_body, int64_t cost,
                              const Fault& fault) {
  if (bad_body)
    return WithRateHeaders(
        acct, cost, JsonError(400, "The body is not valid JSON", "InvalidArgumentException"));
  const std::string key = req.method + " " + route.entity;
  HttpResponse r =
      WithRateHeaders(acct, cost, ServeEntity(acct, NowUs(), route, req, params, body));
  r.drop_connection = fault.action == "drop_after_commit";
  r.reset_mid_answer = fault.action == "reset_mid_answer";
  if (r.status == 200 && req.method != "GET" &&
      (r.drop_connection || r.reset_mid_answer || fault.action == "delay"))
    NoteUnanswered(acct, fault.action + " " + key, route.entity, r.body);
  return r;
}

AccountInfo Engine::CreateAccount(const std::string& name, int registers, bool demo,
                                  const std::string& redirect_uri, const std::string& client_id,
                                  const std::string& client_secret) {
  base::MutexLock lock(mu_);
  return SeedAccount(state_, NowUs(), name, registers, demo, redirect_uri, client_id,
                     client_secret);
}

AccountInfo Engine::CreateAccount(const std::string& name, int registers, bool demo,
                                  const std::string& redirect_uri) {
  base::MutexLock lock(mu_);
  return SeedAccount(state_, NowUs(), name, registers, demo, redirect_uri);
}

base::Status Engine::Save(const std::string& path) {
  std::string text;
  {
    base::MutexLock lock(mu_);
    text = SaveState(state_).dump(1);
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return base::Unavailable("Cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return base::Unavailable("Cannot rename " + tmp);
  return base::OkStatus();
}

base::Status Engine::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::OkStatus();  // no file yet: start empty
  std::stringstream ss;
  ss << in.rdbuf();
  Json j = Json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return base::Invalid("state_file", path + " is not valid JSON");
  auto state = LoadState(j);
  if (!state.ok()) return state.error();
  base::MutexLock lock(mu_);
  state_ = std::move(*state);
  return base::OkStatus();
}

}  // namespace sim
