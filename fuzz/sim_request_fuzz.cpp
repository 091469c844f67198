// lsr-sim's request handling in process: a sim::Engine per input, started from a copy of one
// seeded state (a demo account, a real OAuth refresh for its token, rate limiting off), then up
// to eight requests, each a line
//   "<METHOD> <Entity>[/<id>][?query]"     e.g. "PUT Sale/1?load_relations=all"
// (or a full path starting with '/', for OAuth and the /_sim/ control plane) followed by its
// body lines. The JSON bodies of POST/PUT for Customer, Item, Sale, PaymentType and Serialized
// go through the same code as over HTTP (Engine::Handle). What must hold: no 5xx unless a fault
// asked for it, JSON answers parse, and a refused write changes nothing (a failed sale saves
// nothing and uses up no id).
#include <chrono>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "sim/engine.h"
#include "sim/json_util.h"
#include "sim/state.h"

namespace {

struct Request {
  std::string method, target, body;
};

std::vector<Request> ReadRequests(std::string_view in) {
  std::vector<Request> out;
  while (!in.empty()) {
    const size_t nl = in.find('\n');
    std::string line(in.substr(0, nl));
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t sp = line.find(' ');
    const std::string word = line.substr(0, sp);
    if (sp != std::string::npos &&
        (word == "GET" || word == "POST" || word == "PUT" || word == "DELETE")) {
      if (out.size() == 8) break;
      out.push_back({word, line.substr(sp + 1), ""});
    } else if (!out.empty()) {
      out.back().body += (out.back().body.empty() ? "" : "\n") + line;
    }
  }
  return out;
}

// One seeded account with a used token and rate limiting off, made once; every input starts
// from a copy of that state, so inputs do not depend on each other.
class Sim {
 public:
  Sim() : clock_(kStart), engine_(&clock_, Seeded().state) {}

  sim::HttpResponse Send(const std::string& method, const std::string& path,
                         const std::string& query, const std::string& body) {
    return Send(engine_, Seeded().access, method, path, query, body);
  }

  // Path and query for "Entity[/id][?query]" or a full "/path[?query]".
  static std::pair<std::string, std::string> Target(const std::string& t) {
    const size_t q = t.find('?');
    std::string path = t.substr(0, q);
    const std::string query = q == std::string::npos ? "" : t.substr(q + 1);
    if (path.empty() || path[0] != '/')
      path = "/API/V3/Account/" + Seeded().account_id + "/" + path + ".json";
    return {path, query};
  }

  sim::State Snapshot() { return engine_.CopyState(); }

 private:
  struct Base {
    sim::State state;
    std::string account_id, access;
  };
  static constexpr base::TimePoint kStart = base::TimePoint(std::chrono::seconds(1795000000));

  static sim::HttpResponse Send(sim::Engine& engine, const std::string& access,
                                const std::string& method, const std::string& path,
                                const std::string& query, const std::string& body) {
    sim::HttpRequest r{method,
                       path,
                       query,
                       body,
                       {{"authorization", "Bearer " + access},
                        {"accept", "application/json"},
                        {"content-type", "application/json"},
                        {"host", "127.0.0.1:8090"}}};
    return engine.Handle(r);
  }

  static const Base& Seeded() {
    static const Base base = [] {
      base::ManualClock clock(kStart);
      sim::Engine engine(&clock);
      const sim::AccountInfo a =
          engine.CreateAccount("Spoke Cycles", 1, true, "http://127.0.0.1/callback");
      sim::HttpRequest token{"POST",
                             "/auth/oauth/token",
                             "",
                             "grant_type=refresh_token&client_id=" + a.client_id +
                                 "&client_secret=" + a.client_secret +
                                 "&refresh_token=" + a.refresh_token,
                             {{"content-type", "application/x-www-form-urlencoded"}}};
      const sim::Json answer = sim::Json::parse(engine.Handle(token).body, nullptr, false);
      FUZZ_CHECK(answer.is_object() && answer.contains("access_token"), "no token");
      const std::string access = answer["access_token"].get<std::string>();
      sim::HttpResponse off =
          Send(engine, access, "PUT", "/_sim/accounts/" + a.account_id + "/rate", "",
               R"({"model":"off"})");
      FUZZ_CHECK(off.status == 200, off.body);
      // The token's first use retires its refresh token; do it here, not in the first input.
      FUZZ_CHECK(Send(engine, access, "GET", "/API/V3/Account.json", "", "").status == 200, "");
      return Base{engine.CopyState(), a.account_id, access};
    }();
    return base;
  }

  base::ManualClock clock_;
  sim::Engine engine_;
};

// The stored records: every account's tables, rows and next ids. A table that does not exist
// yet reads as an empty one (looking at a counter creates it).
bool SameRecords(const sim::State& a, const sim::State& b) {
  if (a.accounts.size() != b.accounts.size()) return false;
  for (const auto& [id, account] : a.accounts) {
    auto other = b.accounts.find(id);
    if (other == b.accounts.end()) return false;
    auto table = [](const sim::Account& acct, const std::string& name) -> const sim::Table& {
      static const sim::Table kNone;
      auto it = acct.tables.find(name);
      return it == acct.tables.end() ? kNone : it->second;
    };
    for (const auto* tables : {&account.tables, &other->second.tables})
      for (const auto& [name, unused] : *tables) {
        const sim::Table &x = table(account, name), &y = table(other->second, name);
        if (x.next_id != y.next_id || x.rows != y.rows) return false;
      }
  }
  return true;
}

bool IsEntityWrite(const Request& r) {
  return (r.method == "POST" || r.method == "PUT" || r.method == "DELETE") && !r.target.empty() &&
         r.target[0] != '/';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<Request> requests = ReadRequests(fuzz::AsText(data, size));
  if (requests.empty()) return 0;
  Sim sim;
  for (const Request& r : requests) {
    auto [path, query] = Sim::Target(r.target);
    const bool write = IsEntityWrite(r);
    const sim::State before = write ? sim.Snapshot() : sim::State();
    const sim::HttpResponse answer = sim.Send(r.method, path, query, r.body);
    if (std::getenv("SPOKE_FUZZ_VERBOSE"))  // to see what a seed reaches
      std::fprintf(stderr, "%s %s -> %d %s\n", r.method.c_str(), r.target.c_str(), answer.status,
                   answer.body.substr(0, 300).c_str());
    // A 500 only when the fuzzer asked for one through the control plane's faults.
    FUZZ_CHECK(answer.status < 500 || answer.body.find("(injected)") != std::string::npos,
               r.method + " " + r.target + " answered " + std::to_string(answer.status) + ": " +
                   answer.body);
    if (answer.content_type.find("json") != std::string::npos)
      FUZZ_CHECK(!sim::Json::parse(answer.body, nullptr, false).is_discarded(),
                 "not JSON: " + answer.body);
    if (write && answer.status >= 400)
      FUZZ_CHECK(SameRecords(sim.Snapshot(), before),
                 r.method + " " + r.target + " was refused (" + answer.body + ") but changed data");
  }
  return 0;
}
