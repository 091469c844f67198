// Issue 11: the whole spoke server (API, site, /healthz) against what an attacker sends, over raw
// sockets where a well-behaved client library cannot send it. Each test names its finding.
// The server-level proofs with more cases are in src/http/server_test.cpp.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/service.h"

namespace {

using namespace std::chrono_literals;
using testing_support::json;
using testing_support::TestService;

// A raw TCP client to the service on 127.0.0.1.
class Raw {
 public:
  explicit Raw(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Raw() {
    if (fd_ >= 0) close(fd_);
  }
  bool connected() const { return connected_; }
  // False once the server closed or reset the connection.
  bool Send(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n = send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  // Whatever arrives until the server closes or `wait` passes.
  std::string Read(std::chrono::milliseconds wait) {
    std::string out;
    const auto end = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (poll(&p, 1, static_cast<int>(std::max<int64_t>(1, left.count()))) <= 0) continue;
      char buf[8192];
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

int StatusOf(const std::string& answer) {
  return answer.rfind("HTTP/1.", 0) == 0 ? std::atoi(answer.c_str() + 9) : 0;
}

// Sends chunks of `chunk_bytes` until the server stops taking them or `max_bytes` were sent;
// returns how many body bytes went out.
size_t SendChunks(Raw& c, size_t chunk_bytes, size_t max_bytes) {
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk_bytes);
  const std::string chunk = size_line + std::string(chunk_bytes, 'x') + "\r\n";
  size_t sent = 0;
  while (sent < max_bytes && c.Send(chunk)) sent += chunk_bytes;
  return sent;
}

class Edge : public ::testing::Test {
 protected:
  static testing_support::ServiceOptions Options() {
    testing_support::ServiceOptions o;
    o.limits.head_timeout = 500ms;
    o.limits.body_timeout = 1000ms;
    return o;
  }
  TestService svc_{Options()};
};

// H1: a chunked body was read whole whatever its size (a 1 GiB POST /login took 4.1 GB).
TEST_F(Edge, H1AChunkedLoginFloodIsCutAtTheBodyLimit) {
  Raw c(svc_.port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(
      c.Send("POST /login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
             "Content-Type: application/x-www-form-urlencoded\r\n\r\n"));
  const size_t sent = SendChunks(c, 64 * 1024, 256u * 1024 * 1024);
  EXPECT_LT(sent, 32u * 1024 * 1024) << "the server kept reading past the 1 MiB limit";
  EXPECT_EQ(StatusOf(c.Read(2s)), 413);
}

// H1: a 5 MiB order sent chunked was stored.
TEST_F(Edge, H1AChunkedOrderOverTheLimitIsRefusedAndNotStored) {
  json order = testing_support::PaidOrder("H1");
  order["customer"]["first_name"] = std::string(5 * 1024 * 1024, 'a');
  const std::string body = order.dump();
  Raw c(svc_.port());
  ASSERT_TRUE(c.connected());
  std::string req = "PUT /api/v1/orders/H1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                    svc_.token() +
                    "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (size_t off = 0; off < body.size(); off += 64 * 1024) {
    const std::string part = body.substr(off, 64 * 1024);
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", part.size());
    req += size_line + part + "\r\n";
  }
  req += "0\r\n\r\n";
  (void)c.Send(req);  // the server may close before it all went out
  const std::string answer = c.Read(2s);
  EXPECT_EQ(StatusOf(answer), 413) << answer.substr(0, 200);
  EXPECT_NE(answer.find("too_large"), std::string::npos);
  EXPECT_EQ(svc_.Get("/api/v1/orders/H1").status, 404);
}

// H2: 200 MiB of header lines to /healthz answered 200 and kept ~450 MB per flood.
TEST_F(Edge, H2AHeaderFloodGets431AndTheServerGoesOn) {
  Raw c(svc_.port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  const std::string line = "X-Flood: " + std::string(1000, 'y') + "\r\n";
  size_t sent = 0;
  while (sent < 64u * 1024 * 1024 && c.Send(line)) sent += line.size();
  EXPECT_LT(sent, 16u * 1024 * 1024) << "the server kept reading header lines";
  EXPECT_EQ(StatusOf(c.Read(2s)), 431);
  EXPECT_EQ(svc_.Get("/healthz").status, 200);
}

// H3: eight slowloris clients (a header line a second) stopped /healthz answering; 100 idle
// keep-alive clients pushed the median to 30 s.
TEST_F(Edge, H3SlowAndIdleClientsDoNotStopHealthz) {
  std::vector<std::unique_ptr<Raw>> slow, idle;
  for (int i = 0; i < 32; ++i) {
    slow.push_back(std::make_unique<Raw>(svc_.port()));
    ASSERT_TRUE(slow.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  }
  for (int i = 0; i < 100; ++i) {
    idle.push_back(std::make_unique<Raw>(svc_.port()));
    ASSERT_TRUE(idle.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  }
  std::vector<double> ms;
  for (int round = 0; round < 10; ++round) {
    for (auto& s : slow) (void)s->Send("X-Slow: 1\r\n");
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(svc_.Get("/healthz").status, 200);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    std::this_thread::sleep_for(50ms);
  }
  std::sort(ms.begin(), ms.end());
  EXPECT_LT(ms[ms.size() / 2], 100.0) << "median /healthz while slow clients hold connections";
  EXPECT_LT(ms.back(), 1000.0);
  // The slow clients are cut at the head deadline (500 ms here) with 408.
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(StatusOf(slow.front()->Read(1500ms)), 408);
}

// M1: invalid UTF-8 in a query parameter is refused naming it, not a 500.
TEST_F(Edge, M1QueryParametersThatAreNotUtf8AreRefusedNamingThem) {
  auto r = svc_.Get("/api/v1/orders?status=%FF");
  EXPECT_EQ(r.status, 422) << r.raw;
  r = svc_.Get("/api/v1/orders/%FF/export");
  EXPECT_EQ(r.status, 405) << r.raw;  // GET on a POST route: answered, not a crash
  r = svc_.Post("/api/v1/orders/%FF/export");
  EXPECT_EQ(r.status, 404) << r.raw;
  EXPECT_FALSE(r.body["error"]["message"].get<std::string>().empty());
}

// Error pages (404, 405 and the server's own 413/431 …) carry the site's security headers.
TEST_F(Edge, ErrorPagesCarryTheSecurityHeaders) {
  httplib::Client c("127.0.0.1", svc_.port());
  auto missing = c.Get("/no-such-page");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_FALSE(missing->get_header_value("Content-Security-Policy").empty());
  EXPECT_EQ(missing->get_header_value("X-Content-Type-Options"), "nosniff");
  auto wrong = c.Delete("/orders");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 405);
  EXPECT_FALSE(wrong->get_header_value("Content-Security-Policy").empty());
  Raw raw(svc_.port());
  ASSERT_TRUE(raw.Send("GET /orders HTTP/1.1\r\nHost: x\r\nCookie: " + std::string(64 * 1024, 'c') +
                       "\r\n\r\n"));
  const std::string answer = raw.Read(2s);
  EXPECT_EQ(StatusOf(answer), 431);
  EXPECT_NE(answer.find("Content-Security-Policy"), std::string::npos);
}

// /metrics is loopback only; on a dual-stack listen an IPv4 loopback peer is ::ffff:127.0.0.1.
TEST(EdgeDualStack, MetricsAcceptAV4MappedLoopbackPeer) {
  testing_support::ServiceOptions o;
  o.host = "::";
  TestService svc(o);
  auto r = svc.Call("GET", "/metrics", "", "none");
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_NE(r.raw.find("spoke_"), std::string::npos);
}

// The session cookie is Secure when spoke is served over https.
TEST(EdgeCookies, SecureWhenThePublicUrlIsHttps) {
  testing_support::ServiceOptions o;
  o.public_url = "https://spoke.example.com";
  TestService svc(o);
  httplib::Client c("127.0.0.1", svc.port());
  auto login = c.Get("/login");
  ASSERT_TRUE(login);
  EXPECT_NE(login->get_header_value("Set-Cookie").find("; Secure"), std::string::npos);
}

}  // namespace
