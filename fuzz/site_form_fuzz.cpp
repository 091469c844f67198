// The site manager's request handling: url-encoded form bodies, query strings, cookies and path
// parts, decoded as the server decodes them (http::DecodeRequest), through the real
// web::site::Site routes in process over a real SQLite store with a logged-in clerk.
// Input, like a small HTTP request:
//   line 1     "<METHOD> <target>"   e.g. "POST /orders/1001/status"
//   then       "Name: value" header lines, a blank line, and the body.
// "$SESSION" and "$CSRF" anywhere are replaced by the clerk's session cookie and form token, so
// the fuzzer gets past the login and the CSRF check.
// What must hold: no handler throws or answers 500, redirects stay on this site, and
// no page carries a script but our own /site.js (every page is server-rendered; any other
// <script> is an injection).
#include <chrono>
#include <string>

#include "api/api.h"
#include "api/codec.h"
#include "base/secrets.h"
#include "fuzz/fuzz_util.h"
#include "fuzz/temp_store.h"
#include "http/http.h"
#include "web/site/site.h"

namespace {

// The site's routes without a socket: the request as the server would hand it over.
struct InProcessServer {
  http::Router router;
  http::Response Serve(http::Request req) {
    http::DecodeRequest(req);
    http::Response res;
    try {
      if (router.Dispatch(req, res) != http::Router::Match::kFound) res.status = 404;
    } catch (const std::exception& e) {
      fuzz::Fail("no handler throws", __FILE__, __LINE__,
                 req.method + " " + req.target + ": " + e.what());
    }
    return res;
  }
};

void Must(bool ok, const std::string& what) {
  if (!ok) fuzz::TempStore::Die(what);
}

struct World {
  base::ManualClock clock{base::TimePoint(std::chrono::seconds(1795000000))};
  fuzz::TempStore store{"site", &clock};
  api::Api api{store.db(), clock, api::ApiOptions{}};
  web::site::Site site{api, store.db(), web::site::SiteOptions{nullptr, &clock}};
  InProcessServer http;
  int64_t user_id = 0;
  const std::string session_id = base::RandomHex(32);
  const std::string csrf = base::RandomHex(32);

  World() {
    site.Register(http.router);
    auto user = store.db().AddUser(store.id(), "clerk@example.com", "not-an-argon2-hash");
    Must(user.ok(), "cannot add the clerk");
    user_id = user->id;
    const char* items[] = {
        R"({"sku":"TUBE-26","description":"Tube 26\"","price":"8.99"})",
        R"({"sku":"BIKE-1","description":"Road bike","price":"899.99","serialized":true})"};
    for (const char* item : items) {
      auto parsed = api::codec::ItemFromJson(api::codec::json::parse(item),
                                             api::codec::json::parse(item)["sku"]);
      Must(parsed.ok() && api.PutItem(store.id(), *parsed).ok(), "cannot add an item");
    }
    const std::string order =
        R"({"placed_at":"2026-11-20T15:04:05Z","customer":{"email":"ada@example.com"},)"
        R"("lines":[{"sku":"TUBE-26","quantity":2,"unit_price":"8.99"}],"tax":"0.00",)"
        R"("total":"17.98","payments":[{"id":"p1","method":"card","amount":"17.98",)"
        R"("status":"authorized"}]})";
    auto parsed = api::codec::OrderFromJson(api::codec::json::parse(order), "1001", clock.Now());
    Must(parsed.ok() && api.PutOrder(store.id(), *parsed).ok(), "cannot add an order");
  }

  // The clerk stays logged in: a fuzzed logout must not lock the rest of the run out.
  void EnsureSession() {
    const std::string hash = base::Sha256Hex(session_id);
    if (store.db().FindSession(hash).ok()) return;
    store::Session s;
    s.id_hash = hash;
    s.user_id = user_id;
    s.csrf_token = csrf;
    s.created_at = s.last_seen_at = clock.Now();
    Must(store.db().CreateSession(s).ok(), "cannot create the session");
  }
};

void ReplaceAll(std::string* s, const std::string& from, const std::string& to) {
  for (size_t pos = s->find(from); pos != std::string::npos; pos = s->find(from, pos + to.size()))
    s->replace(pos, from.size(), to);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  world.EnsureSession();
  std::string input(fuzz::AsText(data, size));
  ReplaceAll(&input, "$SESSION", world.session_id);
  ReplaceAll(&input, "$CSRF", world.csrf);
  auto [request_line, rest] = fuzz::SplitFirstLine(input);
  http::Request req;
  const size_t space = request_line.find(' ');
  if (space == std::string::npos) return 0;
  req.method = request_line.substr(0, space);
  req.target = request_line.substr(space + 1);
  req.version = "1.1";
  req.remote_addr = "127.0.0.1";
  req.headers.emplace_back("Host", "spoke.test");
  // Headers until the blank line, then the body.
  while (true) {
    const size_t nl = rest.find('\n');
    std::string line = rest.substr(0, nl);
    rest = nl == std::string::npos ? "" : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    req.headers.emplace_back(line.substr(0, colon), value);
  }
  req.body = rest;
  const http::Response res = world.http.Serve(std::move(req));
  if (std::getenv("SPOKE_FUZZ_VERBOSE"))  // to see what a seed reaches
    std::fprintf(stderr, "%s -> %d %s\n", request_line.c_str(), res.status,
                 res.Header("Location").c_str());
  FUZZ_CHECK(res.status != 500, request_line);
  if (res.status >= 300 && res.status < 400) {
    const std::string location = res.Header("Location");
    FUZZ_CHECK(web::site::IsLocalPath(location), "redirect to " + location);
  }
  // The one script a page may carry is our own file (/site.js, in the layout's head); any other
  // <script> is an injection.
  std::string body = res.body;
  const std::string ours = "<script src=\"/site.js\" defer></script>";
  if (const size_t at = body.find(ours); at != std::string::npos) body.erase(at, ours.size());
  FUZZ_CHECK(body.find("<script") == std::string::npos, "a script in the page");
  return 0;
}
