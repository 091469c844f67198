// Reconciliation's pure core (issue 15): every kind of difference, and the window's edges.
#include "exporter/reconcile.h"

#include <gtest/gtest.h>

namespace exporter {
namespace {

using base::Money;
using std::chrono::minutes;
using std::chrono::seconds;

const base::TimePoint kFrom = base::TimePoint(seconds(1'763'600'000));
const base::TimePoint kTo = kFrom + std::chrono::hours(24);

store::ExpectedSale Expected(const std::string& number, const std::string& sale_id,
                             base::TimePoint at, std::optional<int64_t> cents = 99924) {
  store::ExpectedSale e;
  e.order_number = e.reference = number;
  e.sale_id = sale_id;
  if (cents) e.total = Money::FromCents(*cents);
  e.exported_at = at;
  return e;
}

lightspeed::Sale Sale(const std::string& id, const std::string& reference, base::TimePoint at,
                      const std::string& total = "999.24") {
  lightspeed::Sale s;
  s.id = id;
  s.reference_number = reference;
  s.reference_source = "web";
  s.total = total;
  s.completed = true;
  s.complete_time = base::FormatTime(at);
  return s;
}

ReconcileInput Window() {
  ReconcileInput in;
  in.from = kFrom;
  in.to = kTo;
  return in;
}

std::vector<std::string> Kinds(const std::vector<store::ReconcileDifference>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(d.kind + " " + d.reference);
  return out;
}

TEST(Reconcile, MatchingSalesShowNoDifference) {
  ReconcileInput in = Window();
  const auto t = kFrom + std::chrono::hours(1);
  in.expected = {Expected("1001", "11", t + seconds(1)), Expected("1002", "12", t, std::nullopt)};
  in.listed = {Sale("11", "1001", t),
               Sale("12", "1002", t, "5.00")};  // no total kept: not compared
  EXPECT_TRUE(MissingCandidates(in).empty());
  EXPECT_TRUE(FindUnknownCandidates(in).sale_ids.empty());
  EXPECT_TRUE(Compare(in).empty());
}

TEST(Reconcile, EachKindWithItsOrderAndWords) {
  ReconcileInput in = Window();
  const auto t = kFrom + std::chrono::hours(2);
  in.expected = {Expected("1001", "11", t), Expected("1002", "12", t), Expected("1003", "13", t),
                 Expected("1004", "14", t)};
  lightspeed::Sale voided = Sale("12", "1002", t);
  voided.voided = true;
  lightspeed::Sale archived = Sale("13", "1003", t);
  archived.archived = true;
  in.listed = {voided, archived, Sale("14", "1004", t, "999.2"), Sale("15", "HAND-1", t, "20")};
  EXPECT_EQ(MissingCandidates(in), std::vector<std::string>{"1001"});
  const UnknownCandidates unknown = FindUnknownCandidates(in);
  EXPECT_EQ(unknown.sale_ids, std::vector<std::string>{"15"});
  EXPECT_EQ(unknown.references, std::vector<std::string>{"HAND-1"});
  const auto ds = Compare(in);
  EXPECT_EQ(Kinds(ds),
            (std::vector<std::string>{"sale_missing 1001", "sale_voided 1002", "sale_voided 1003",
                                      "total_differs 1004", "unknown_sale HAND-1"}));
  EXPECT_EQ(ds[0].order, "1001");
  EXPECT_EQ(ds[0].sale_id, "11");
  EXPECT_NE(ds[0].message.find("no sale with reference 1001"), std::string::npos) << ds[0].message;
  EXPECT_NE(ds[1].message.find("voided"), std::string::npos);
  EXPECT_NE(ds[2].message.find("archived"), std::string::npos);
  EXPECT_EQ(ds[3].expected_total, Money::FromCents(99924));
  EXPECT_EQ(ds[3].lightspeed_total, Money::FromCents(99920));
  EXPECT_NE(ds[3].message.find("$999.24"), std::string::npos) << ds[3].message;
  EXPECT_EQ(ds[4].order, "") << "no order is known for a hand-made sale";
  EXPECT_EQ(ds[4].lightspeed_total, Money::FromCents(2000));
  EXPECT_NE(ds[4].message.find("keyed in by hand"), std::string::npos);
}

TEST(Reconcile, AMissingCandidateFoundBySearchIsNotMissing) {
  ReconcileInput in = Window();
  const auto t = kFrom + std::chrono::hours(3);
  in.expected = {Expected("1001", "11", t), Expected("1002", "12", t)};
  // Sale 11 was reopened and completed again days later; sale 12 is archived.
  lightspeed::Sale later = Sale("11", "1001", kTo + std::chrono::hours(48));
  lightspeed::Sale archived = Sale("12", "1002", t);
  archived.archived = true;
  in.searched = {later, archived};
  EXPECT_EQ(Kinds(Compare(in)), std::vector<std::string>{"sale_voided 1002"});
}

TEST(Reconcile, WindowEdgesExportRecordedJustAfterItsSale) {
  ReconcileInput in = Window();
  // Completed a second before the window ends, recorded two seconds later (after it): the order
  // is outside the window but its sale is inside. Neither is reported.
  const auto edge = kTo - seconds(1);
  in.expected = {Expected("2001", "21", edge + seconds(2))};
  in.listed = {Sale("21", "2001", edge)};
  // At the start: completed just before `from`, recorded just after it. The export is inside,
  // its sale (listed thanks to the margin) is found: no sale_missing.
  in.expected.push_back(Expected("2002", "22", kFrom + seconds(1)));
  in.listed.push_back(Sale("22", "2002", kFrom - seconds(1)));
  EXPECT_TRUE(MissingCandidates(in).empty());
  EXPECT_TRUE(FindUnknownCandidates(in).sale_ids.empty());
  EXPECT_TRUE(Compare(in).empty());
}

TEST(Reconcile, UnknownOnlyInsideTheWindowAndOnlyIfTheStoreNeverRecordedIt) {
  ReconcileInput in = Window();
  in.listed = {Sale("31", "HAND-0", kFrom - minutes(5)),  // margin: not reported
               Sale("32", "3002", kFrom + minutes(5)),    // recorded long ago: known
               Sale("33", "3003", kFrom + minutes(6))};   // a second sale for order 3003
  in.known = {Expected("3002", "32", kFrom - std::chrono::hours(72)),
              Expected("3003", "30", kFrom - std::chrono::hours(72))};
  const UnknownCandidates unknown = FindUnknownCandidates(in);
  EXPECT_EQ(unknown.sale_ids, (std::vector<std::string>{"32", "33"}));
  const auto ds = Compare(in);
  EXPECT_EQ(Kinds(ds), std::vector<std::string>{"unknown_sale 3003"});
  EXPECT_EQ(ds[0].order, "3003") << "the store says which order the reference belongs to";
  EXPECT_NE(ds[0].message.find("second sale"), std::string::npos);
}

TEST(Reconcile, AReferenceOfRefundFormIsKnownOnlyIfTheStoreSaysSo) {
  ReconcileInput in = Window();
  const auto t = kFrom + minutes(30);
  in.listed = {Sale("41", "4001-R7", t, "-10.00")};
  EXPECT_EQ(Kinds(Compare(in)), std::vector<std::string>{"unknown_sale 4001-R7"});
  store::ExpectedSale refund = Expected("4001", "41", t, -1000);
  refund.reference = "4001-R7";
  in.expected = {refund};
  EXPECT_TRUE(Compare(in).empty());
}

}  // namespace
}  // namespace exporter
