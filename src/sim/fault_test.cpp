// Injected faults: error_500, rate_limit, delay, drop_after_commit (commits, then no answer),
// reset_mid_answer (commits, then a broken answer), and faults mixed at random by a seed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "sim/sim_test_util.h"

namespace sim::testing {
namespace {

// What a raw client receives for one request: every byte until the server closes or resets.
struct RawExchange {
  std::string received;
  bool closed = false;  // the server closed or reset the connection (not a client timeout)
};

RawExchange SendRaw(int port, const std::string& request) {
  RawExchange out;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return out;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return out;
  }
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return out;
  }
  char buf[4096];
  while (true) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      out.received.append(buf, static_cast<size_t>(n));
      continue;
    }
    out.closed = n == 0 || errno == ECONNRESET;
    break;
  }
  close(fd);
  return out;
}

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
  std::string RawSalePost(const std::string& ref) {
    const std::string body = Order(ref).dump();
    return "POST /API/V3/Account/" + account_ +
           "/Sale.json HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token_ +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
  }
  // The statuses of n GET Shop requests, one character each ('2' = 200, '5' = 500, '4' = 429).
  std::string Pattern(int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += std::to_string(Api("GET", "Shop.json").status)[0];
    return out;
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
  const RawExchange raw = SendRaw(port_, RawSalePost("D1"));
  EXPECT_TRUE(raw.closed) << "the connection must be closed, not left hanging";
  EXPECT_EQ(raw.received, "") << "no part of an answer may arrive";
  EXPECT_EQ(SalesWithRef("D1"), 1u) << "the sale was committed";

  // httplib's client sees a transport error, not an HTTP status; the fault is used up after.
  Inject({{{"method", "POST"}, {"path", "Sale"}, {"action", "drop_after_commit"}}});
  Answer a = Api("POST", "Sale.json", Order("D2"));
  EXPECT_FALSE(a.transport_ok);
  EXPECT_EQ(SalesWithRef("D2"), 1u);
  EXPECT_EQ(Api("POST", "Sale.json", Order("D3")).status, 200);
  EXPECT_EQ(Control("GET", "stats").json["requests"]["POST Sale"], 3);
}

