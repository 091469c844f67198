// Export planning (R6–R19): what the Lightspeed sale contains, what is still missing, and when an
// order is held back. Amounts are what a merchant would see on the sale in Lightspeed.
#include "exporter/plan.h"

#include <gtest/gtest.h>

#include <random>

namespace exporter {
namespace {

using base::Money;
using shop::ItemKind;
using shop::ItemSource;
using shop::PaymentStatus;

Money M(int64_t cents) { return Money::FromCents(cents); }

Money AmountOf(const lightspeed::NewSaleLine& l) {
  return M(l.unit_price.cents() * l.quantity) - l.discount;
}

Money SumOfLines(const lightspeed::NewSale& sale) {
  Money sum;
  for (const auto& l : sale.lines) sum += AmountOf(l);
  return sum;
}

Money SumOfPayments(const lightspeed::NewSale& sale) {
  Money sum;
  for (const auto& p : sale.payments) sum += p.amount;
  return sum;
}

constexpr char kStripe[] = "Online Payments (Stripe)";

shop::Item CatalogItem(const std::string& sku, const std::string& description, int64_t price_cents,
                       ItemKind kind = ItemKind::kInventory) {
  shop::Item item;
  item.sku = sku;
  item.description = description;
  item.price = M(price_cents);
  item.kind = kind;
  return item;
}

shop::Refund Refunded(const std::string& id, const std::string& method, Money amount) {
  shop::Refund r;
  r.id = id;
  r.method = method;
  r.amount = amount;
  return r;
}

class PlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.shop_id = "1";
    settings_.register_id = "2";
    settings_.employee_id = "3";

    shop::Item bike = CatalogItem("TREK-FX2", "Trek FX 2 Hybrid Bike", 89999);
    bike.source = ItemSource::kPosSync;
    bike.lightspeed_item_id = "277";
    bike.serialized = true;
    catalog_[bike.sku] = bike;

    shop::Item tube = CatalogItem("TUBE-700", "700c inner tube", 899);
    tube.source = ItemSource::kSupplierSync;
    tube.upc = "012345678905";
    catalog_[tube.sku] = tube;
    links_.item_by_sku["TUBE-700"] = "301";

    shop::Item lock = CatalogItem("LOCK-U", "U-lock", 4999);
    catalog_[lock.sku] = lock;
    links_.item_by_sku["LOCK-U"] = "302";

    shop::Item pump = CatalogItem("PUMP-X", "Floor pump", 5999);
    pump.source = ItemSource::kSupplierSync;
    pump.upc = "036000291452";
    pump.ean = "4006381333931";
    pump.manufacturer_sku = "JB-FP1";
    pump.brand = "Joe Blow";
    pump.cost = M(3100);
    pump.msrp = M(6499);
    catalog_[pump.sku] = pump;  // not in Lightspeed yet

    catalog_["GC-50"] = CatalogItem("GC-50", "Gift card $50", 5000, ItemKind::kGiftCard);
    catalog_["ASSEMBLY"] = CatalogItem("ASSEMBLY", "Bike assembly", 4000, ItemKind::kNonInventory);

    links_.customer_by_email["ann.lee@example.com"] = "42";
    links_.payment_type_by_name["stripe"] = "7";
    links_.payment_type_by_name["paypal"] = "8";
    links_.payment_type_by_name["cash"] = "1";
  }

  shop::Line Line(const std::string& sku, int64_t quantity, int64_t unit_cents,
                  int64_t discount_cents = 0) {
    shop::Line l;
    l.sku = sku;
    l.quantity = quantity;
    l.unit_price = M(unit_cents);
    l.discount = M(discount_cents);
    l.kind = catalog_.at(sku).kind;
    l.description = catalog_.at(sku).description;
    return l;
  }

  // Ann buys a bike online: $899.99 + $25.00 UPS Ground + $74.25 tax, paid by card.
  shop::Order BikeOrder() {
    shop::Order o;
    o.number = "10023";
    o.customer = {"Ann.Lee@Example.com", "Ann", "Lee", "+1 555 0100"};
    o.billing_address = shop::Address{"1 Main St", "Apt 2", "Austin", "TX", "78701", "US"};
    o.lines = {Line("TREK-FX2", 1, 89999)};
    o.shipping = shop::Shipping{"UPS Ground", M(2500)};
    o.tax = M(7425);
    PayInFull(&o);
    return o;
  }

  static Money TotalOf(const shop::Order& o) {
    Money sum;
    for (const shop::Line& l : o.lines) sum += l.Amount();
    sum -= o.order_discount;
    if (o.shipping) sum += o.shipping->amount;
    return sum + o.tax;
  }

  // Sets the total from the order's parts and pays it with one card payment.
  static void PayInFull(shop::Order* o, const std::string& method = kStripe) {
    o->total = TotalOf(*o);
    o->payments = {shop::Payment{"pay_1", method, o->total, PaymentStatus::kCaptured, "ch_3Nx"}};
  }

  Plan Run(const shop::Order& o) {
    Links links = links_;
    // The sales tax was fetched for the order's customer, unless a test says otherwise.
    if (links.tax && links.tax_customer_id.empty()) {
      auto it = links.customer_by_email.find(NormalizeKey(o.customer.email));
      if (it != links.customer_by_email.end()) links.tax_customer_id = it->second;
    }
    return PlanExport(o, catalog_, settings_, links);
  }

  // The shop's sales tax "Sales Tax" (tax category 1) at these rates.
  void UseLightspeedTax(const std::string& rate1, const std::string& rate2 = "0") {
    settings_.tax_mode = store::TaxMode::kLightspeed;
    SalesTax tax;
    tax.id = "1";
    tax.name = "Sales Tax";
    ASSERT_TRUE(ParseTaxRate(rate1, &tax.rates.tax1));
    ASSERT_TRUE(ParseTaxRate(rate2, &tax.rates.tax2));
    links_.tax = tax;
  }

  std::map<std::string, shop::Item> catalog_;
  store::LightspeedSettings settings_;
  Links links_;
};

// ---------------------------------------------------------------------------------------------
// R6 Completed sale

TEST_F(PlanTest, R6OneCompletedSaleAtTheConfiguredRegister) {
  const Plan plan = Run(BikeOrder());
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  const lightspeed::NewSale& sale = *plan.sale;
  EXPECT_TRUE(sale.completed);
  EXPECT_EQ(sale.shop_id, "1");
  EXPECT_EQ(sale.register_id, "2");
  EXPECT_EQ(sale.employee_id, "3");
  EXPECT_EQ(sale.reference_number, "10023");
  EXPECT_EQ(sale.reference_source, "web");
  EXPECT_EQ(sale.customer_id, "42");
  EXPECT_TRUE(plan.hold.empty());
}

