// HTTP messages and routing, independent of the server that carries them: a parsed request, the
// response a handler fills in, and a router from method + path pattern to handler. Used by spoke's
// web/ and by lsr-sim (sim/), so the project keeps one HTTP stack.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace http {

struct Request {
  std::string method;   // "GET", "POST", … as sent
  std::string target;   // the raw request target ("/orders/7?x=1")
  std::string path;     // the target's path, percent-decoded (bytes need not be UTF-8)
  std::string version;  // "1.1" or "1.0"
  std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
  std::string body;
  std::string remote_addr;  // the peer's address as text: "127.0.0.1", "::1", "::ffff:10.0.0.1"
  int remote_port = 0;
  // Query parameters, then (for an application/x-www-form-urlencoded body) form fields, decoded.
  std::multimap<std::string, std::string> params;
  // Set by Router: [0] is the whole path, [1..] the pattern's groups (decoded, like `path`).
  std::vector<std::string> matches;

  // Header lookups ignore case; "" / false when absent.
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
  // The first value of a query parameter or form field; "" / false when absent.
  std::string Param(std::string_view name) const;
  bool HasParam(std::string_view name) const;
  std::vector<std::string> Params(std::string_view name) const;  // every value, in order
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // For emulators and tests only (lsr-sim's transport faults): break the transport on purpose
  // instead of answering. A service never sets this.
  enum class Abort {
    kNone,
    kDropWithoutAnswer,  // not a byte of the answer: the connection is reset
    kResetMidBody,       // the head (Content-Length of the whole body), about half the body, reset
    kShortBody,          // announces one byte more than the body, sends the body, then closes
  };
  Abort abort = Abort::kNone;

  // For emulators and tests only (lsr-sim's delay fault, standing for internet latency): answer
  // only after `delay`, without holding a worker meanwhile (the connection's timer holds the
  // answer). When the delay is over, `after_delay` (if set) runs on a worker thread and fills in
  // the response then: a request that takes effect only after the delay. If the server stops
  // first, the connection is closed unanswered and `after_delay` never runs. A service never sets
  // these.
  std::chrono::milliseconds delay{0};
  std::function<void(Response&)> after_delay;

  // Replaces every header of that name (case-insensitive).
  void SetHeader(std::string_view name, std::string value);
  // Adds one more (Set-Cookie may appear several times).
  void AddHeader(std::string_view name, std::string value);
  std::string Header(std::string_view name) const;
  void SetContent(std::string body, std::string_view content_type);
};

using Handler = std::function<void(const Request&, Response&)>;

// Routes by method and a regular expression that must match the whole decoded path.
class Router {
 public:
  void Add(std::string method, const std::string& pattern, Handler handler);
  void Get(const std::string& pattern, Handler h) { Add("GET", pattern, std::move(h)); }
  void Post(const std::string& pattern, Handler h) { Add("POST", pattern, std::move(h)); }
  void Put(const std::string& pattern, Handler h) { Add("PUT", pattern, std::move(h)); }
  void Patch(const std::string& pattern, Handler h) { Add("PATCH", pattern, std::move(h)); }
  void Delete(const std::string& pattern, Handler h) { Add("DELETE", pattern, std::move(h)); }

  enum class Match { kFound, kNoPath, kWrongMethod };
  // Fills req.matches and runs the first route whose method and pattern match. HEAD is served by
  // the GET route. On kNoPath / kWrongMethod nothing runs and `res` is untouched (the caller
  // answers 404 / 405; for 405 `allow` lists the methods the path has).
  Match Dispatch(Request& req, Response& res, std::string* allow = nullptr) const;

 private:
  struct Route {
    std::string method;
    std::regex pattern;
    Handler handler;
  };
  std::vector<Route> routes_;
};

// Percent-decoding ("+" is a space only in forms). Invalid escapes are kept as they are.
std::string PercentDecode(std::string_view s, bool plus_is_space);
// "a=1&b=x%20y" → {a:1, b:x y}, appended to `out`.
void ParseUrlEncoded(std::string_view s, std::multimap<std::string, std::string>& out);
// Fills req.path and req.params from req.target (the query), and adds the body's fields when
// the Content-Type is application/x-www-form-urlencoded. The server does this for every request.
void DecodeRequest(Request& req);
// "reason phrase" for a status code ("Not Found"); "Unknown" for others.
const char* StatusText(int status);

}  // namespace http
