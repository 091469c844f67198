// CurlTransport against lsr-sim over loopback (issue 12): many requests in flight from one thread
// on the transport's single thread, Send from many threads at once, and a transport destroyed
// with requests in flight still answering each of them exactly once.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "lightspeed/memory_vault_test_util.h"
#include "lightspeed/oauth.h"
#include "lightspeed/transport.h"
#include "sim/sim.h"

namespace lightspeed {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

int ThreadsNow() {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    (void)entry;
    ++n;
  }
  return n;
}

// The answers of Start's callbacks, by request number, and how often each came.
class Answers {
 public:
  explicit Answers(int n) : responses_(n), calls_(n, 0) {}
  std::function<void(HttpResponse)> For(int i) {
    return [this, i](HttpResponse res) {
      base::MutexLock lock(mu_);
      responses_[i] = std::move(res);
      ++calls_[i];
      ++total_;
      cv_.SignalAll();
    };
  }
  // Waits until `n` answers came or `deadline` passed; the peak thread count meanwhile.
  int WaitFor(int n, Clock::time_point deadline) {
    int peak = ThreadsNow();
    base::MutexLock lock(mu_);
    while (total_ < n && Clock::now() < deadline) {
      cv_.WaitUntil(mu_, std::min(deadline, Clock::now() + std::chrono::milliseconds(20)));
      lock.Unlock();
      peak = std::max(peak, ThreadsNow());
      lock.Lock();
    }
    return peak;
  }
  int Total() {
    base::MutexLock lock(mu_);
    return total_;
  }
  int Calls(int i) {
    base::MutexLock lock(mu_);
    return calls_[i];
  }
  HttpResponse Response(int i) {
    base::MutexLock lock(mu_);
    return responses_[i];
  }

 private:
  base::Mutex mu_;
  base::CondVar cv_;
  std::vector<HttpResponse> responses_ GUARDED_BY(mu_);
  std::vector<int> calls_ GUARDED_BY(mu_);
  int total_ GUARDED_BY(mu_) = 0;
};

class CurlTransportSim : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::SimOptions o;
    o.threads = 4;  // delayed requests wait on the sim's timers, holding none of its threads
    sim_ = sim::Simulator::Create(o);
    ASSERT_TRUE(sim_->Start().ok());
    account_ = sim_->CreateAccount("Spoke Cycles", 1, true);
    Control("PUT", "rate", {{"model", "off"}});
    auto setup = CreateCurlTransport({});
    OAuthClient oauth({sim_->BaseUrl(), account_.client_id, account_.client_secret}, *setup);
    MemoryVault vault(account_.refresh_token);
    TokenManager tokens(vault, oauth, base::SystemClock());
    auto token = tokens.AccessToken();
    ASSERT_TRUE(token.ok()) << token.error().message;
    token_ = *token;
  }
  void TearDown() override { (void)sim_->Stop(); }

  void Control(const std::string& method, const std::string& what, const json& body) {
    httplib::Client c(sim_->BaseUrl());
    const std::string path = "/_sim/accounts/" + account_.account_id + "/" + what;
    auto r = method == "PUT" ? c.Put(path.c_str(), body.dump(), "application/json")
                             : c.Post(path.c_str(), body.dump(), "application/json");
    ASSERT_TRUE(r && r->status == 200) << path;
  }
  void DelayShops(int ms) {
    Control("POST", "faults",
            json::array({{{"method", "GET"},
                          {"path", "Shop"},
                          {"action", "delay"},
                          {"delay_ms", ms},
                          {"count", "unlimited"}}}));
  }
  HttpRequest GetShops() {
    HttpRequest r;
    r.url = sim_->BaseUrl() + "/API/V3/Account/" + account_.account_id + "/Shop.json";
    r.headers["Authorization"] = "Bearer " + token_;
    r.headers["Accept"] = "application/json";
    return r;
  }

  std::unique_ptr<sim::Simulator> sim_;
  sim::AccountInfo account_;
  std::string token_;
};

TEST_F(CurlTransportSim, TwoHundredRequestsAreInFlightAtOnceFromOneThreadOnAFewThreads) {
  constexpr int kRequests = 200;
  DelayShops(2000);
  const int threads_before = ThreadsNow();
  auto transport = CreateCurlTransport({});
  Answers answers(kRequests);
  const auto start = Clock::now();
  for (int i = 0; i < kRequests; ++i) transport->Start(GetShops(), answers.For(i));
  // One after another this would take 400 s; in flight together, about 2 s.
  const int peak = answers.WaitFor(kRequests, start + std::chrono::seconds(30));
  const auto took = Clock::now() - start;
  ASSERT_EQ(answers.Total(), kRequests) << "answered within 30 s";
  EXPECT_LT(took, std::chrono::seconds(30));
  for (int i = 0; i < kRequests; ++i) {
    const HttpResponse r = answers.Response(i);
    ASSERT_EQ(r.delivery, Delivery::kAnswered) << i << ": " << r.transport_error;
    ASSERT_EQ(r.status, 200) << i;
    ASSERT_NE(r.body.find("\"Shop\""), std::string::npos) << i;
    EXPECT_EQ(answers.Calls(i), 1) << i;
  }
  EXPECT_LE(peak - threads_before, 3) << "threads made for 200 requests in flight";
}