TEST_F(PlanTest, R6ReferenceSourceIsTheStoresChoice) {
  settings_.reference_source = "bikeshop.example";
  const Plan plan = Run(BikeOrder());
  ASSERT_TRUE(plan.Ready());
  EXPECT_EQ(plan.sale->reference_source, "bikeshop.example");
}

TEST_F(PlanTest, R6InternalNoteNamesOrderShippingAndPaymentReferences) {
  const Plan plan = Run(BikeOrder());
  ASSERT_TRUE(plan.Ready());
  EXPECT_EQ(plan.sale->internal_note,
            "Web order 10023. Shipping: UPS Ground. Payments: Online Payments (Stripe) ch_3Nx.");
}

TEST_F(PlanTest, R6InternalNoteListsEveryPaymentRefundAndLineNotSent) {
  shop::Order o = BikeOrder();
  o.lines.push_back(Line("GC-50", 1, 5000));
  o.total = TotalOf(o);
  o.payments = {
      shop::Payment{"p1", kStripe, M(90000), PaymentStatus::kCaptured, "ch_1"},
      shop::Payment{"p2", "PayPal", o.total - M(90000) + M(1000), PaymentStatus::kCaptured, "5TY"}};
  o.refunds = {Refunded("r1", "PayPal", M(1000))};
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  EXPECT_EQ(plan.sale->internal_note,
            "Web order 10023. Shipping: UPS Ground. Payments: Online Payments (Stripe) ch_1, "
            "PayPal 5TY. Refunds: PayPal $10.00. Not sent: GC-50 $50.00 (gift card).");
}

// ---------------------------------------------------------------------------------------------
// R7 Lines and discounts

TEST_F(PlanTest, R7LineCarriesItemQuantityWebPriceAndLineDiscount) {
  shop::Order o = BikeOrder();
  o.lines = {Line("TREK-FX2", 1, 89999, 5000), Line("TUBE-700", 3, 899, 100)};
  PayInFull(&o);
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  const auto& lines = plan.sale->lines;
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0].item_id, "277");
  EXPECT_EQ(lines[0].quantity, 1);
  EXPECT_EQ(lines[0].unit_price, M(89999));
  EXPECT_EQ(lines[0].discount, M(5000));
  EXPECT_EQ(lines[1].item_id, "301");
  EXPECT_EQ(lines[1].quantity, 3);
  EXPECT_EQ(lines[1].unit_price, M(899));
  EXPECT_EQ(lines[1].discount, M(100));
  EXPECT_TRUE(lines[1].note.empty());
}

TEST_F(PlanTest, R7OrderDiscountSpreadToTheCent) {
  // $10.00 over $100.00, $50.00 and $33.33: 5.4549…, 2.7274…, 1.8181… → 5.45, 2.72, 1.81 and the
  // two cents left go to the largest line.
  shop::Order o = BikeOrder();
  o.lines = {Line("LOCK-U", 1, 10000), Line("TUBE-700", 1, 5000), Line("LOCK-U", 1, 3333)};
  o.order_discount = M(1000);
  o.shipping.reset();
  PayInFull(&o);
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  const auto& lines = plan.sale->lines;
  ASSERT_EQ(lines.size(), 4u);  // three items and the web tax
  EXPECT_EQ(lines[0].discount, M(547));
  EXPECT_EQ(lines[1].discount, M(272));
  EXPECT_EQ(lines[2].discount, M(181));
  EXPECT_EQ(lines[0].discount + lines[1].discount + lines[2].discount, M(1000));
}

TEST_F(PlanTest, R7OrderDiscountAddsToTheLineDiscountInProportionToLineAmounts) {
  // Line amounts after their own discounts: $90.00 and $10.00; a $5.00 order discount → 4.50/0.50.
  shop::Order o = BikeOrder();
  o.lines = {Line("LOCK-U", 2, 5000, 1000), Line("TUBE-700", 1, 1000)};
  o.order_discount = M(500);
  PayInFull(&o);
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  EXPECT_EQ(plan.sale->lines[0].discount, M(1000 + 450));
  EXPECT_EQ(plan.sale->lines[1].discount, M(50));
}

TEST_F(PlanTest, R7OrderDiscountGoesOnlyOnLinesSent) {
  shop::Order o = BikeOrder();
  o.lines = {Line("GC-50", 1, 5000), Line("TUBE-700", 1, 1000), Line("LOCK-U", 1, 3000)};
  o.order_discount = M(400);
  PayInFull(&o);
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  EXPECT_EQ(plan.sale->lines[0].item_id, "301");
  EXPECT_EQ(plan.sale->lines[0].discount, M(100));
  EXPECT_EQ(plan.sale->lines[1].discount, M(300));
  ASSERT_EQ(plan.not_sent.size(), 1u);
  EXPECT_EQ(plan.not_sent[0].amount, M(5000));  // the gift card is rung up at full price
}

TEST_F(PlanTest, R7NoLineIsDiscountedBelowZero) {
  // $2.99 over three $1.00 lines: Spread alone would give the first line $1.01.
  shop::Order o = BikeOrder();
  o.lines = {Line("TUBE-700", 1, 100), Line("TUBE-700", 1, 100), Line("TUBE-700", 1, 100)};
  o.order_discount = M(299);
  PayInFull(&o);
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  Money discounts;
  for (int i = 0; i < 3; ++i) {
    EXPECT_GE(AmountOf(plan.sale->lines[i]), Money()) << i;
    discounts += plan.sale->lines[i].discount;
  }
  EXPECT_EQ(discounts, M(299));
}

TEST_F(PlanTest, R7OrderDiscountLargerThanTheLinesSentIsHeld) {
  // A $60 discount on a $50 gift card and a $10 tube: nothing in Lightspeed can carry it.
  shop::Order o = BikeOrder();
  o.lines = {Line("GC-50", 1, 5000), Line("TUBE-700", 1, 1000)};
  o.order_discount = M(2000);
  PayInFull(&o);
  const Plan plan = Run(o);
  EXPECT_FALSE(plan.Ready());
  EXPECT_EQ(plan.hold,
            "The order discount ($20.00) is more than the items sent to Lightspeed ($10.00): ring "
            "this order up in Lightspeed by hand");
}

// ---------------------------------------------------------------------------------------------
// R8 Gift cards and non-inventory lines

TEST_F(PlanTest, R8GiftCardPlusBikeSendsOnlyTheBike) {
  shop::Order o = BikeOrder();
  o.lines.push_back(Line("GC-50", 2, 5000, 500));
  PayInFull(&o);
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  ASSERT_EQ(plan.not_sent.size(), 1u);
  EXPECT_EQ(plan.not_sent[0].sku, "GC-50");
  EXPECT_EQ(plan.not_sent[0].amount, M(9500));
  EXPECT_EQ(plan.not_sent[0].reason, "gift card");
  for (const auto& l : plan.sale->lines) EXPECT_NE(l.item_id, "GC-50");
  EXPECT_EQ(plan.sale->lines[0].item_id, "277");
  // Lightspeed's sale is the web order less the gift cards, and the card payment shrinks to it.
  EXPECT_EQ(plan.expected_total, o.total - M(9500));
  ASSERT_EQ(plan.sale->payments.size(), 1u);
  EXPECT_EQ(plan.sale->payments[0].amount, o.total - M(9500));
}

