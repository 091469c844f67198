// The site manager's request handling: url-encoded form bodies, query strings, cookies and path
// parts, through httplib's own request parser and the real web::site::Site routes, in process
// (an in-memory stream instead of a socket) over a real SQLite store with a logged-in clerk.
// Input, like a small HTTP request:
//   line 1     "<METHOD> <target>"   e.g. "POST /orders/1001/status"
//   then       "Name: value" header lines, a blank line, and the body.
// "$SESSION" and "$CSRF" anywhere are replaced by the clerk's session cookie and form token, so
// the fuzzer gets past the login and the CSRF check. Content-Length is set here.
// What must hold: no handler throws (httplib would answer 500), redirects stay on this site, and
// no page carries a script (every page is server-rendered; a <script> is an injection).
#include <httplib.h>

#include <chrono>
#include <string>

#include "api/api.h"
#include "base/secrets.h"
#include "fuzz/fuzz_util.h"
#include "fuzz/temp_store.h"
#include "web/site/site.h"

namespace {

// A socket's stand-in: reads the request from memory and collects the answer.
class MemoryStream : public httplib::Stream {
 public:
  explicit MemoryStream(std::string in) : in_(std::move(in)) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, in_.size() - pos_);
    in_.copy(ptr, n, pos_);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 50000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8080;
  }
  socket_t socket() const override { return INVALID_SOCKET; }
  const std::string& out() const { return out_; }

 private:
  std::string in_, out_;
  size_t pos_ = 0;
};

// httplib's request handling without a listening socket.
class InProcessServer : public httplib::Server {
 public:
  std::string Serve(const std::string& raw) {
    MemoryStream stream(raw);
    bool closed = false;
    process_request(stream, true, closed, nullptr);
    return stream.out();
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
    site.Register(http);
    http.set_exception_handler([](const httplib::Request& req, httplib::Response&,
                                  std::exception_ptr ep) {
      const std::string where = req.method + " " + req.path + ": ";
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        fuzz::Fail("no handler throws", __FILE__, __LINE__, where + e.what());
      } catch (...) {
        fuzz::Fail("no handler throws", __FILE__, __LINE__, where + "something not an exception");
      }
    });
    auto user = store.db().AddUser(store.id(), "clerk@example.com", "not-an-argon2-hash");
    Must(user.ok(), "cannot add the clerk");
    user_id = user->id;
    const char* items[] = {
        R"({"sku":"TUBE-26","description":"Tube 26\"","price":"8.99"})",
        R"({"sku":"BIKE-1","description":"Road bike","price":"899.99","serialized":true})"};
    Must(api.PutItem(store.id(), "TUBE-26", items[0]).status < 300, "cannot add an item");
    Must(api.PutItem(store.id(), "BIKE-1", items[1]).status < 300, "cannot add an item");
    const std::string order =
        R"({"placed_at":"2026-11-20T15:04:05Z","customer":{"email":"ada@example.com"},)"
        R"("lines":[{"sku":"TUBE-26","quantity":2,"unit_price":"8.99"}],"tax":"0.00",)"
        R"("total":"17.98","payments":[{"id":"p1","method":"card","amount":"17.98",)"
        R"("status":"authorized"}]})";
    Must(api.PutOrder(store.id(), "1001", order).status < 300, "cannot add an order");
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

std::string Header(const std::string& answer, const std::string& name) {
  const std::string key = "\r\n" + name + ": ";
  const size_t at = answer.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  return answer.substr(start, answer.find("\r\n", start) - start);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  world.EnsureSession();
  std::string input(fuzz::AsText(data, size));
  ReplaceAll(&input, "$SESSION", world.session_id);
  ReplaceAll(&input, "$CSRF", world.csrf);
  auto [request_line, rest] = fuzz::SplitFirstLine(input);
  // Headers until the blank line; our Content-Length replaces any given.
  std::string head = request_line + " HTTP/1.1\r\nHost: spoke.test\r\n";
  while (true) {
    const size_t nl = rest.find('\n');
    std::string line = rest.substr(0, nl);
    rest = nl == std::string::npos ? "" : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    const std::string lower = [&] {
      std::string l = line.substr(0, line.find(':'));
      for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return l;
    }();
    if (lower == "content-length" || lower == "transfer-encoding" || lower == "host") continue;
    head += line + "\r\n";
  }
  head += "Content-Length: " + std::to_string(rest.size()) + "\r\n\r\n";
  const std::string answer = world.http.Serve(head + rest);
  if (answer.empty()) return 0;  // httplib gave up on the request line itself
  const int status = std::atoi(answer.c_str() + answer.find(' ') + 1);
  if (std::getenv("SPOKE_FUZZ_VERBOSE"))  // to see what a seed reaches
    std::fprintf(stderr, "%s -> %s\n", request_line.c_str(),
                 answer.substr(0, answer.find("\r\n\r\n")).c_str());
  FUZZ_CHECK(status != 500, request_line);
  if (status >= 300 && status < 400) {
    const std::string location = Header(answer, "Location");
    FUZZ_CHECK(web::site::IsLocalPath(location), "redirect to " + location);
  }
  const size_t body = answer.find("\r\n\r\n");
  FUZZ_CHECK(body == std::string::npos || answer.find("<script", body) == std::string::npos,
             "a script in the page");
  return 0;
}
