// Injected faults: error_500, rate_limit, delay, and drop_after_commit (commits, then no answer).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim/sim_test_util.h"

namespace sim::testing {
namespace {

class Fault : public SimTest {
 protected:
  void SetUp() override {
    SimTest::SetUp();
    RateOff();
  }
  void Inject(const Json& faults) { ASSERT_EQ(Control("POST", "faults", faults).status, 200); }
  Json Order(const std::string& ref) {
    Json b = SaleBody({{{"unitPrice", "10.00"}, {"tax", false}}},
                      {{{"paymentTypeID", 5}, {"amount", "10.00"}}});
    b["referenceNumber"] = ref;
    b["referenceNumberSource"] = "web";
    return b;
  }
  size_t SalesWithRef(const std::string& ref) {
    Answer a = Api("GET", "Sale.json?referenceNumber=" + ref);
    const Json& s = a.json.contains("Sale") ? a.json["Sale"] : Json();
    return s.is_object() ? 1 : s.is_array() ? s.size() : 0;
  }
};

TEST_F(Fault, Error500AnswersWithoutDoingAnythingThenClears) {
  Inject({{{"method", "POST"}, {"path", "Sale"}, {"action", "error_500"}, {"count", 1}}});
  EXPECT_EQ(Api("GET", "Sale.json").status, 200);  // other methods are untouched
  Answer a = Api("POST", "Sale.json", Order("A1"));
  EXPECT_EQ(a.status, 500);
  EXPECT_EQ(a.json["httpCode"], "500");  // JSON even when labelled text/html
  EXPECT_EQ(SalesWithRef("A1"), 0u);
  EXPECT_EQ(Api("POST", "Sale.json", Order("A1")).status, 200);
}

TEST_F(Fault, RateLimitAnswers429WithRetryAfter) {
  Inject({{{"method", "GET"}, {"path", "Item"}, {"action", "rate_limit"}, {"count", 2}}});
  Answer a = Api("GET", "Item.json");
  EXPECT_EQ(a.status, 429);
  EXPECT_EQ(a.Header("Retry-After"), "1");
  EXPECT_EQ(a.Header("X-LS-API-RateLimit-Type"), "api-leaky-bucket");
  EXPECT_EQ(Api("GET", "Item.json").status, 429);
  EXPECT_EQ(Api("GET", "Item.json").status, 200);
  EXPECT_EQ(Control("GET", "stats").json["rate_limited"], 2);
}

TEST_F(Fault, DelaySleepsOnTheInjectedClock) {
  Inject(Json{{"method", "GET"}, {"path", "Shop"}, {"action", "delay"}, {"delay_ms", 1500}});
  const auto before = clock_.Now();
  EXPECT_EQ(Api("GET", "Shop.json").status, 200);
  EXPECT_EQ(clock_.Now() - before, std::chrono::milliseconds(1500));
  EXPECT_EQ(Api("GET", "Shop.json").status, 200);
  EXPECT_EQ(clock_.Now() - before, std::chrono::milliseconds(1500));  // count 1: used up
}

TEST_F(Fault, DropAfterCommitSavesThenSendsNoAnswer) {
  Inject({{{"method", "POST"}, {"path", "Sale"}, {"action", "drop_after_commit"}}});
  // A raw client: prove that not a single byte of an answer arrives.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string body = Order("D1").dump();
  const std::string request =
      "POST /API/V3/Account/" + account_ +
      "/Sale.json HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token_ +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n" + body;
  ASSERT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string received;
  char buf[4096];
  ssize_t n;
  bool closed = false;
  while (true) {
    n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      received.append(buf, static_cast<size_t>(n));
      continue;
    }
    closed = n == 0 || errno == ECONNRESET;
    break;
  }
  close(fd);
  EXPECT_TRUE(closed) << "the connection must be closed, not left hanging";
  EXPECT_EQ(received, "") << "no part of an answer may arrive";
  EXPECT_EQ(SalesWithRef("D1"), 1u) << "the sale was committed";

  // httplib's client sees a transport error, not an HTTP status; the fault is used up after.
  Inject({{{"method", "POST"}, {"path", "Sale"}, {"action", "drop_after_commit"}}});
  Answer a = Api("POST", "Sale.json", Order("D2"));
  EXPECT_FALSE(a.transport_ok);
  EXPECT_EQ(SalesWithRef("D2"), 1u);
  EXPECT_EQ(Api("POST", "Sale.json", Order("D3")).status, 200);
  EXPECT_EQ(Control("GET", "stats").json["requests"]["POST Sale"], 3);
}

TEST_F(Fault, ControlPlaneListsAndClearsFaults) {
  Inject({{{"path", "Item"}, {"action", "error_500"}, {"count", 3}}});
  Answer list = Control("GET", "faults");
  ASSERT_EQ(list.json.size(), 1u);
  EXPECT_EQ(list.json[0]["method"], "*");
  EXPECT_EQ(list.json[0]["count"], 3);
  EXPECT_EQ(Control("POST", "faults", {{{"action", "explode"}}}).status, 400);
  EXPECT_EQ(Control("DELETE", "faults").status, 200);
  EXPECT_EQ(Api("GET", "Item.json").status, 200);
}

}  // namespace
}  // namespace sim::testing