TEST_F(PlanTest, R8NonInventoryLineIsNotSent) {
  shop::Order o = BikeOrder();
  o.lines.push_back(Line("ASSEMBLY", 1, 4000));
  PayInFull(&o);
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  ASSERT_EQ(plan.not_sent.size(), 1u);
  EXPECT_EQ(plan.not_sent[0].sku, "ASSEMBLY");
  EXPECT_EQ(plan.not_sent[0].amount, M(4000));
  EXPECT_EQ(plan.not_sent[0].reason, "non-inventory item");
  EXPECT_EQ(plan.sale->lines.size(), 3u);  // bike, shipping, tax
}

TEST_F(PlanTest, R8NotSentIsKnownWhilePrerequisitesAreMissing) {
  links_ = Links{};
  shop::Order o = BikeOrder();
  o.lines.push_back(Line("GC-50", 1, 5000));
  PayInFull(&o);
  const Plan plan = Run(o);
  EXPECT_FALSE(plan.Ready());
  ASSERT_EQ(plan.not_sent.size(), 1u);
  EXPECT_EQ(plan.not_sent[0].amount, M(5000));
}

// ---------------------------------------------------------------------------------------------
// R9 Shipping

TEST_F(PlanTest, R9ShippingIsOneMiscCharge) {
  const Plan plan = Run(BikeOrder());
  ASSERT_TRUE(plan.Ready());
  const auto& ship = plan.sale->lines[1];
  EXPECT_EQ(ship.item_id, "0");
  EXPECT_EQ(ship.quantity, 1);
  EXPECT_EQ(ship.unit_price, M(2500));
  EXPECT_EQ(ship.discount, Money());
  EXPECT_FALSE(ship.taxed);
  EXPECT_EQ(ship.note, "Shipping: UPS Ground");
}

TEST_F(PlanTest, R9FreeShippingAddsNoLine) {
  shop::Order o = BikeOrder();
  o.shipping = shop::Shipping{"Store pickup", Money()};
  PayInFull(&o);
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready());
  for (const auto& l : plan.sale->lines) EXPECT_EQ(l.note.find("Shipping"), std::string::npos);
  EXPECT_EQ(plan.sale->lines.size(), 2u);  // bike and tax
}

TEST_F(PlanTest, R9ShippingPlusOrderDiscountDiscountsOnlyTheItems) {
  shop::Order o = BikeOrder();
  o.lines.push_back(Line("TUBE-700", 2, 899));
  o.order_discount = M(5000);
  PayInFull(&o);
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  const auto& lines = plan.sale->lines;
  ASSERT_EQ(lines.size(), 4u);
  // 50.00 × 899.99/917.97 = 49.0212… and 50.00 × 17.98/917.97 = 0.9793…: 49.02 + 1 cent, 0.97.
  EXPECT_EQ(lines[0].discount, M(4903));
  EXPECT_EQ(lines[1].discount, M(97));
  EXPECT_EQ(lines[2].note, "Shipping: UPS Ground");
  EXPECT_EQ(lines[2].unit_price, M(2500));
  EXPECT_EQ(lines[2].discount, Money());
  EXPECT_EQ(plan.expected_total, o.total);
  EXPECT_EQ(SumOfPayments(*plan.sale), o.total);
}

// ---------------------------------------------------------------------------------------------
// R10 Tax

TEST_F(PlanTest, R10WebModeSendsLinesUntaxedPlusTheWebTax) {
  shop::Order o = BikeOrder();
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready());
  EXPECT_EQ(plan.sale->tax_category_id, "0");
  for (const auto& l : plan.sale->lines) EXPECT_FALSE(l.taxed);
  const auto& tax = plan.sale->lines.back();
  EXPECT_EQ(tax.item_id, "0");
  EXPECT_EQ(tax.note, "Sales tax (web order)");
  EXPECT_EQ(tax.unit_price, M(7425));
  EXPECT_EQ(SumOfLines(*plan.sale), o.total);
  EXPECT_EQ(plan.expected_total, o.total);
}

TEST_F(PlanTest, R10WebModeWithoutTaxAddsNoTaxLine) {
  shop::Order o = BikeOrder();
  o.tax = Money();
  PayInFull(&o);
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready());
  for (const auto& l : plan.sale->lines) EXPECT_NE(l.note, "Sales tax (web order)");
  EXPECT_EQ(plan.expected_total, M(89999 + 2500));
}

TEST_F(PlanTest, R10LightspeedModeWithMatchingTaxSendsTaxedLines) {
  UseLightspeedTax("0.0825");  // 899.99 × 8.25% = 74.249175 → $74.25, as the web order charged
  shop::Order o = BikeOrder();
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  EXPECT_EQ(plan.sale->tax_category_id, "1");  // the shop's category, named explicitly
  ASSERT_EQ(plan.sale->lines.size(), 2u);      // no web tax line
  EXPECT_TRUE(plan.sale->lines[0].taxed);
  EXPECT_FALSE(plan.sale->lines[1].taxed);  // shipping
  EXPECT_EQ(plan.expected_total, o.total);
  EXPECT_EQ(SumOfLines(*plan.sale) + M(7425), o.total);
  EXPECT_EQ(SumOfPayments(*plan.sale), o.total);
}

TEST_F(PlanTest, R10LightspeedModeWithMismatchingTaxIsHeld) {
  UseLightspeedTax("0.0825");
  shop::Order o = BikeOrder();
  o.tax = M(7426);
  PayInFull(&o);
  const Plan plan = Run(o);
  EXPECT_FALSE(plan.Ready());
  EXPECT_EQ(plan.hold,
            "Tax differs: Lightspeed would charge $74.25, the web order charged $74.26 (Lightspeed "
            "sales tax \"Sales Tax\")");
}

TEST_F(PlanTest, R10LightspeedModeTaxesOnlyTaxableLinesAfterAllDiscounts) {
  UseLightspeedTax("0.1");
  shop::Order o = BikeOrder();
  o.lines = {Line("LOCK-U", 1, 10000, 1000), Line("TUBE-700", 1, 2000)};
  o.lines[1].taxable = false;
  o.order_discount = M(1100);  // 9.00 on the lock, 2.00 on the tube
  o.tax = M(810);              // 10% of the lock's $81.00
  PayInFull(&o);
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  EXPECT_TRUE(plan.sale->lines[0].taxed);
  EXPECT_FALSE(plan.sale->lines[1].taxed);
  EXPECT_EQ(plan.sale->lines[0].discount, M(1900));
}

