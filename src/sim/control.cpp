// The control plane under /_sim/: reset, clock, accounts, rate model, faults, tokens, behaviour,
// tax categories, stats.
#include <map>
#include <optional>
#include <set>

#include "sim/control_tax.h"
#include "sim/decimal.h"
#include "sim/engine.h"
#include "sim/model.h"
#include "sim/rate_limit.h"
#include "sim/schema.h"

namespace sim {
namespace {

HttpResponse Bad(const std::string& message) { return JsonError(400, message, "SimControlError"); }

Json InfoJson(const AccountInfo& a) {
  return {{"account_id", a.account_id},
          {"client_id", a.client_id},
          {"client_secret", a.client_secret},
          {"refresh_token", a.refresh_token},
          {"shop_id", a.shop_id},
          {"register_id", a.register_id},
          {"employee_id", a.employee_id}};
}

Json RateJson(const RateConfig& r) {
  return {{"model", r.model},
          {"bucket_size", std::stod(FormatUnits(r.size_micro))},
          {"drip_rate", std::stod(FormatUnits(r.drip_micro))},
          {"burst_limit", r.burst_limit}};
}

// A non-negative number of units from a JSON number or string, in micro-units.
bool Units(const Json& v, int64_t* out) {
  auto t = ScalarText(v);
  auto f = t ? ParseFixed(*t, 6) : std::nullopt;
  if (!f || *f <= 0) return false;
  *out = *f;
  return true;
}

HttpResponse SetRate(Account& acct, const Json& body) {
  RateConfig r = acct.rate;
  if (body.contains("model")) {
    const std::string m = body["model"].is_string() ? body["model"].get<std::string>() : "";
    if (m != "2026" && m != "legacy" && m != "off") return Bad("model must be 2026, legacy or off");
    r = DefaultRate(m, acct.registers);
  }
  if (body.contains("bucket_size") && !Units(body["bucket_size"], &r.size_micro))
    return Bad("bucket_size must be a positive number");
  if (body.contains("drip_rate") && !Units(body["drip_rate"], &r.drip_micro))
    return Bad("drip_rate must be a positive number");
  if (body.contains("burst_limit")) {
    if (!body["burst_limit"].is_number_integer() || body["burst_limit"].get<int64_t>() < 1)
      return Bad("burst_limit must be a positive integer");
    r.burst_limit = body["burst_limit"].get<int64_t>();
  } else if (body.contains("bucket_size")) {
    r.burst_limit = std::max<int64_t>(1, DivRoundHalfAway(r.size_micro * 20, 90LL * 1000000));
  }
  acct.rate = r;
  acct.bucket = Bucket{};
  return JsonAnswer(200, RateJson(r));
}

// One fault from its JSON; "" when it is good, else what is wrong, naming the field.
std::string ParseFault(const Json& f, Fault* out) {
  static const std::set<std::string> kKeys = {"method",      "path",     "action",      "count",
                                              "probability", "delay_ms", "after_commit"};
  static const std::set<std::string> kActions = {"drop_after_commit", "reset_mid_answer",
                                                 "error_500", "rate_limit", "delay"};
  if (!f.is_object()) return "each fault is an object";
  for (auto it = f.begin(); it != f.end(); ++it)
    if (!kKeys.count(it.key())) return "unknown fault field: " + it.key();
  for (const char* k : {"method", "path", "action"})
    if (f.contains(k) && !f[k].is_string()) return std::string(k) + " must be a string";
  out->method = f.value("method", std::string("*"));
  out->entity = f.value("path", std::string("*"));
  out->action = f.value("action", std::string());
  if (!kActions.count(out->action))
    return "action must be drop_after_commit, reset_mid_answer, error_500, rate_limit or delay";
  if (f.contains("count")) {
    const Json& c = f["count"];
    if (c.is_string() && c.get<std::string>() == "unlimited")
      out->count = Fault::kUnlimited;
    else if (c.is_number_integer() && c.get<int64_t>() >= 1)
      out->count = c.get<int64_t>();
    else
      return "count must be a whole number >= 1 or \"unlimited\"";
  }
  if (f.contains("probability")) {
    const Json& p = f["probability"];
    if (!p.is_number() || !(p.get<double>() > 0.0 && p.get<double>() <= 1.0))
      return "probability must be a number with 0 < probability <= 1";
    out->probability = p.get<double>();
  }
  if (f.contains("delay_ms")) {
    const Json& d = f["delay_ms"];
    if (!d.is_number_integer() || d.get<int64_t>() < 0)
      return "delay_ms must be a whole number >= 0";
    out->delay_ms = d.get<int64_t>();
  }
  if (f.contains("after_commit")) {
    if (!f["after_commit"].is_boolean()) return "after_commit must be true or false";
    out->after_commit = f["after_commit"].get<bool>();
  }
  return "";
}

Json FaultJson(const Fault& f) {
  return {{"method", f.method},
          {"path", f.entity},
          {"action", f.action},
          {"count", f.count == Fault::kUnlimited ? Json("unlimited") : Json(f.count)},
          {"probability", f.probability},
          {"delay_ms", f.delay_ms},
          {"after_commit", f.after_commit}};
}

// A fault, a list of faults, or {"seed": S, "faults": [...]}: the seed restarts the dice.
HttpResponse AddFaults(Account& acct, const Json& body) {
  Json list = body;
  std::optional<uint64_t> seed;
  if (body.is_object() && (body.contains("faults") || body.contains("seed"))) {
    for (auto it = body.begin(); it != body.end(); ++it)
      if (it.key() != "faults" && it.key() != "seed") return Bad("unknown field: " + it.key());
    if (body.contains("seed")) {
      if (!body["seed"].is_number_unsigned()) return Bad("seed must be a whole number >= 0");
      seed = body["seed"].get<uint64_t>();
    }
    list = body.value("faults", Json::array());
  }
  if (!list.is_array()) list = Json::array({list});
  std::vector<Fault> added;
  for (const auto& f : list) {
    Fault fault;
    if (std::string problem = ParseFault(f, &fault); !problem.empty()) return Bad(problem);
    added.push_back(fault);
  }
  if (seed) {
    acct.fault_seed = *seed;
    acct.fault_rng.seed(*seed);
  }
  acct.faults.insert(acct.faults.end(), added.begin(), added.end());
  Json out = Json::array();
  for (const auto& f : acct.faults) out.push_back(FaultJson(f));
  return JsonAnswer(200, out);
}

Json Counts(const std::map<std::string, int64_t>& counts) {
  Json out = Json::object();
  for (const auto& [k, v] : counts) out[k] = v;
  return out;
}

HttpResponse StatsAnswer(const Account& acct) {
  Json requests = Counts(acct.stats.requests), units = Json::object(), dups = Json::object();
  Json unanswered = Json::array();
  for (const auto& [what, id] : acct.stats.unanswered_writes)
    unanswered.push_back({{"fault", what}, {"id", id}});
  for (const auto& [k, v] : acct.stats.units_micro) units[k] = std::stod(FormatUnits(v));
  std::map<std::string, int64_t> refs;
  auto sales = acct.tables.find("Sale");
  if (sales != acct.tables.end())
    for (const auto& [id, row] : sales->second.rows) {
      const std::string ref = row.value("referenceNumber", std::string());
      if (!ref.empty()) ++refs[ref];
    }
  for (const auto& [ref, n] : refs)
    if (n > 1) dups[ref] = n;
  return JsonAnswer(200, {{"requests", requests},
                          {"units", units},
                          {"rate_limited", acct.stats.rate_limited},
                          {"peak_bucket_level", std::stod(FormatUnits(acct.stats.peak_micro))},
                          {"refreshes", acct.stats.refreshes},
                          {"fault_seed", acct.fault_seed},
                          {"faults_fired", Counts(acct.stats.faults_fired)},
                          {"faults_fired_on", Counts(acct.stats.faults_fired_on)},
                          {"unanswered_writes", unanswered},
                          {"duplicate_references", dups}});
}

HttpResponse Behaviour(Account& acct, const Json& body, bool set) {
  if (set) {
    if (!body.is_object()) return Bad("the body is a JSON object");
    for (auto it = body.begin(); it != body.end(); ++it)
      if (it.key() != "failed_completion") return Bad("unknown behaviour: " + it.key());
    if (body.contains("failed_completion")) {
      const Json& v = body["failed_completion"];
      const std::string mode = v.is_string() ? v.get<std::string>() : "";
      if (mode != "nothing_saved" && mode != "open_sale")
        return Bad("failed_completion must be nothing_saved or open_sale");
      acct.failed_completion = mode;
    }
  }
  return JsonAnswer(200, {{"failed_completion", acct.failed_completion}});
}

// Every row of an entity as stored (archived ones too), for tests that check the whole account.
HttpResponse Rows(const Account& acct, const std::string& entity) {
  if (!FindEntity(entity)) return JsonError(404, "No such entity: " + entity, "SimControlError");
  Json rows = Json::array();
  if (auto t = acct.tables.find(entity); t != acct.tables.end())
    for (const auto& [id, row] : t->second.rows) rows.push_back(row);
  return JsonAnswer(200, {{entity, rows}});
}

// A merchant archives a record in Lightspeed's back office (an item no longer stocked): as the
// API's DELETE, without a token or the bucket.
HttpResponse ArchiveRow(Account& acct, int64_t now_us, const std::string& entity_and_id) {
  const size_t slash = entity_and_id.find('/');
  const EntitySpec* spec = FindEntity(entity_and_id.substr(0, slash));
  const auto id =
      slash == std::string::npos ? std::nullopt : ParseFixed(entity_and_id.substr(slash + 1), 0);
  if (!spec || !id || !FindRow(acct, spec->name, *id))
    return JsonError(404, "No such row: " + entity_and_id, "SimControlError");
  if (auto st = DeleteEntity(Ctx{&acct, now_us}, *spec, *id); !st.ok())
    return Bad(st.error().message);
  return JsonAnswer(200, *FindRow(acct, spec->name, *id));
}

// A merchant voids a completed sale at the register (R-Series has no API call for it that we could
// confirm): `voided` true, stock back, still listed.
HttpResponse VoidRow(Account& acct, int64_t now_us, const std::string& sale_id) {
  const auto id = ParseFixed(sale_id, 0);
  if (!id || !FindRow(acct, "Sale", *id))
    return JsonError(404, "No such sale: " + sale_id, "SimControlError");
  if (auto st = VoidSale(Ctx{&acct, now_us}, *id); !st.ok()) return Bad(st.error().message);
  return JsonAnswer(200, *FindRow(acct, "Sale", *id));
}

// A merchant edits a record in Lightspeed's back office (any entity, read-only ones too): the
// scalar fields given are set as Lightspeed would store them; the answer is the stored row.
HttpResponse EditRow(Account& acct, const std::string& what, int64_t now_us, const Json& body) {
  const size_t slash = what.find('/');
  const EntitySpec* spec = FindEntity(what.substr(0, slash));
  const auto id = slash == std::string::npos ? std::nullopt : ParseFixed(what.substr(slash + 1), 0);
  Json* row = spec && id ? FindRow(acct, spec->name, *id) : nullptr;
  if (!row) return JsonError(404, "No such record: " + what, "SimControlError");
  if (!body.is_object()) return Bad("the body is a JSON object of the fields to set");
  for (auto it = body.begin(); it != body.end(); ++it)
    if (!spec->Field(it.key()) || it.key() == spec->id_field)
      return Bad("unknown or read-only " + spec->name + " field: " + it.key());
  Json edited = *row;
  if (auto st = ApplyScalars(*spec, body, &edited, {spec->id_field}); !st.ok())
    return Bad(st.error().message);
  if (spec->Field("timeStamp")) edited["timeStamp"] = FormatTimeUs(now_us);
  *row = std::move(edited);
  return JsonAnswer(200, *row);
}

HttpResponse SetTokens(State& state, Account& acct, int64_t now_us, const Json& body) {
  if (body.contains("access_ttl_s")) {
    // At most a year: the expiry is kept in microseconds, where a larger TTL would overflow.
    const Json& ttl = body["access_ttl_s"];
    if (!ttl.is_number_integer() || ttl.get<int64_t>() < 1 || ttl.get<int64_t>() > 31536000)
      return Bad("access_ttl_s must be a whole number of seconds from 1 to 31536000 (a year)");
    acct.access_ttl_s = body["access_ttl_s"].get<int64_t>();
  }
  if (body.contains("refresh_ttl_s")) {
    const Json& ttl = body["refresh_ttl_s"];
    if (!ttl.is_number_integer() || ttl.get<int64_t>() < 1 || ttl.get<int64_t>() > 315360000)
      return Bad("refresh_ttl_s must be a whole number of seconds from 1 to 315360000 (ten years)");
    acct.refresh_ttl_s = ttl.get<int64_t>();
  }
  if (body.contains("refresh_limit_per_minute")) {
    const Json& n = body["refresh_limit_per_minute"];
    if (!n.is_number_integer() || n.get<int64_t>() < 0 || n.get<int64_t>() > 100000)
      return Bad("refresh_limit_per_minute must be a whole number from 0 (no limit) to 100000");
    acct.refresh_limit_per_minute = n.get<int64_t>();
    acct.refresh_grants_us.clear();
  }
  int64_t expired = 0, revoked = 0;
  if (body.value("expire_access_tokens", false)) {
    for (auto& [tok, a] : state.access) {
      if (a.account_id == acct.id && a.expires_us > now_us) {
        a.expires_us = now_us;
        ++expired;
      }
    }
  }
  if (body.value("revoke_refresh_tokens", false)) {
    for (auto it = state.refresh.begin(); it != state.refresh.end();) {
      if (it->second.account_id == acct.id) {
        it = state.refresh.erase(it);
        ++revoked;
      } else {
        ++it;
      }
    }
  }
  return JsonAnswer(200, {{"access_ttl_s", acct.access_ttl_s},
                          {"refresh_ttl_s", acct.refresh_ttl_s},
                          {"refresh_limit_per_minute", acct.refresh_limit_per_minute},
                          {"expired_access_tokens", expired},
                          {"revoked_refresh_tokens", revoked}});
}

// Moves the emulator's time forward (never back): token and code expiry, buckets and limits
// all read it. {"advance_s": N} -> the total offset and the emulator's time.
HttpResponse Clock(State& state, int64_t now_us, const Json& body, bool set) {
  if (set) {
    if (!body.is_object()) return Bad("the body is a JSON object");
    for (auto it = body.begin(); it != body.end(); ++it)
      if (it.key() != "advance_s") return Bad("unknown clock field: " + it.key() + " (advance_s)");
    const Json& n = body.value("advance_s", Json());
    if (!n.is_number_integer() || n.get<int64_t>() < 0 || n.get<int64_t>() > 3153600000)
      return Bad("advance_s must be a whole number of seconds from 0 to 3153600000");
    state.clock_offset_us += n.get<int64_t>() * 1000000;
    now_us += n.get<int64_t>() * 1000000;
  }
  return JsonAnswer(200,
                    {{"offset_s", state.clock_offset_us / 1000000}, {"now", FormatTimeUs(now_us)}});
}

}  // namespace

HttpResponse HandleControl(State& state, int64_t now_us, const HttpRequest& req) {
  Json body = Json::object();
  if (!req.body.empty()) {
    body = Json::parse(req.body, nullptr, false);
    if (body.is_discarded()) return Bad("the body is not JSON");
  }
  const std::string& p = req.path;
  if (p == "/_sim/reset" && req.method == "POST") {
    state = State{};
    return JsonAnswer(200, {{"reset", true}});
  }
  if (p == "/_sim/accounts" && req.method == "POST") {
    if (!body.is_object()) return Bad("the body is a JSON object");
    const std::string seed = body.value("seed", std::string("demo"));
    if (seed != "demo" && seed != "empty") return Bad("seed must be demo or empty");
    const int registers = body.value("registers", 1);
    if (registers < 1 || registers > 50) return Bad("registers must be 1..50");
    const std::string redirect = body.value("redirect_uri", std::string());
    if (!redirect.empty())
      if (std::string problem = RedirectUriProblem(redirect); !problem.empty()) return Bad(problem);
    AccountInfo info = SeedAccount(state, now_us, body.value("name", std::string()), registers,
                                   seed == "demo", redirect, body.value("client_id", std::string()),
                                   body.value("client_secret", std::string()));
    return JsonAnswer(200, InfoJson(info));
  }
  if (p == "/_sim/accounts" && req.method == "GET") {
    Json out = Json::array();
    for (const auto& [id, a] : state.accounts)
      out.push_back(
          {{"account_id", std::to_string(id)}, {"name", a.name}, {"client_id", a.client_id}});
    return JsonAnswer(200, out);
  }
  if (p == "/_sim/stats" && req.method == "GET") {
    // Every account's requests added up: one cheap question for a load test's progress.
    std::map<std::string, int64_t> requests;
    int64_t limited = 0;
    for (const auto& [id, a] : state.accounts) {
      for (const auto& [k, v] : a.stats.requests) requests[k] += v;
      limited += a.stats.rate_limited;
    }
    return JsonAnswer(200, Json{{"accounts", state.accounts.size()},
                                {"requests", Counts(requests)},
                                {"rate_limited", limited}});
  }
  if (p == "/_sim/clock" && (req.method == "POST" || req.method == "GET"))
    return Clock(state, now_us, body, req.method == "POST");
  const std::string prefix = "/_sim/accounts/";
  if (p.rfind(prefix, 0) == 0) {
    const std::string rest = p.substr(prefix.size());
    const size_t slash = rest.find('/');
    const auto id = ParseFixed(rest.substr(0, slash), 0);
    auto it = id ? state.accounts.find(*id) : state.accounts.end();
    if (it == state.accounts.end()) return JsonError(404, "No such account", "SimControlError");
    Account& acct = it->second;
    const std::string what = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (what == "rate" && req.method == "PUT") return SetRate(acct, body);
    if (what == "rate" && req.method == "GET") return JsonAnswer(200, RateJson(acct.rate));
    if (what == "faults" && req.method == "POST") return AddFaults(acct, body);
    if (what == "faults" && req.method == "GET") return AddFaults(acct, Json::array());
    if (what == "faults" && req.method == "DELETE") {
      acct.faults.clear();
      return JsonAnswer(200, Json::array());
    }
    if (what == "stats" && req.method == "GET") return StatsAnswer(acct);
    if (what == "stats" && req.method == "DELETE") {
      acct.stats = Stats{};
      return StatsAnswer(acct);
    }
    if (what == "tokens" && req.method == "PUT") return SetTokens(state, acct, now_us, body);
    if (what.rfind("rows/Sale/", 0) == 0 && what.size() > 15 &&
        what.compare(what.size() - 5, 5, "/void") == 0 && req.method == "POST")
      return VoidRow(acct, now_us, what.substr(10, what.size() - 15));
    if (what.rfind("rows/", 0) == 0 && req.method == "GET") return Rows(acct, what.substr(5));
    if (what.rfind("rows/", 0) == 0 && req.method == "PUT")
      return EditRow(acct, what.substr(5), now_us, body);
    if (what.rfind("rows/", 0) == 0 && req.method == "DELETE")
      return ArchiveRow(acct, now_us, what.substr(5));
    if (what.rfind("tax_categories/", 0) == 0 && req.method == "PUT")
      return SetTaxCategory(acct, what.substr(15), now_us, body);
    if (what.rfind("tax_classes/", 0) == 0 && req.method == "PUT")
      return SetTaxClass(acct, what.substr(12), now_us, body);
    if (what == "behaviour" && (req.method == "PUT" || req.method == "GET"))
      return Behaviour(acct, body, req.method == "PUT");
  }
  return JsonError(404, "No such control-plane endpoint: " + req.method + " " + p,
                   "SimControlError");
}

}  // namespace sim
