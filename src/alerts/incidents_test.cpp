// The pure core: which incidents are open for a store's facts, thresholds and the time.
#include "alerts/incidents.h"

#include <gtest/gtest.h>

namespace alerts {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

const base::TimePoint kNow = base::TimePoint(std::chrono::seconds(1'790'000'000));

std::vector<std::string> Keys(const std::vector<store::AlertCondition>& v) {
  std::vector<std::string> out;
  for (const auto& c : v) out.push_back(c.key);
  return out;
}

TEST(OpenConditions, NothingWrongNothingOpen) {
  store::AlertFacts facts;
  facts.connection = store::ConnectionState::kConnected;
  EXPECT_TRUE(OpenConditions(facts, kNow + hours(24 * 20), {}, kNow).empty());
}

TEST(OpenConditions, AnOrderOpensOnlyOnceItsTimeInNeedsAttentionReachesTheThreshold) {
  store::AlertFacts facts;
  facts.attention = {{"10023", kNow - minutes(29), "Lightspeed refused the sale"},
                     {"10024", kNow - minutes(30), ""},
                     {"10025", kNow - hours(3), "Tax differs"}};
  auto open = OpenConditions(facts, std::nullopt, {30, 60, 7}, kNow);
  EXPECT_EQ(Keys(open),
            (std::vector<std::string>{"order_attention:10024", "order_attention:10025"}));
  EXPECT_EQ(open[1].order_number, "10025");
  EXPECT_EQ(open[1].kind, "order_attention");
  EXPECT_EQ(open[1].message,
            "Order 10025 has needed attention for 3 hours and will not be exported until someone "
            "acts: Tax differs");
  // A threshold of 0 alerts at once.
  EXPECT_EQ(OpenConditions(facts, std::nullopt, {0, 60, 7}, kNow).size(), 3u);
}

// Issue 15: a refund spoke could not send is an incident at once, keyed by its reference.
TEST(OpenConditions, AStoppedRefundOpensAtOnceNamingItsOrder) {
  store::AlertFacts facts;
  facts.connection = store::ConnectionState::kConnected;
  facts.stopped_refunds = {{"10023", "rf_1", "Lightspeed has no payment type \"Store credit\""}};
  auto open = OpenConditions(facts, kNow + hours(24 * 20), {}, kNow);
  ASSERT_EQ(Keys(open), std::vector<std::string>{"refund_attention:10023-Rrf_1"});
  EXPECT_EQ(open[0].order_number, "10023");
  EXPECT_NE(open[0].message.find("Store credit"), std::string::npos) << open[0].message;
}

TEST(OpenConditions, ReconnectWinsOverTheLapseWarning) {
  store::AlertFacts facts;
  facts.connection = store::ConnectionState::kReconnect;
  facts.connection_message = "Lightspeed refused the refresh token";
  auto open = OpenConditions(facts, kNow + hours(1), {}, kNow);
  ASSERT_EQ(Keys(open), std::vector<std::string>{"reconnect"});
  EXPECT_EQ(open[0].message,
            "Lightspeed must be connected again before any order can be exported: Lightspeed "
            "refused the refresh token");
}

TEST(OpenConditions, TokenLapseWithinTheDaysAheadOfAConnectedStore) {
  store::AlertFacts facts;
  facts.connection = store::ConnectionState::kConnected;
  EXPECT_TRUE(OpenConditions(facts, kNow + hours(24 * 7) + minutes(1), {30, 60, 7}, kNow).empty());
  auto open = OpenConditions(facts, kNow + hours(24 * 7), {30, 60, 7}, kNow);
  ASSERT_EQ(Keys(open), std::vector<std::string>{"token_lapse"});
  EXPECT_NE(open[0].message.find("lapses in 7 days"), std::string::npos) << open[0].message;
  EXPECT_EQ(OpenConditions(facts, std::nullopt, {30, 60, 7}, kNow).size(), 0u) << "unknown";
  facts.connection = store::ConnectionState::kNone;
  EXPECT_TRUE(OpenConditions(facts, kNow, {30, 60, 7}, kNow).empty()) << "never connected";
}

TEST(OpenConditions, QueueAgeCountsTheOldestQueuedOrder) {
  store::AlertFacts facts;
  facts.oldest_queued_at = kNow - minutes(59);
  facts.oldest_queued_number = "10001";
  EXPECT_TRUE(OpenConditions(facts, std::nullopt, {30, 60, 7}, kNow).empty());
  facts.oldest_queued_at = kNow - minutes(61);
  auto open = OpenConditions(facts, std::nullopt, {30, 60, 7}, kNow);
  ASSERT_EQ(Keys(open), std::vector<std::string>{"queue_age"});
  EXPECT_EQ(open[0].message,
            "The oldest queued order (10001) has waited 1 hour 1 minute to be exported");
}

TEST(OpenConditions, KeysAreStableAcrossPasses) {
  store::AlertFacts facts;
  facts.attention = {{"A-1", kNow - hours(1), "x"}};
  auto first = OpenConditions(facts, std::nullopt, {30, 60, 7}, kNow);
  auto later = OpenConditions(facts, std::nullopt, {30, 60, 7}, kNow + hours(5));
  EXPECT_EQ(Keys(first), Keys(later));
}

}  // namespace
}  // namespace alerts