TEST_F(PlanTest, R10LightspeedRoundsTheSaleTaxNotEachLine) {
  // Three $0.10 lines at 5%: each line's tax is half a cent; rounded per line that is $0.03,
  // but Lightspeed sums the exact taxes ($0.015) and rounds once, half away from zero: $0.02.
  UseLightspeedTax("0.05");
  shop::Order o = BikeOrder();
  o.lines = {Line("TUBE-700", 1, 10), Line("TUBE-700", 1, 10), Line("TUBE-700", 1, 10)};
  o.shipping.reset();
  o.tax = M(2);
  PayInFull(&o);
  Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  EXPECT_EQ(plan.expected_total, M(32));

  o.tax = M(3);
  PayInFull(&o);
  plan = Run(o);
  EXPECT_EQ(plan.hold,
            "Tax differs: Lightspeed would charge $0.02, the web order charged $0.03 (Lightspeed "
            "sales tax \"Sales Tax\")");
}

TEST_F(PlanTest, R10LightspeedRoundsTax1AndTax2Separately) {
  // A $0.10 line at 5% + 5%: calcTax1 = 0.005 → 0.01 and calcTax2 = 0.005 → 0.01; total $0.02.
  UseLightspeedTax("0.05", "0.05");
  shop::Order o = BikeOrder();
  o.lines = {Line("TUBE-700", 1, 10)};
  o.shipping.reset();
  o.tax = M(2);
  PayInFull(&o);
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  EXPECT_EQ(plan.expected_total, M(12));
}

TEST_F(PlanTest, R10LightspeedModeWithoutCachedRatesNeedsThem) {
  settings_.tax_mode = store::TaxMode::kLightspeed;
  const Plan plan = Run(BikeOrder());
  EXPECT_TRUE(plan.needs_tax_rates);
  EXPECT_FALSE(plan.Ready());
  EXPECT_TRUE(plan.hold.empty());
}

TEST_F(PlanTest, R10ATaxClassWithItsOwnRateTaxesItsItemsAtThatRate) {
  // The shop's sales tax is 8.25%, but the lock's tax class "3" is taxed at 4% in it.
  UseLightspeedTax("0.0825");
  links_.tax->by_class["3"] = {TaxRate{4'000'000}, TaxRate{}};
  shop::Order o = BikeOrder();
  o.lines = {Line("LOCK-U", 1, 4999), Line("TUBE-700", 1, 899)};
  o.shipping.reset();
  // 49.99 × 4% = 1.9996 and 8.99 × 8.25% = 0.741675: 2.741275 → $2.74.
  o.tax = M(274);
  PayInFull(&o);
  Plan plan = Run(o);
  EXPECT_TRUE(plan.needs_tax_rates);  // the items' tax classes are not known yet
  EXPECT_EQ(plan.tax_items, (std::vector<std::string>{"302", "301"}));
  EXPECT_FALSE(plan.Ready());
  links_.item_tax_class = {{"302", "3"}, {"301", "1"}};
  plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  EXPECT_EQ(plan.sale->lines[0].tax_class_id, "3");
  EXPECT_EQ(plan.sale->lines[1].tax_class_id, "1");
  EXPECT_EQ(plan.expected_total, M(4999 + 899 + 274));
  // At the category's rate for both lines it would have been $4.87: that web tax is held.
  o.tax = M(487);
  PayInFull(&o);
  plan = Run(o);
  EXPECT_EQ(plan.hold,
            "Tax differs: Lightspeed would charge $2.74, the web order charged $4.87 (Lightspeed "
            "sales tax \"Sales Tax\")");
}

TEST_F(PlanTest, R10WithoutClassRatesTheItemsTaxClassIsNotNeeded) {
  UseLightspeedTax("0.0825");
  const Plan plan = Run(BikeOrder());
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  EXPECT_TRUE(plan.tax_items.empty());
  EXPECT_EQ(plan.sale->lines[0].tax_class_id, "");  // Lightspeed uses the item's own class
}

TEST_F(PlanTest, R10ATaxInclusiveSalesTaxIsHeldWhenTheWebAddedTax) {
  UseLightspeedTax("0.0825");
  links_.tax->name = "GST";
  links_.tax->inclusive = true;
  const Plan plan = Run(BikeOrder());
  EXPECT_FALSE(plan.Ready());
  // 899.99 × 0.0825 / 1.0825 = 68.59...: inside the price, not on top of it.
  EXPECT_EQ(plan.hold,
            "Tax differs: Lightspeed's sales tax \"GST\" includes tax in prices, so Lightspeed "
            "would count $68.59 of tax inside a total of $924.99, but the web order charged $74.25 "
            "of tax on top. Choose tax mode web in Settings, or a Lightspeed sales tax that adds "
            "tax to prices");
}

TEST_F(PlanTest, R10ATaxInclusiveSalesTaxSendsAnOrderWithNothingTaxed) {
  UseLightspeedTax("0.0825");
  links_.tax->inclusive = true;
  shop::Order o = BikeOrder();
  o.lines[0].taxable = false;
  o.tax = Money();
  PayInFull(&o);
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  EXPECT_EQ(plan.expected_total, o.total);
}

TEST_F(PlanTest, R10TheCustomersOwnSalesTaxIsSentAndNamedWhenItDiffers) {
  // Ann is tax exempt in Lightspeed (her own tax category 2 at 0%); the web store charged tax.
  settings_.tax_mode = store::TaxMode::kLightspeed;
  SalesTax exempt;
  exempt.id = "2";
  exempt.name = "Exempt";
  exempt.customers_own = true;
  links_.tax = exempt;
  shop::Order o = BikeOrder();
  Plan plan = Run(o);
  EXPECT_EQ(plan.hold,
            "Tax differs: Lightspeed would charge $0.00, the web order charged $74.25 (Lightspeed "
            "sales tax \"Exempt\", set on the customer in Lightspeed)");
  o.tax = Money();  // the web store exempted her too
  PayInFull(&o);
  plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  EXPECT_EQ(plan.sale->tax_category_id, "2");
}

TEST_F(PlanTest, R10ASalesTaxChosenForAnotherCustomerIsAskedForAgain) {
  UseLightspeedTax("0.0825");
  links_.tax_customer_id = "7";  // fetched before Ann's customer record was known
  const Plan plan = Run(BikeOrder());
  EXPECT_TRUE(plan.needs_tax_rates);
  EXPECT_EQ(plan.tax_customer_id, "42");
  EXPECT_FALSE(plan.Ready());
}

// ---------------------------------------------------------------------------------------------
// R11 Payments