TEST_F(Fault, ResetMidAnswerCommitsThenBreaksAnAnswerThatStartedWith200) {
  Inject({{{"method", "POST"}, {"path", "Sale"}, {"action", "reset_mid_answer"}}});
  const RawExchange raw = SendRaw(port_, RawSalePost("M1"));
  EXPECT_TRUE(raw.closed) << "the connection must be closed, not left hanging";
  ASSERT_EQ(raw.received.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << raw.received;
  const size_t head_end = raw.received.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << "the headers arrived whole: " << raw.received;
  const std::string head = raw.received.substr(0, head_end);
  const size_t cl = head.find("Content-Length: ");
  ASSERT_NE(cl, std::string::npos) << raw.received;
  const size_t promised = std::stoul(head.substr(cl + 16));
  const size_t got = raw.received.size() - head_end - 4;
  EXPECT_GT(got, 0u) << "part of the body arrived";
  EXPECT_LT(got, promised) << "but not all of it";
  EXPECT_EQ(SalesWithRef("M1"), 1u) << "the sale was committed";

  // httplib's client sees a transport error; the fault is used up and counted after.
  Inject({{{"method", "POST"}, {"path", "Sale"}, {"action", "reset_mid_answer"}}});
  Answer a = Api("POST", "Sale.json", Order("M2"));
  EXPECT_FALSE(a.transport_ok);
  EXPECT_EQ(SalesWithRef("M2"), 1u);
  EXPECT_EQ(Api("POST", "Sale.json", Order("M3")).status, 200);
  const Answer stats = Control("GET", "stats");
  EXPECT_EQ(stats.json["faults_fired"]["reset_mid_answer"], 2) << stats.body;
  EXPECT_EQ(stats.json["faults_fired_on"]["reset_mid_answer POST Sale"], 2) << stats.body;
  const Json unanswered = {{{"fault", "reset_mid_answer POST Sale"}, {"id", "1"}},
                           {{"fault", "reset_mid_answer POST Sale"}, {"id", "2"}}};
  EXPECT_EQ(stats.json["unanswered_writes"], unanswered) << "the saved sales, by id";
}

TEST_F(Fault, DelayAfterCommitSavesFirstThenHoldsTheAnswer) {
  Inject(Json{{"method", "POST"},
              {"path", "Sale"},
              {"action", "delay"},
              {"delay_ms", 2000},
              {"after_commit", true}});
  const auto before = clock_.Now();
  Answer a = Api("POST", "Sale.json", Order("L1"));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(clock_.Now() - before, std::chrono::milliseconds(2000));
  EXPECT_EQ(a.json["Sale"]["createTime"], "2026-11-20T15:00:00+00:00") << "saved before the wait";
  Inject(Json{{"method", "POST"}, {"path", "Sale"}, {"action", "delay"}, {"delay_ms", 2000}});
  Answer b = Api("POST", "Sale.json", Order("L2"));
  EXPECT_EQ(b.json["Sale"]["createTime"], "2026-11-20T15:00:04+00:00") << "saved after the wait";
  EXPECT_EQ(Control("GET", "stats").json["faults_fired"]["delay"], 2);
}

TEST_F(Fault, ProbabilityMixesFaultsAndTheSeedRepeatsTheMix) {
  const Json mix = {{"seed", 42},
                    {"faults",
                     {{{"path", "Shop"},
                       {"action", "error_500"},
                       {"probability", 0.3},
                       {"count", "unlimited"}}}}};
  Inject(mix);
  const std::string first = Pattern(200);
  const auto fired = std::count(first.begin(), first.end(), '5');
  EXPECT_GT(fired, 30) << first;  // about 60 of 200
  EXPECT_LT(fired, 90) << first;
  EXPECT_EQ(std::count(first.begin(), first.end(), '2'), 200 - fired) << first;
  const Answer stats = Control("GET", "stats");
  EXPECT_EQ(stats.json["faults_fired"]["error_500"], fired);
  EXPECT_EQ(stats.json["fault_seed"], 42);
  ASSERT_EQ(Control("GET", "faults").json[0]["count"], "unlimited");

  ASSERT_EQ(Control("DELETE", "faults").status, 200);
  Inject(mix);
  EXPECT_EQ(Pattern(200), first) << "the same seed gives the same mix";
  ASSERT_EQ(Control("DELETE", "faults").status, 200);
  Json other = mix;
  other["seed"] = 43;
  Inject(other);
  EXPECT_NE(Pattern(200), first) << "another seed, another mix";
}

TEST_F(Fault, CountBoundsARandomFaultAndMissesGoToTheNextOne) {
  Inject({{"seed", 7},
          {"faults",
           {{{"path", "Shop"}, {"action", "error_500"}, {"probability", 0.5}, {"count", 5}}}}});
  const std::string limited = Pattern(100);
  EXPECT_EQ(std::count(limited.begin(), limited.end(), '5'), 5) << limited;
  EXPECT_TRUE(Control("GET", "faults").json.empty()) << "used up";

  // A fault whose dice say no lets the next matching one try: here every request fails.
  Inject({{{"path", "Shop"}, {"action", "error_500"}, {"probability", 0.5}, {"count", "unlimited"}},
          {{"path", "Shop"}, {"action", "rate_limit"}, {"count", "unlimited"}}});
  const std::string mixed = Pattern(100);
  EXPECT_EQ(std::count(mixed.begin(), mixed.end(), '2'), 0) << mixed;
  EXPECT_GT(std::count(mixed.begin(), mixed.end(), '5'), 0) << mixed;
  EXPECT_GT(std::count(mixed.begin(), mixed.end(), '4'), 0) << mixed;
}

TEST_F(Fault, BadFaultsAreRefusedNamingTheField) {
  const std::pair<Json, std::string> bad[] = {
      {{{"action", "error_500"}, {"probability", 0}}, "probability"},
      {{{"action", "error_500"}, {"probability", 1.5}}, "probability"},
      {{{"action", "error_500"}, {"probability", "often"}}, "probability"},
      {{{"action", "error_500"}, {"count", 0}}, "count"},
      {{{"action", "error_500"}, {"count", "many"}}, "count"},
      {{{"action", "delay"}, {"delay_ms", -1}}, "delay_ms"},
      {{{"action", "delay"}, {"after_commit", "yes"}}, "after_commit"},
      {{{"action", "error_500"}, {"chance", 1}}, "chance"},
      {{{"action", "explode"}}, "action"},
      {{{"seed", -1}, {"faults", Json::array()}}, "seed"},
  };
  for (const auto& [fault, field] : bad) {
    Answer a = Control("POST", "faults", fault);
    EXPECT_EQ(a.status, 400) << fault.dump();
    EXPECT_NE(a.json["message"].get<std::string>().find(field), std::string::npos) << a.body;
  }
  EXPECT_TRUE(Control("GET", "faults").json.empty()) << "a refused list adds nothing";
}

TEST_F(Fault, ControlPlaneListsAndClearsFaults) {
  Inject({{{"path", "Item"}, {"action", "error_500"}, {"count", 3}}});
  Answer list = Control("GET", "faults");
  ASSERT_EQ(list.json.size(), 1u);
  EXPECT_EQ(list.json[0]["method"], "*");
  EXPECT_EQ(list.json[0]["count"], 3);
  EXPECT_EQ(list.json[0]["probability"], 1.0);
  EXPECT_EQ(Control("POST", "faults", {{{"action", "explode"}}}).status, 400);
  EXPECT_EQ(Control("DELETE", "faults").status, 200);
  EXPECT_EQ(Api("GET", "Item.json").status, 200);
}

// On the real clock: a client that gives up before a delayed request is served does not stop it.
TEST(FaultOnTheRealClock, DelayBeyondTheClientTimeoutStillCommits) {
  SimOptions o;
  o.threads = 4;
  auto simulator = Simulator::Create(o);
  auto port = simulator->Start();
  ASSERT_TRUE(port.ok());
  const AccountInfo info = simulator->CreateAccount("Spoke Cycles", 1, true);
  httplib::Client c("127.0.0.1", *port);
  auto t = c.Post("/auth/oauth/token",
                  "grant_type=refresh_token&client_id=" + info.client_id + "&client_secret=" +
                      info.client_secret + "&refresh_token=" + info.refresh_token,
                  "application/x-www-form-urlencoded");
  ASSERT_TRUE(t && t->status == 200);
  const httplib::Headers auth = {
      {"Authorization", "Bearer " + Json::parse(t->body)["access_token"].get<std::string>()}};
  const std::string control = "/_sim/accounts/" + info.account_id;
  ASSERT_EQ(c.Put((control + "/rate").c_str(), R"({"model":"off"})", "application/json")->status,
            200);
  ASSERT_EQ(c.Post((control + "/faults").c_str(),
                   R"({"method":"POST","path":"Sale","action":"delay","delay_ms":1500})",
                   "application/json")
                ->status,
            200);
  const std::string sales = "/API/V3/Account/" + info.account_id + "/Sale.json";
  Json body = {{"shopID", "1"},
               {"registerID", "1"},
               {"employeeID", "1"},
               {"completed", true},
               {"referenceNumber", "T1"},
               {"SaleLines", {{"SaleLine", {{{"unitPrice", "10.00"}, {"tax", false}}}}}},
               {"SalePayments", {{"SalePayment", {{{"paymentTypeID", 5}, {"amount", "10.00"}}}}}}};
  {
    httplib::Client impatient("127.0.0.1", *port);
    impatient.set_read_timeout(0, 500000);  // half a second
    auto r = impatient.Post(sales.c_str(), auth, body.dump(), "application/json");
    EXPECT_FALSE(r) << "the client timed out";
  }
  // Polled, not timed: the sale appears once the delay is over.
  bool found = false;
  for (int i = 0; i < 100 && !found; ++i) {
    auto r = c.Get((sales + "?referenceNumber=T1").c_str(), auth);
    found = r && Json::parse(r->body, nullptr, false).contains("Sale");
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(found) << "the request was served after the client gave up";
  EXPECT_TRUE(simulator->Stop().ok());
}

}  // namespace
}  // namespace sim::testing