TEST_F(CurlTransportSim, SendWorksFromManyThreadsAtOnce) {
  constexpr int kThreads = 16, kEach = 20;
  auto transport = CreateCurlTransport({});
  std::atomic<int> ok{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t)
    senders.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        const HttpResponse r = transport->Send(GetShops());
        if (r.delivery == Delivery::kAnswered && r.status == 200 &&
            r.body.find("\"Shop\"") != std::string::npos &&
            r.Header("content-type").rfind("application/json", 0) == 0)
          ++ok;
      }
    });
  for (std::thread& t : senders) t.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
}

TEST_F(CurlTransportSim, DestroyedWithRequestsInFlightAnswersEachOnceAsNotAnswered) {
  constexpr int kRequests = 100;
  DelayShops(60000);
  Answers answers(kRequests);
  auto transport = CreateCurlTransport({});
  for (int i = 0; i < kRequests / 2; ++i) transport->Start(GetShops(), answers.For(i));
  answers.WaitFor(kRequests, Clock::now() + std::chrono::milliseconds(500));  // these in flight
  for (int i = kRequests / 2; i < kRequests; ++i) transport->Start(GetShops(), answers.For(i));
  const auto start = Clock::now();
  transport.reset();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(30)) << "no waiting for the answers";
  ASSERT_EQ(answers.Total(), kRequests);
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_EQ(answers.Calls(i), 1) << i;
    const HttpResponse r = answers.Response(i);
    EXPECT_NE(r.delivery, Delivery::kAnswered) << i;
    EXPECT_EQ(r.transport_error, "the transport was shut down") << i;
    // Those sent before the sim delayed them may have been acted on.
    if (i < kRequests / 2) EXPECT_EQ(r.delivery, Delivery::kUncertain) << i;
  }
}

TEST_F(CurlTransportSim, ACallbackThatThrowsDoesNotStopTheTransport) {
  auto transport = CreateCurlTransport({});
  transport->Start(GetShops(), [](HttpResponse) { throw std::runtime_error("careless caller"); });
  transport->Start(GetShops(), [](HttpResponse) { throw 42; });
  const HttpResponse r = transport->Send(GetShops());
  EXPECT_EQ(r.delivery, Delivery::kAnswered) << r.transport_error;
  EXPECT_EQ(r.status, 200);
}

TEST_F(CurlTransportSim, SendFromACallbackFailsAsNotSentInsteadOfWaitingForever) {
  auto transport = CreateCurlTransport({});
  Answers answers(1);
  transport->Start(GetShops(), [&](HttpResponse) { answers.For(0)(transport->Send(GetShops())); });
  answers.WaitFor(1, Clock::now() + std::chrono::seconds(30));
  ASSERT_EQ(answers.Total(), 1);
  EXPECT_EQ(answers.Response(0).delivery, Delivery::kNotSent);
}

TEST(CurlTransport, ARefusedConnectionIsNotSent) {
  // A loopback port bound but not listening: connecting to it is refused.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  auto transport = CreateCurlTransport({});
  HttpRequest req;
  req.method = "POST";
  req.url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/API/V3/Sale.json";
  req.body = "{}";
  const HttpResponse r = transport->Send(req);
  ::close(fd);
  EXPECT_EQ(r.delivery, Delivery::kNotSent) << r.transport_error;
}

// Fakes implement only Send; Start then answers on the caller's thread before returning.
TEST(Transport, TheDefaultStartSendsOnTheCallersThread) {
  class Fake : public Transport {
   public:
    HttpResponse Send(const HttpRequest& request) override {
      HttpResponse r;
      r.status = 200;
      r.body = request.url;
      return r;
    }
  } fake;
  std::thread::id answered_on;
  std::string body;
  HttpRequest req;
  req.url = "http://example.test/x";
  fake.Start(req, [&](HttpResponse r) {
    answered_on = std::this_thread::get_id();
    body = r.body;
  });
  EXPECT_EQ(answered_on, std::this_thread::get_id());
  EXPECT_EQ(body, "http://example.test/x");
}

}  // namespace
}  // namespace lightspeed