TEST_F(PlanTest, R11RefundsReducePaymentsOfTheirMethod) {
  shop::Order o = BikeOrder();  // total $999.24
  o.payments = {shop::Payment{"p1", kStripe, M(80000), PaymentStatus::kCaptured, "ch_1"},
                shop::Payment{"p2", "PayPal", M(24924), PaymentStatus::kCaptured, "5TY"},
                shop::Payment{"p3", kStripe, M(500), PaymentStatus::kCaptured, "ch_2"}};
  o.refunds = {Refunded("r1", "PayPal", M(5000)), Refunded("r2", kStripe, M(500))};
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  ASSERT_EQ(plan.sale->payments.size(), 2u);
  EXPECT_EQ(plan.sale->payments[0].payment_type_id, "7");
  EXPECT_EQ(plan.sale->payments[0].amount, M(80000));
  EXPECT_EQ(plan.sale->payments[1].payment_type_id, "8");
  EXPECT_EQ(plan.sale->payments[1].amount, M(19924));
}

TEST_F(PlanTest, R11FullyRefundedMethodIsNotSent) {
  shop::Order o = BikeOrder();
  o.payments = {shop::Payment{"p1", "PayPal", M(2000), PaymentStatus::kCaptured, "5TY"},
                shop::Payment{"p2", kStripe, o.total, PaymentStatus::kCaptured, "ch_1"}};
  o.refunds = {Refunded("r1", "PayPal", M(2000))};
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  ASSERT_EQ(plan.sale->payments.size(), 1u);
  EXPECT_EQ(plan.sale->payments[0].payment_type_id, "7");
  EXPECT_EQ(plan.sale->payments[0].amount, o.total);
}

TEST_F(PlanTest, R11MethodRefundedMoreThanItPaidIsDroppedAndTheOrderHeld) {
  // PayPal paid $50 and refunded $60: it cannot carry a negative payment, and the card's $50 alone
  // is more than the $40 the order now comes to.
  shop::Order o = BikeOrder();
  o.lines = {Line("TUBE-700", 1, 4000)};
  o.shipping.reset();
  o.tax = Money();
  o.total = M(4000);
  o.payments = {shop::Payment{"p1", kStripe, M(5000), PaymentStatus::kCaptured, "ch"},
                shop::Payment{"p2", "PayPal", M(5000), PaymentStatus::kCaptured, "5TY"}};
  o.refunds = {Refunded("r1", "PayPal", M(6000))};
  const Plan plan = Run(o);
  EXPECT_FALSE(plan.Ready());
  EXPECT_EQ(plan.hold,
            "Payments do not add up: the Lightspeed sale would total $40.00, but the payments "
            "less refunds and lines not sent come to $50.00");
}

TEST_F(PlanTest, R11OnlyCapturedPaymentsCount) {
  shop::Order o = BikeOrder();
  o.payments.push_back(shop::Payment{"p2", "PayPal", M(5000), PaymentStatus::kAuthorized, "A"});
  o.payments.push_back(shop::Payment{"p3", "Cash", M(5000), PaymentStatus::kVoided, "V"});
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  ASSERT_EQ(plan.sale->payments.size(), 1u);
  EXPECT_EQ(plan.sale->payments[0].amount, o.total);
}

TEST_F(PlanTest, R11LinesNotSentComeOffTheLastPaymentFirst) {
  // $50 gift card: the $30 PayPal payment goes entirely, then $20 off the card payment.
  shop::Order o = BikeOrder();
  o.lines.push_back(Line("GC-50", 1, 5000));
  o.total = TotalOf(o);
  o.payments = {shop::Payment{"p1", kStripe, o.total - M(3000), PaymentStatus::kCaptured, "ch"},
                shop::Payment{"p2", "PayPal", M(3000), PaymentStatus::kCaptured, "5TY"}};
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  ASSERT_EQ(plan.sale->payments.size(), 1u);
  EXPECT_EQ(plan.sale->payments[0].payment_type_id, "7");
  EXPECT_EQ(plan.sale->payments[0].amount, o.total - M(5000));
  EXPECT_EQ(SumOfPayments(*plan.sale), plan.expected_total);
}

TEST_F(PlanTest, R11RefundsLeavingTooLittleAreHeldNotSent) {
  // Refunded $100 after paying in full: the order is short, and Lightspeed would refuse it.
  shop::Order o = BikeOrder();
  o.refunds = {Refunded("r1", kStripe, M(10000))};
  const Plan plan = Run(o);
  EXPECT_FALSE(plan.Ready());
  EXPECT_EQ(plan.hold,
            "Payments do not add up: the Lightspeed sale would total $999.24, but the payments "
            "less refunds and lines not sent come to $899.24");
}

TEST_F(PlanTest, R11RefundToAMethodNeverPaidWithIsHeld) {
  shop::Order o = BikeOrder();
  o.payments[0].amount += M(1000);
  o.refunds = {Refunded("r1", "Store credit", M(1000))};
  const Plan plan = Run(o);
  EXPECT_FALSE(plan.Ready());
  EXPECT_NE(plan.hold.find("Payments do not add up"), std::string::npos) << plan.hold;
}

