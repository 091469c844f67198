// Issue 15: the refund sale planned from a refund recorded after export. Pure.
#include "exporter/refund_plan.h"

#include <gtest/gtest.h>

namespace exporter {
namespace {

using base::Money;

Money M(int64_t cents) { return Money::FromCents(cents); }

Money Total(const lightspeed::NewSale& sale) {
  Money sum;
  for (const auto& l : sale.lines) sum += M(l.unit_price.cents() * l.quantity) - l.discount;
  return sum;
}

class RefundPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    order_.number = "10023";
    order_.customer = {"Ann@Example.com", "Ann", "Lee", std::nullopt};
    // Two helmets at 129.99 with 10.00 off the line, and 10.00 shipping: 259.98.
    order_.lines = {shop::Line{"HELMET", 2, M(12999), M(1000), true, {}},
                    shop::Line{"GC-50", 1, M(5000), M(0), false, {}}};
    settings_.shop_id = "1";
    settings_.register_id = "2";
    settings_.employee_id = "3";
    settings_.reference_source = "web";
    links_.item_by_sku = {{"HELMET", "70"}};
    links_.customer_by_email = {{"ann@example.com", "44"}};
    links_.payment_type_by_name = {{"cash", "1"}};
  }
  shop::Order order_;
  store::LightspeedSettings settings_;
  Links links_;
};

TEST_F(RefundPlanTest, AnAmountOnlyIsOneNegativeMiscLinePaidOut) {
  shop::Refund refund{"rf_1", "Cash", M(2500), {}, {}};
  RefundSalePlan plan = PlanRefund(order_, refund, "4711", settings_, links_);
  ASSERT_TRUE(plan.sale) << plan.problem;
  const lightspeed::NewSale& sale = *plan.sale;
  EXPECT_EQ(sale.reference_number, "10023-Rrf_1");
  EXPECT_EQ(sale.reference_source, "web");
  EXPECT_EQ(sale.tax_category_id, "0") << "the refund's amount already holds the tax";
  EXPECT_EQ(sale.customer_id, "44");
  ASSERT_EQ(sale.lines.size(), 1u);
  EXPECT_EQ(sale.lines[0].item_id, "0");
  EXPECT_EQ(Total(sale), M(-2500));
  ASSERT_EQ(sale.payments.size(), 1u);
  EXPECT_EQ(sale.payments[0].payment_type_id, "1");
  EXPECT_EQ(sale.payments[0].amount, M(-2500));
  EXPECT_NE(sale.internal_note.find("#4711"), std::string::npos) << sale.internal_note;
}

TEST_F(RefundPlanTest, ReturnedUnitsGoBackToTheirItemWithTheirShareOfTheDiscount) {
  // One helmet back (129.99 less half the 10.00 off) and 5.00 of shipping: 130.00.
  shop::Refund refund{"rf_1", "Cash", M(13000), {}, {{"HELMET", 1}, {"GC-50", 1}}};
  RefundSalePlan plan = PlanRefund(order_, refund, "4711", settings_, links_);
  ASSERT_TRUE(plan.sale) << plan.problem;
  const lightspeed::NewSale& sale = *plan.sale;
  ASSERT_EQ(sale.lines.size(), 2u) << "the helmet, then the rest (the gift card has no item)";
  EXPECT_EQ(sale.lines[0].item_id, "70");
  EXPECT_EQ(sale.lines[0].quantity, -1);
  EXPECT_EQ(sale.lines[0].unit_price, M(12999));
  EXPECT_EQ(sale.lines[0].discount, M(-500));
  EXPECT_EQ(sale.lines[1].item_id, "0");
  EXPECT_EQ(sale.lines[1].unit_price, M(-501));
  EXPECT_EQ(Total(sale), M(-13000)) << "the sale is exactly the refund";
  EXPECT_EQ(sale.payments[0].amount, M(-13000));
}

TEST_F(RefundPlanTest, UnitsWorthMoreThanTheRefundAreNotSent) {
  shop::Refund refund{"rf_1", "Cash", M(5000), {}, {{"HELMET", 2}}};
  RefundSalePlan plan = PlanRefund(order_, refund, "4711", settings_, links_);
  EXPECT_FALSE(plan.sale);
  EXPECT_NE(plan.problem.find("more than the refund's $50.00"), std::string::npos) << plan.problem;
}

TEST_F(RefundPlanTest, AnUnknownPaymentTypeIsNamed) {
  shop::Refund refund{"rf_1", "Store credit", M(500), {}, {}};
  RefundSalePlan plan = PlanRefund(order_, refund, "4711", settings_, links_);
  EXPECT_FALSE(plan.sale);
  EXPECT_EQ(plan.payment_type_name, "Store credit");
  EXPECT_NE(plan.problem.find("no payment type \"Store credit\""), std::string::npos)
      << plan.problem;
  settings_.payment_types = {{"Store credit", "Cash"}};
  EXPECT_TRUE(PlanRefund(order_, refund, "4711", settings_, links_).sale) << "R12's mapping";
}

}  // namespace
}  // namespace exporter
