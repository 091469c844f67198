// Rate limit: the cost of each kind of request, headers, first overflow served, 429 with
// Retry-After, the burst limiter, legacy and off models.
#include "sim/rate_limit.h"

#include "sim/sim_test_util.h"

namespace sim::testing {
namespace {

class Rate : public SimTest {
 protected:
  std::string Cost(const std::string& method, const std::string& rest, const Json& body = nullptr) {
    Answer a = Api(method, rest, body);
    EXPECT_TRUE(a.status == 200) << method << " " << rest << " " << a.body;
    return a.Header("X-LS-API-Request-Cost");
  }
  void Rates(const Json& body) { ASSERT_EQ(Control("PUT", "rate", body).status, 200); }
};

TEST_F(Rate, CostOfEachKindOfRequest) {
  Rates({{"bucket_size", 100000}, {"burst_limit", 100000}});
  EXPECT_EQ(Cost("GET", "Item/1.json"), "1");
  EXPECT_EQ(Cost("GET", "Item.json"), "1");
  EXPECT_EQ(Cost("GET", "Customer/1.json?load_relations=[\"Contact\"]"), "1.1");
  EXPECT_EQ(Cost("GET", "Customer.json?load_relations=[\"Contact\"]"), "1.2");  // doubled on lists
  EXPECT_EQ(Cost("GET", "Item/1.json?load_relations=[\"ItemShops\"]"), "1.2");
  EXPECT_EQ(Cost("GET", "Item.json?load_relations=[\"ItemShops\"]"), "1.4");
  EXPECT_EQ(Cost("GET", "Item.json?count=1"), "10");
  EXPECT_EQ(Cost("GET", "Customer.json?or=firstName%3DAda|firstName%3DGrace"), "1");
  // developers.lightspeedhq.com/retail/introduction/changelog/ (2026.03.17): one entity, at most
  // one range operator: 1 per operand; several entities or range operators: 10 per entity and
  // 1 per further operand on it.
  EXPECT_EQ(Cost("GET", "Customer.json?or=firstName%3DAda|lastName%3DHopper"), "3");
  EXPECT_EQ(Cost("GET", "Customer.json?or=firstName%3DAda|lastName%3DHopper|title%3DDr"), "4");
  EXPECT_EQ(Cost("GET", "Customer.json?or=customerID%3D>,4|customerID%3D<,2"), "1");
  EXPECT_EQ(Cost("GET", "Customer.json?or=customerID%3D>,4|timeStamp%3D<,2020-01-01T00:00:00Z"),
            "12");
  EXPECT_EQ(Cost("GET",
                 "Customer.json?load_relations=[\"Contact\"]&or=firstName%3DAda|"
                 "Contact.email%3Dgrace%40example.com"),
            "21.2");
  // Contact + two ContactEmails + one ContactPhone = 4 nested entities.
  Json customer = {{"firstName", "Eve"},
                   {"Contact",
                    {{"Emails", {{"ContactEmail", {{{"address", "a@x"}}, {{"address", "b@x"}}}}}},
                     {"Phones", {{"ContactPhone", {{"number", "1"}}}}}}}};
  EXPECT_EQ(Cost("POST", "Customer.json", customer), "3");
  EXPECT_EQ(Cost("POST", "PaymentType.json", {{"name", "Stripe"}}), "1");
  Json open = SaleBody({{{"itemID", 11}}, {{"itemID", 12}}}, nullptr, false);
  // developers.lightspeedhq.com/retail/endpoints/Sale/ "Request Cost": a Sale write is 2 drips
  // in place of the base 1 (not 1 + 2), 3 more with completed:true.
  EXPECT_EQ(Cost("POST", "Sale.json", open), "3");  // 2 + 2 x 0.5
  Json done = SaleBody(
      {{{"itemID", 11}}, {{"unitPrice", "1.00"}, {"tax", false}, {"Note", {{"note", "x"}}}}},
      {{{"paymentTypeID", 1}, {"amount", "20.00"}}});
  EXPECT_EQ(Cost("POST", "Sale.json", done), "7");  // 2 + 3 + (2 lines + note + payment) x 0.5
  EXPECT_EQ(Cost("PUT", "Sale/1.json", {{"referenceNumber", "A1"}}), "2");
  EXPECT_EQ(Cost("DELETE", "Sale/1.json"), "2");
}

TEST_F(Rate, EveryAnswerCarriesTheHeaders) {
  for (const std::string& rest : {"Shop.json", "Sale/404.json", "Item.json?limit=500"}) {
    Answer a = Api("GET", rest);
    EXPECT_FALSE(a.Header("X-LS-API-Bucket-Level").empty()) << rest;
    // The demo account has two registers (one per shop): bucket 100, drip 1.5, burst 22.
    EXPECT_EQ(a.Header("X-LS-API-Drip-Rate"), "1.5") << rest;
    EXPECT_FALSE(a.Header("X-LS-API-Request-Cost").empty()) << rest;
    EXPECT_FALSE(a.Header("X-LS-API-Burst-Level").empty()) << rest;
  }
  Answer a = Api("GET", "Shop.json");
  EXPECT_EQ(a.Header("X-LS-API-Bucket-Level"), "4/100");
  EXPECT_EQ(a.Header("X-LS-API-Burst-Level"), "4/22");
}

TEST_F(Rate, FirstOverflowIsServedThenRetryAfter) {
  Rates({{"bucket_size", 10}, {"drip_rate", 1}, {"burst_limit", 1000}});
  for (int i = 0; i < 9; ++i) ASSERT_EQ(Api("GET", "Shop.json").status, 200);
  Answer big = Api("GET", "Item.json?count=1");  // level 9 + 10: overflows, still served
  ASSERT_EQ(big.status, 200);
  EXPECT_EQ(big.Header("X-LS-API-Bucket-Level"), "19/10");
  Answer refused = Api("GET", "Shop.json");
  ASSERT_EQ(refused.status, 429);
  EXPECT_EQ(refused.Header("Retry-After"), "10");  // 9 units over at 1/s: below the size after 10 s
  EXPECT_EQ(refused.Header("X-LS-API-RateLimit-Type"), "api-leaky-bucket");
  EXPECT_EQ(refused.Header("X-LS-API-Bucket-Level"), "19/10");
  EXPECT_EQ(refused.json["httpCode"], "429");

  clock_.Advance(std::chrono::milliseconds(540));
  Answer still = Api("GET", "Shop.json");
  EXPECT_EQ(still.status, 429);
  EXPECT_EQ(still.Header("X-LS-API-Bucket-Level"), "18.46/10");
  clock_.Advance(std::chrono::milliseconds(8460));  // level exactly 10: not below the size
  Answer at_size = Api("GET", "Shop.json");
  EXPECT_EQ(at_size.status, 429);
  EXPECT_EQ(at_size.Header("Retry-After"), "1");
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(Api("GET", "Shop.json").status, 200);

  Answer stats = Control("GET", "stats");
  EXPECT_EQ(stats.json["rate_limited"], 3);
  EXPECT_EQ(stats.json["peak_bucket_level"], 19);
  EXPECT_EQ(stats.json["requests"]["GET Shop"], 13);
  EXPECT_EQ(stats.json["units"]["GET Shop"], 10);  // refused requests cost nothing
  EXPECT_EQ(stats.json["units"]["GET Item"], 10);
}

TEST_F(Rate, BurstLimiterCountsFixedOneSecondWindows) {
  int served = 0;
  Answer last;
  for (int i = 0; i < 23; ++i) {  // the demo's two registers: a burst limit of 22
    last = Api("GET", "Shop.json");
    served += last.status == 200;
  }
  EXPECT_EQ(served, 22);
  EXPECT_EQ(last.status, 429);
  EXPECT_EQ(last.Header("X-LS-API-RateLimit-Type"), "api-burst-limiter");
  EXPECT_EQ(last.Header("Retry-After"), "1");
  EXPECT_EQ(last.Header("X-LS-API-Burst-Level"), "22/22");
  clock_.Advance(std::chrono::seconds(1));
  Answer next = Api("GET", "Shop.json");
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.Header("X-LS-API-Burst-Level"), "1/22");
}

TEST_F(Rate, LegacyModel) {
  Rates({{"model", "legacy"}});
  EXPECT_EQ(Api("GET", "Shop.json").Header("X-LS-API-Request-Cost"), "1");
  Answer w = Api("POST", "PaymentType.json", {{"name", "Check"}});
  EXPECT_EQ(w.Header("X-LS-API-Request-Cost"), "10");
  EXPECT_EQ(w.Header("X-LS-API-Bucket-Level"), "11/60");
  EXPECT_EQ(w.Header("X-LS-API-Drip-Rate"), "1");
}

TEST_F(Rate, OffServesEverything) {
  Rates({{"model", "off"}});
  for (int i = 0; i < 150; ++i) ASSERT_EQ(Api("GET", "Shop.json").status, 200);
  // No bucket, so no rate headers: a "0/20" burst header would pace clients to a limit that is
  // not enforced (issue 12).
  for (const char* path : {"Shop.json", "Item.json", "Item/11.json"}) {
    Answer a = Api("GET", path);
    EXPECT_EQ(a.status, 200) << path;
    for (const auto& [name, value] : a.headers)
      EXPECT_NE(name.rfind("X-LS-API-", 0), 0u) << path << ": " << name << ": " << value;
  }
  Answer w = Api("POST", "PaymentType.json", {{"name", "Check"}});
  EXPECT_EQ(w.status, 200);
  EXPECT_EQ(w.Header("X-LS-API-Bucket-Level"), "");
  EXPECT_EQ(w.Header("X-LS-API-Burst-Level"), "");
  // Back on a metered model, the headers return.
  Rates({{"model", "2026"}});
  EXPECT_FALSE(Api("GET", "Shop.json").Header("X-LS-API-Burst-Level").empty());
}

TEST_F(Rate, BucketGrowsWithRegisters) {
  NewAccount("empty", 3);
  Answer a = Api("GET", "Shop.json");
  EXPECT_EQ(a.Header("X-LS-API-Bucket-Level"), "1/110");
  EXPECT_EQ(a.Header("X-LS-API-Drip-Rate"), "2");
  EXPECT_EQ(a.Header("X-LS-API-Burst-Level"), "1/24");
  EXPECT_EQ(Api("GET", "Register.json").json["Register"].size(), 3u);
  EXPECT_FALSE(Api("GET", "Item.json").json.contains("Item"));  // the empty seed has no items
}

TEST(RateUnit, AdmitIsExactArithmetic) {
  RateConfig r = DefaultRate("2026", 1);
  Bucket b;
  Stats s;
  const int64_t t0 = 1'000'000'000'000;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(Admit(r, &b, &s, t0, 30'000'000).allowed);
  EXPECT_EQ(b.level_micro, 90'000'000);
  Admission a = Admit(r, &b, &s, t0, 1'000'000);
  EXPECT_FALSE(a.allowed);
  EXPECT_EQ(a.limit_type, "api-leaky-bucket");
  EXPECT_TRUE(Admit(r, &b, &s, t0 + 1'000'000, 1'000'000).allowed);  // drained one unit in 1 s
  EXPECT_EQ(b.level_micro, 90'000'000);
}

}  // namespace
}  // namespace sim::testing