// Randomized orders in both tax modes: whenever a sale is planned, Lightspeed's balance rule holds.
TEST_F(PlanTest, R11PaymentsAlwaysEqualTheSaleTotal) {
  const std::vector<std::string> skus = {"TREK-FX2", "TUBE-700", "LOCK-U", "GC-50", "ASSEMBLY"};
  const std::vector<std::string> methods = {kStripe, "PayPal", "Cash"};
  std::mt19937_64 rng(20261120);
  auto pick = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  int planned = 0;
  for (int round = 0; round < 3000; ++round) {
    shop::Order o = BikeOrder();
    o.lines = {Line(skus[pick(0, 2)], pick(1, 3), pick(1, 200000))};  // at least one item sent
    for (int64_t n = pick(0, 4); n > 0; --n) {
      shop::Line l = Line(skus[pick(0, 4)], pick(1, 4), pick(1, 100000));
      l.discount = M(pick(0, 1) ? pick(0, l.unit_price.cents() * l.quantity) : 0);
      l.taxable = pick(0, 3) != 0;
      o.lines.push_back(l);
    }
    Money sent;
    for (const shop::Line& l : o.lines)
      if (l.kind == ItemKind::kInventory) sent += l.Amount();
    o.order_discount = M(pick(0, 1) ? pick(0, sent.cents()) : 0);
    if (pick(0, 2) == 0) {
      o.shipping.reset();
    } else {
      o.shipping->amount = M(pick(0, 5000));
    }
    const bool lightspeed_tax = pick(0, 1) == 1;
    settings_.tax_mode = store::TaxMode::kWeb;
    o.tax = M(pick(0, 20000));
    if (lightspeed_tax) {
      // Lightspeed's tax on the same lines, worked out here from the web-mode plan's lines.
      o.total = TotalOf(o);
      o.payments = {shop::Payment{"p", kStripe, o.total, PaymentStatus::kCaptured, "ch"}};
      const Plan web = Run(o);
      ASSERT_TRUE(web.Ready()) << web.hold;
      const int64_t r1 = pick(0, 12'000'000), r2 = pick(0, 1) ? pick(0, 3'000'000) : 0;
      __int128 t1 = 0, t2 = 0;
      size_t at = 0;  // sent item lines come first in the sale, in the order's order
      for (const shop::Line& l : o.lines) {
        if (l.kind != ItemKind::kInventory) continue;
        const int64_t amount = AmountOf(web.sale->lines[at++]).cents();
        if (!l.taxable) continue;
        t1 += static_cast<__int128>(amount) * r1;
        t2 += static_cast<__int128>(amount) * r2;
      }
      o.tax = M(
          static_cast<int64_t>((t1 + 50'000'000) / 100'000'000 + (t2 + 50'000'000) / 100'000'000));
      settings_.tax_mode = store::TaxMode::kLightspeed;
      links_.tax = SalesTax{};
      links_.tax->id = "1";
      links_.tax->rates = {TaxRate{r1}, TaxRate{r2}};
    }
    o.total = TotalOf(o);
    // Split the total over up to three methods; some get refunds, paid for by extra captures.
    o.payments.clear();
    o.refunds.clear();
    Money left = o.total;
    for (int64_t n = pick(1, 3); n > 0; --n) {
      const Money part = n == 1 ? left : M(pick(0, left.cents()));
      left -= part;
      const std::string& method = methods[pick(0, 2)];
      const Money refund = pick(0, 2) == 0 ? M(pick(1, 5000)) : Money();
      o.payments.push_back({"p" + std::to_string(n), method, part + refund,
                            PaymentStatus::kCaptured, "ref" + std::to_string(n)});
      if (refund > Money()) o.refunds.push_back(Refunded("r" + std::to_string(n), method, refund));
    }
    if (pick(0, 4) == 0)
      o.payments.push_back({"auth", "PayPal", M(pick(1, 9999)), PaymentStatus::kAuthorized, {}});

    const Plan plan = Run(o);
    ASSERT_TRUE(plan.Ready()) << "round " << round << ": " << plan.hold;
    ++planned;
    Money not_sent;
    for (const store::NotSent& n : plan.not_sent) not_sent += n.amount;
    EXPECT_EQ(SumOfPayments(*plan.sale), plan.expected_total) << "round " << round;
    EXPECT_EQ(plan.expected_total, o.total - not_sent) << "round " << round;
    const Money tax = lightspeed_tax ? o.tax : Money();
    EXPECT_EQ(SumOfLines(*plan.sale) + tax, plan.expected_total) << "round " << round;
    for (const auto& p : plan.sale->payments) EXPECT_GT(p.amount, Money()) << "round " << round;
    for (const auto& l : plan.sale->lines) EXPECT_GE(AmountOf(l), Money()) << "round " << round;
    links_.tax.reset();
  }
  EXPECT_EQ(planned, 3000);
}

// ---------------------------------------------------------------------------------------------
// R12 Payment types

TEST_F(PlanTest, R12StripeGatewayMapsToStripe) {
  EXPECT_EQ(PaymentTypeName(kStripe, settings_), "Stripe");
  EXPECT_EQ(PaymentTypeName("  online payments (STRIPE) ", settings_), "Stripe");
  EXPECT_EQ(PaymentTypeName("PayPal", settings_), "PayPal");
}

TEST_F(PlanTest, R12StoreMappingWinsAndComparesTrimmedCaseInsensitive) {
  settings_.payment_types = {{" paypal", "PayPal Web"}, {"ONLINE PAYMENTS (STRIPE)", "Web Card"}};
  EXPECT_EQ(PaymentTypeName("PayPal", settings_), "PayPal Web");
  EXPECT_EQ(PaymentTypeName(kStripe, settings_), "Web Card");
  EXPECT_EQ(PaymentTypeName("Cash", settings_), "Cash");
}

TEST_F(PlanTest, R12PaymentTypeFoundByNormalizedName) {
  links_.payment_type_by_name = {{"web card", "12"}};
  settings_.payment_types = {{kStripe, "  Web CARD"}};
  const Plan plan = Run(BikeOrder());
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  EXPECT_EQ(plan.sale->payments[0].payment_type_id, "12");
}

TEST_F(PlanTest, R12PaymentMethodWithNoLightspeedTypeIsNeededOnce) {
  shop::Order o = BikeOrder();
  o.payments = {shop::Payment{"p1", "Affirm", M(50000), PaymentStatus::kCaptured, "af_1"},
                shop::Payment{"p2", "Klarna", M(30000), PaymentStatus::kCaptured, "kl_1"},
                shop::Payment{"p3", kStripe, o.total - M(80000), PaymentStatus::kCaptured, "c"}};
  settings_.payment_types = {{"Klarna", "affirm"}};  // both land on one Lightspeed type
  const Plan plan = Run(o);
  EXPECT_FALSE(plan.Ready());
  EXPECT_EQ(plan.payment_types, std::vector<std::string>{"Affirm"});

  links_.payment_type_by_name["affirm"] = "20";  // the engine created it
  const Plan again = Run(o);
  ASSERT_TRUE(again.Ready()) << again.hold;
  ASSERT_EQ(again.sale->payments.size(), 3u);
  EXPECT_EQ(again.sale->payments[0].payment_type_id, "20");
  EXPECT_EQ(again.sale->payments[1].payment_type_id, "20");
  EXPECT_EQ(again.sale->payments[2].payment_type_id, "7");
}

// ---------------------------------------------------------------------------------------------
// R13–R15 Customer

TEST_F(PlanTest, R13ExistingCustomerMatchedByTrimmedLowerCaseEmail) {
  shop::Order o = BikeOrder();
  o.customer.email = "  ANN.LEE@example.COM ";
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready());
  EXPECT_FALSE(plan.customer.has_value());
  EXPECT_EQ(plan.sale->customer_id, "42");
}

TEST_F(PlanTest, R13NewCustomerCreatedFromBillingDetails) {
  shop::Order o = BikeOrder();
  o.customer = {"Bo.Diaz@Example.com", "Bo", "Diaz", "+1 555 0199"};
  const Plan plan = Run(o);
  EXPECT_FALSE(plan.Ready());
  ASSERT_TRUE(plan.customer.has_value());
  EXPECT_EQ(plan.customer->email, "bo.diaz@example.com");
  const lightspeed::NewCustomer& c = plan.customer->create;
  EXPECT_EQ(c.first_name, "Bo");
  EXPECT_EQ(c.last_name, "Diaz");
  EXPECT_EQ(c.email, "bo.diaz@example.com");
  EXPECT_EQ(c.phone, "+1 555 0199");
  ASSERT_TRUE(c.address.has_value());
  EXPECT_EQ(c.address->address1, "1 Main St");
  EXPECT_EQ(c.address->address2, "Apt 2");
  EXPECT_EQ(c.address->city, "Austin");
  EXPECT_EQ(c.address->state, "TX");
  EXPECT_EQ(c.address->zip, "78701");
  EXPECT_EQ(c.address->country, "US");

  links_.customer_by_email["bo.diaz@example.com"] = "99";  // the engine created or found them
  const Plan again = Run(o);
  ASSERT_TRUE(again.Ready());
  EXPECT_EQ(again.sale->customer_id, "99");
}

