// R20: which sale already in Lightspeed an order may be marked exported against.
#include "exporter/existing_sale.h"

#include <gtest/gtest.h>

namespace exporter {
namespace {

using Action = ExistingSales::Action;
using base::Money;

lightspeed::Sale S(const std::string& id, bool completed, const std::string& total,
                   const std::string& balance = "0.00") {
  lightspeed::Sale s;
  s.id = id;
  s.completed = completed;
  s.total = total;
  s.balance = balance;
  return s;
}

const Money kTotal = Money::FromCents(99924);

TEST(ExistingSales, R20NothingFoundSendsTheSale) {
  const ExistingSales d = DecideExistingSales({}, kTotal);
  EXPECT_EQ(d.action, Action::kSend);
  EXPECT_TRUE(d.archive.empty());
}

TEST(ExistingSales, R20ACompletedSaleWithThePlannedTotalIsAdopted) {
  const ExistingSales d = DecideExistingSales({S("12", true, "999.24")}, kTotal);
  EXPECT_EQ(d.action, Action::kAdopt);
  EXPECT_EQ(d.sale_id, "12");
}

TEST(ExistingSales, R20OfTwoMatchingCompletedSalesTheOldestIsAdopted) {
  const ExistingSales d =
      DecideExistingSales({S("100", true, "999.24"), S("99", true, "999.24")}, kTotal);
  EXPECT_EQ(d.sale_id, "99") << "ids compare as numbers, not text";
}

TEST(ExistingSales, R20VoidedAndArchivedSalesAreIgnored) {
  lightspeed::Sale voided = S("5", true, "999.24"), archived = S("6", false, "999.24", "999.24");
  voided.voided = true;
  archived.archived = true;
  const ExistingSales d = DecideExistingSales({voided, archived}, kTotal);
  EXPECT_EQ(d.action, Action::kSend);
  EXPECT_TRUE(d.archive.empty()) << "an archived sale needs no archiving";
}

TEST(ExistingSales, R20AnUnpaidOpenSaleIsArchivedAndTheSaleSentAgain) {
  // A failed completion (OutOfBalanceError) left the sale open with nothing paid against it.
  const ExistingSales d = DecideExistingSales({S("31", false, "999.25", "999.25")}, kTotal);
  EXPECT_EQ(d.action, Action::kSend);
  EXPECT_EQ(d.archive, std::vector<std::string>{"31"});
}

TEST(ExistingSales, R20AnOpenSaleWithThePlannedTotalButABalanceIsNotCompleted) {
  const ExistingSales d = DecideExistingSales({S("31", false, "999.24", "0.01")}, kTotal);
  EXPECT_EQ(d.action, Action::kSend);
  EXPECT_EQ(d.archive, std::vector<std::string>{"31"});
}

TEST(ExistingSales, R20AnOpenBalancedSaleWithThePlannedTotalIsCompletedAndAdopted) {
  const ExistingSales d =
      DecideExistingSales({S("31", false, "999.24"), S("32", false, "10.00", "10.00")}, kTotal);
  EXPECT_EQ(d.action, Action::kCompleteAndAdopt);
  EXPECT_EQ(d.sale_id, "31");
  EXPECT_EQ(d.archive, std::vector<std::string>{"32"}) << "the other open sale goes";
}

TEST(ExistingSales, R20ACompletedMatchingSaleWinsAndOpenLeftoversAreArchived) {
  const ExistingSales d =
      DecideExistingSales({S("40", false, "999.25", "999.25"), S("41", true, "999.24")}, kTotal);
  EXPECT_EQ(d.action, Action::kAdopt);
  EXPECT_EQ(d.sale_id, "41");
  EXPECT_EQ(d.archive, std::vector<std::string>{"40"});
}

TEST(ExistingSales, R20ACompletedSaleWithAnotherTotalStopsTheOrderAndIsNotDuplicated) {
  const ExistingSales d = DecideExistingSales({S("50", true, "950.00")}, kTotal);
  EXPECT_EQ(d.action, Action::kStop);
  EXPECT_NE(d.reason.find("sale 50"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("$950.00"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("$999.24"), std::string::npos) << d.reason;
  EXPECT_TRUE(d.archive.empty()) << "nothing is touched while the merchant decides";
}

TEST(ExistingSales, R20ACompletedSaleCannotBeAdoptedWhenThePlanHasNoTotal) {
  const ExistingSales d = DecideExistingSales({S("50", true, "999.24")}, std::nullopt);
  EXPECT_EQ(d.action, Action::kStop);
}

TEST(ExistingSales, LightspeedAmountsParseExactly) {
  EXPECT_EQ(ParseLightspeedAmount("999.24"), Money::FromCents(99924));
  EXPECT_EQ(ParseLightspeedAmount("999.2"), Money::FromCents(99920));
  EXPECT_EQ(ParseLightspeedAmount("7"), Money::FromCents(700));
  // As Lightspeed writes amounts (trailing zeros dropped): the Sales tutorial's sale.
  EXPECT_EQ(ParseLightspeedAmount("0"), Money::FromCents(0));
  EXPECT_EQ(ParseLightspeedAmount("1.5"), Money::FromCents(150));
  EXPECT_EQ(ParseLightspeedAmount("20"), Money::FromCents(2000));
  EXPECT_EQ(ParseLightspeedAmount("34.48"), Money::FromCents(3448));
  EXPECT_EQ(ParseLightspeedAmount("-3.50"), Money::FromCents(-350));
  EXPECT_EQ(ParseLightspeedAmount("0.7400"), Money::FromCents(74));
  EXPECT_EQ(ParseLightspeedAmount("0.741675"), std::nullopt) << "finer than a cent";
  for (const char* bad : {"", "-", ".5", "5.", "1e3", "12a", "1.2.3", "9999999999999999"})
    EXPECT_EQ(ParseLightspeedAmount(bad), std::nullopt) << bad;
}

}  // namespace
}  // namespace exporter