TEST_F(PlanTest, R14PayPalOrderWithoutBillingAddressCreatesCustomerWithoutAddress) {
  shop::Order o = BikeOrder();
  o.customer = {"pp.buyer@example.com", "Pat", "Pal", std::nullopt};
  o.billing_address.reset();
  PayInFull(&o, "PayPal");
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.customer.has_value());
  EXPECT_FALSE(plan.customer->create.address.has_value());
  EXPECT_FALSE(plan.customer->create.phone.has_value());
  EXPECT_EQ(plan.customer->create.email, "pp.buyer@example.com");
  EXPECT_TRUE(plan.hold.empty());
  EXPECT_TRUE(plan.items.empty());
  EXPECT_TRUE(plan.payment_types.empty());

  links_.customer_by_email["pp.buyer@example.com"] = "55";
  const Plan again = Run(o);
  ASSERT_TRUE(again.Ready()) << again.hold;
  EXPECT_EQ(again.sale->customer_id, "55");
  EXPECT_EQ(again.sale->payments[0].payment_type_id, "8");
}

TEST_F(PlanTest, R15ExistingCustomerIsAttachedWithoutARecordToWrite) {
  shop::Order o = BikeOrder();
  o.customer.first_name =
      "Annie";  // differs from Lightspeed's record; nothing is sent to change it
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready());
  EXPECT_FALSE(plan.customer.has_value());
  EXPECT_EQ(plan.sale->customer_id, "42");
}

// ---------------------------------------------------------------------------------------------
// R16, R17 Items

TEST_F(PlanTest, R16PosSyncedItemUsesItsOwnItemId) {
  links_.item_by_sku["TREK-FX2"] = "999";  // a stale link never overrides the POS sync
  const Plan plan = Run(BikeOrder());
  ASSERT_TRUE(plan.Ready());
  EXPECT_EQ(plan.sale->lines[0].item_id, "277");
  EXPECT_TRUE(plan.items.empty());
}

TEST_F(PlanTest, R17SupplierSyncItemNotYetInLightspeedIsNeeded) {
  shop::Order o = BikeOrder();
  o.lines = {Line("PUMP-X", 1, 5499), Line("TREK-FX2", 1, 89999), Line("PUMP-X", 1, 5499)};
  PayInFull(&o);
  const Plan plan = Run(o);
  EXPECT_FALSE(plan.Ready());
  ASSERT_EQ(plan.items.size(), 1u);  // once, though on two lines
  const ItemNeed& need = plan.items[0];
  EXPECT_EQ(need.sku, "PUMP-X");
  EXPECT_EQ(need.catalog, catalog_.at("PUMP-X"));
  EXPECT_EQ(need.create.description, "Floor pump");
  EXPECT_EQ(need.create.upc, "036000291452");
  EXPECT_EQ(need.create.ean, "4006381333931");
  EXPECT_EQ(need.create.manufacturer_sku, "JB-FP1");
  EXPECT_EQ(need.create.custom_sku, "PUMP-X");
  EXPECT_EQ(need.create.default_cost, M(3100));
  EXPECT_EQ(need.create.default_price, M(5999));  // the catalog price, not this order's
  EXPECT_EQ(need.create.msrp, M(6499));
  EXPECT_FALSE(need.create.serialized);

  links_.item_by_sku["PUMP-X"] = "410";
  const Plan again = Run(o);
  ASSERT_TRUE(again.Ready()) << again.hold;
  EXPECT_EQ(again.sale->lines[0].item_id, "410");
  EXPECT_EQ(again.sale->lines[2].item_id, "410");
}

TEST_F(PlanTest, R17ItemWithoutCostIsCreatedAtZeroCost) {
  links_.item_by_sku.erase("LOCK-U");
  shop::Order o = BikeOrder();
  o.lines = {Line("LOCK-U", 1, 4999)};
  PayInFull(&o);
  const Plan plan = Run(o);
  ASSERT_EQ(plan.items.size(), 1u);
  EXPECT_EQ(plan.items[0].create.default_cost, Money());
  EXPECT_FALSE(plan.items[0].create.upc.has_value());
  EXPECT_FALSE(plan.items[0].create.msrp.has_value());
}

TEST_F(PlanTest, R17LinkedSupplierSyncItemIsUsed) {
  shop::Order o = BikeOrder();
  o.lines = {Line("TUBE-700", 2, 899)};
  PayInFull(&o);
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready());
  EXPECT_EQ(plan.sale->lines[0].item_id, "301");
  EXPECT_TRUE(plan.items.empty());
}

TEST_F(PlanTest, R17GiftCardsAreNeverCreatedAsItems) {
  shop::Order o = BikeOrder();
  o.lines.push_back(Line("GC-50", 1, 5000));
  o.lines.push_back(Line("ASSEMBLY", 1, 4000));
  PayInFull(&o);
  const Plan plan = Run(o);
  EXPECT_TRUE(plan.items.empty());
}

// ---------------------------------------------------------------------------------------------
// R19 Serial numbers

TEST_F(PlanTest, R19EachSerialNumberFollowsItsSaleLine) {
  shop::Order o = BikeOrder();
  shop::Line bikes = Line("TREK-FX2", 2, 89999);
  bikes.serial_numbers = {"WTU123", "WTU456"};
  o.lines = {Line("GC-50", 1, 5000), Line("TUBE-700", 1, 899), bikes};
  PayInFull(&o);
  const Plan plan = Run(o);
  ASSERT_TRUE(plan.Ready()) << plan.hold;
  ASSERT_EQ(plan.serials.size(), 2u);
  EXPECT_EQ(plan.serials[0].serial, "WTU123");
  EXPECT_EQ(plan.serials[1].serial, "WTU456");
  for (const SerialNeed& s : plan.serials) {
    EXPECT_EQ(s.sku, "TREK-FX2");
    ASSERT_EQ(s.sale_line, 1u);  // the gift card is not in the sale
    EXPECT_EQ(plan.sale->lines[s.sale_line].item_id, "277");
  }
}

TEST_F(PlanTest, R19NoSerialsWithoutSerialNumbers) {
  const Plan plan = Run(BikeOrder());
  ASSERT_TRUE(plan.Ready());
  EXPECT_TRUE(plan.serials.empty());
}

TEST_F(PlanTest, R19R20SerialsAndTotalAreKnownBeforeThePrerequisites) {
  // An adopted sale (R20) gets its serial numbers even when spoke lost the customer's link.
  links_.customer_by_email.clear();
  shop::Order o = BikeOrder();
  o.lines[0].serial_numbers = {"WTU123"};
  const Plan plan = Run(o);
  EXPECT_FALSE(plan.Ready());
  ASSERT_EQ(plan.serials.size(), 1u);
  EXPECT_EQ(plan.serials[0].serial, "WTU123");
  EXPECT_EQ(plan.expected_total, o.total);
}

TEST_F(PlanTest, R20AHeldPlanHasNoTotalToCompareWith) {
  shop::Order o = BikeOrder();
  o.payments[0].amount = o.payments[0].amount - Money::FromCents(1);
  const Plan plan = Run(o);
  EXPECT_FALSE(plan.hold.empty());
  EXPECT_FALSE(plan.expected_total.has_value());
}

// ---------------------------------------------------------------------------------------------
// Prerequisites, all at once

TEST_F(PlanTest, EveryMissingPrerequisiteIsReportedInOnePass) {
  settings_.tax_mode = store::TaxMode::kLightspeed;
  links_.customer_by_email.clear();
  links_.payment_type_by_name.clear();
  shop::Order o = BikeOrder();
  o.lines.push_back(Line("PUMP-X", 1, 5999));
  PayInFull(&o);
  const Plan plan = Run(o);
  EXPECT_FALSE(plan.Ready());
  EXPECT_TRUE(plan.customer.has_value());
  ASSERT_EQ(plan.items.size(), 1u);
  EXPECT_EQ(plan.items[0].sku, "PUMP-X");
  EXPECT_EQ(plan.payment_types, std::vector<std::string>{"Stripe"});
  // The sales tax depends on the customer (it may have its own tax category): it is asked for
  // in the same pass, once the customer is resolved.
  EXPECT_FALSE(plan.needs_tax_rates);
  EXPECT_TRUE(plan.serials.empty());
}

// The draft: what the preview shows and the timeline names, known before anything is resolved.
TEST_F(PlanTest, DraftShowsTheWholeSaleWhilePrerequisitesAreMissing) {
  links_.customer_by_email.clear();
  links_.payment_type_by_name.clear();
  shop::Order o = BikeOrder();
  o.lines.push_back(Line("GC-50", 1, 5000));
  o.lines.push_back(Line("PUMP-X", 2, 5999));
  PayInFull(&o);
  const Plan plan = Run(o);
  ASSERT_FALSE(plan.Ready());
  const Draft& d = plan.draft;
  EXPECT_EQ(d.sale.customer_id, "") << "to be found or created";
  ASSERT_EQ(d.order_lines, (std::vector<size_t>{0, 2})) << "R8: the gift card is not a sale line";
  ASSERT_EQ(d.sale.lines.size(), 4u) << "bike, pump, shipping, web tax";
  EXPECT_EQ(d.sale.lines[0].item_id, "277");
  EXPECT_EQ(d.sale.lines[1].item_id, "") << "the pump is still to be found or created";
  EXPECT_EQ(d.sale.lines[1].quantity, 2);
  EXPECT_EQ(d.sale.lines[2].note, "Shipping: UPS Ground");
  EXPECT_EQ(d.sale.lines[3].note, "Sales tax (web order)");
  ASSERT_EQ(d.sale.payments.size(), 1u);
  EXPECT_EQ(d.sale.payments[0].payment_type_id, "");
  EXPECT_EQ(d.sale.payments[0].amount, o.total - M(5000)) << "R11: less the gift card";
  EXPECT_EQ(d.payment_methods, std::vector<std::string>{kStripe});
  EXPECT_EQ(d.payment_type_names, std::vector<std::string>{"Stripe"});
  EXPECT_EQ(plan.expected_total, SumOfLines(d.sale));
}

TEST_F(PlanTest, DraftIsTheSaleOnceReadyAndKeptWhenHeld) {
  const Plan ready = Run(BikeOrder());
  ASSERT_TRUE(ready.Ready());
  EXPECT_EQ(ready.draft.sale.internal_note, ready.sale->internal_note);
  EXPECT_EQ(ready.draft.sale.lines.size(), ready.sale->lines.size());
  EXPECT_EQ(ready.draft.sale.payments[0].payment_type_id, "7");
  shop::Order short_paid = BikeOrder();
  short_paid.payments[0].amount -= M(100);
  const Plan held = Run(short_paid);
  ASSERT_FALSE(held.hold.empty());
  EXPECT_EQ(held.draft.sale.lines.size(), 3u) << "a held order still shows what it would send";
}

TEST_F(PlanTest, PlanningIsRepeatable) {
  const shop::Order o = BikeOrder();
  const Plan a = Run(o), b = Run(o);
  ASSERT_TRUE(a.Ready() && b.Ready());
  EXPECT_EQ(a.sale->internal_note, b.sale->internal_note);
  EXPECT_EQ(a.expected_total, b.expected_total);
}

// ---------------------------------------------------------------------------------------------
// Helpers: tax rates and keys

TEST(ParseTaxRate, R10ReadsLightspeedRateStrings) {
  TaxRate r;
  ASSERT_TRUE(ParseTaxRate("0.0825", &r));
  EXPECT_EQ(r.e8, 8'250'000);
  ASSERT_TRUE(ParseTaxRate("0", &r));
  EXPECT_EQ(r.e8, 0);
  ASSERT_TRUE(ParseTaxRate("0.07250000", &r));
  EXPECT_EQ(r.e8, 7'250'000);
  ASSERT_TRUE(ParseTaxRate("0.12345678", &r));
  EXPECT_EQ(r.e8, 12'345'678);
  ASSERT_TRUE(ParseTaxRate("0.0725000000", &r));  // zeros past 8 decimals change nothing
  EXPECT_EQ(r.e8, 7'250'000);
  ASSERT_TRUE(ParseTaxRate("1", &r));
  EXPECT_EQ(r.e8, 100'000'000);
}

TEST(ParseTaxRate, R10RefusesAnythingElse) {
  TaxRate r{123};
  for (const char* bad : {"", "-0.0825", "+0.08", "abc", "0.08x", "8.25%", ".0825", "0.",
                          "0.123456789", " 0.08", "0.08 ", "1e-2", "0..1", "1234567890"}) {
    EXPECT_FALSE(ParseTaxRate(bad, &r)) << bad;
  }
  EXPECT_EQ(r.e8, 123);  // untouched on failure
}

TEST(NormalizeKey, R13TrimsAndLowerCases) {
  EXPECT_EQ(NormalizeKey("  Ann.Lee@Example.COM\t\r\n"), "ann.lee@example.com");
  EXPECT_EQ(NormalizeKey("Online Payments (Stripe)"), "online payments (stripe)");
  EXPECT_EQ(NormalizeKey("   "), "");
  EXPECT_EQ(NormalizeKey("a  b"), "a  b");  // inner spaces are part of the name
}

}  // namespace
}  // namespace exporter
