#include <gtest/gtest.h>

#include <map>

#include "base/text.h"
#include "shop/eligibility.h"
#include "shop/validate.h"

namespace shop {
namespace {

Money M(int64_t cents) { return Money::FromCents(cents); }

Order PaidOrder() {
  Order o;
  o.number = "10023";
  o.customer = {"Ann.Lee@Example.com", "Ann", "Lee", "+1 555 0100"};
  o.lines = {Line{"TREK-FX2", 1, M(89999), M(0), true, {"WTU1"}}};
  o.shipping = Shipping{"UPS Ground", M(2500)};
  o.tax = M(7425);
  o.total = M(99924);
  o.payments = {
      Payment{"pay_1", "Online Payments (Stripe)", M(99924), PaymentStatus::kCaptured, "ch_1"}};
  return o;
}

class ValidateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_["TREK-FX2"] = Item{"TREK-FX2", "Trek FX 2"};
    catalog_["GC-50"] = Item{"GC-50", "Gift card", ItemKind::kGiftCard};
  }
  base::Status Validate(const Order& o) {
    return ValidateOrder(o, "USD", [this](std::string_view sku) -> const Item* {
      auto it = catalog_.find(std::string(sku));
      return it == catalog_.end() ? nullptr : &it->second;
    });
  }
  void ExpectField(const Order& o, const std::string& field) {
    auto s = Validate(o);
    ASSERT_FALSE(s.ok()) << "expected an error on " << field;
    EXPECT_EQ(s.error().field, field) << s.error().message;
    EXPECT_EQ(s.error().code, base::ErrorCode::kInvalidInput);
    EXPECT_FALSE(s.error().message.empty());
  }
  std::map<std::string, Item> catalog_;
};

TEST_F(ValidateTest, AcceptsAConsistentOrder) { EXPECT_TRUE(Validate(PaidOrder()).ok()); }

TEST_F(ValidateTest, UnknownSku) {
  Order o = PaidOrder();
  o.lines[0].sku = "NOPE";
  ExpectField(o, "lines[0].sku");
}

TEST_F(ValidateTest, QuantityBelowOne) {
  Order o = PaidOrder();
  o.lines[0].quantity = 0;
  ExpectField(o, "lines[0].quantity");
}

TEST_F(ValidateTest, DiscountAboveLineAmount) {
  Order o = PaidOrder();
  o.lines[0].discount = M(90000);
  ExpectField(o, "lines[0].discount");
}

TEST_F(ValidateTest, TotalMustAddUp) {
  Order o = PaidOrder();
  o.total = M(99925);
  ExpectField(o, "total");
  auto s = Validate(o);
  EXPECT_NE(s.error().message.find("999.24"), std::string::npos) << s.error().message;
}

TEST_F(ValidateTest, TotalCountsDiscountsShippingAndTax) {
  Order o = PaidOrder();
  o.lines.push_back(Line{"GC-50", 2, M(5000), M(1000)});
  o.order_discount = M(500);
  o.total = M(89999 + 9000 - 500 + 2500 + 7425);
  EXPECT_TRUE(Validate(o).ok());
}

TEST_F(ValidateTest, BadEmail) {
  for (const char* bad : {"", "ann", "ann@", "@x.com", "ann@x", "a b@x.com", "a@b@c.com"}) {
    Order o = PaidOrder();
    o.customer.email = bad;
    ExpectField(o, "customer.email");
  }
}

TEST_F(ValidateTest, DuplicatePaymentIds) {
  Order o = PaidOrder();
  o.payments.push_back(o.payments[0]);
  ExpectField(o, "payments[1].id");
}

TEST_F(ValidateTest, CurrencyMustBeTheStores) {
  Order o = PaidOrder();
  o.currency = "EUR";
  ExpectField(o, "currency");
}

TEST_F(ValidateTest, NumberFormat) {
  for (const char* bad : {"", "10 23", "10/23", "ü1"}) {
    Order o = PaidOrder();
    o.number = bad;
    ExpectField(o, "number");
  }
  Order o = PaidOrder();
  o.number = std::string(65, '1');
  ExpectField(o, "number");
}

TEST_F(ValidateTest, OrderDiscountAboveLines) {
  Order o = PaidOrder();
  o.order_discount = M(90000);
  o.total = M(99924 - 90000);
  ExpectField(o, "order_discount");
}

TEST_F(ValidateTest, SerialNumbersNoMoreThanQuantityAndUnique) {
  Order o = PaidOrder();
  o.lines[0].serial_numbers = {"A", "B"};
  ExpectField(o, "lines[0].serial_numbers");
  o.lines[0].quantity = 2;
  o.lines[0].serial_numbers = {"A", "A"};
  o.total = M(99924 + 89999);
  ExpectField(o, "lines[0].serial_numbers");
}

TEST_F(ValidateTest, HugeAmountsAreRefusedNotWrapped) {
  Order o = PaidOrder();
  o.lines[0].quantity = 100000;
  o.lines[0].unit_price = M(INT64_MAX / 1000);
  EXPECT_FALSE(Validate(o).ok());
}

// Issue 11, item 3: a 900,000-character first name was stored and exported. Every text field has
// a length in characters (not bytes), and refuses control characters, bidi overrides and bytes
// that are not UTF-8, naming the field and the limit.
TEST_F(ValidateTest, HostileInputTextFieldsHaveLimits) {
  auto expect_refused = [&](void (*change)(Order&, const std::string&), const std::string& field,
                            size_t limit) {
    Order o = PaidOrder();
    change(o, std::string(limit, 'a'));
    EXPECT_TRUE(Validate(o).ok()) << field << " at its limit";
    o = PaidOrder();
    change(o, std::string(limit + 1, 'a'));
    auto s = Validate(o);
    ASSERT_FALSE(s.ok()) << field;
    EXPECT_EQ(s.error().field, field);
    EXPECT_NE(s.error().message.find("at most " + std::to_string(limit) + " characters"),
              std::string::npos)
        << s.error().message;
  };
  using L = TextLimits;
  expect_refused([](Order& o, const std::string& v) { o.customer.first_name = v; },
                 "customer.first_name", L::kName);
  expect_refused([](Order& o, const std::string& v) { o.customer.last_name = v; },
                 "customer.last_name", L::kName);
  expect_refused([](Order& o, const std::string& v) { o.customer.phone = v; }, "customer.phone",
                 L::kPhone);
  expect_refused(
      [](Order& o, const std::string& v) {
        o.billing_address = Address{v, {}, "B", "CO", "1", "US"};
      },
      "billing_address.line1", L::kAddressLine);
  expect_refused(
      [](Order& o, const std::string& v) {
        o.shipping_address = Address{"1", v, "B", "CO", "1", "US"};
      },
      "shipping_address.line2", L::kAddressLine);
  expect_refused(
      [](Order& o, const std::string& v) {
        o.shipping_address = Address{"1", {}, v, "CO", "1", "US"};
      },
      "shipping_address.city", L::kCity);
  expect_refused(
      [](Order& o, const std::string& v) {
        o.billing_address = Address{"1", {}, "B", "CO", v, "US"};
      },
      "billing_address.postal_code", L::kPostalCode);
  expect_refused([](Order& o, const std::string& v) { o.shipping->method = v; }, "shipping.method",
                 L::kMethod);
  expect_refused([](Order& o, const std::string& v) { o.payments[0].id = v; }, "payments[0].id",
                 L::kId);
  expect_refused([](Order& o, const std::string& v) { o.payments[0].method = v; },
                 "payments[0].method", L::kMethod);
  expect_refused([](Order& o, const std::string& v) { o.payments[0].reference = v; },
                 "payments[0].reference", L::kReference);
  expect_refused([](Order& o, const std::string& v) { o.lines[0].serial_numbers = {v}; },
                 "lines[0].serial_numbers", L::kSerial);
  // The e-mail's limit is the address's: 254 characters in all.
  Order o = PaidOrder();
  o.customer.email = std::string(250, 'a') + "@b.co";
  EXPECT_EQ(Validate(o).error().field, "customer.email");
}

TEST_F(ValidateTest, HostileInputLimitsCountCharactersNotBytes) {
  Order o = PaidOrder();
  std::string name;
  for (int i = 0; i < 100; ++i) name += "\xC3\xA9";  // 100 characters, 200 bytes
  o.customer.first_name = name;
  EXPECT_TRUE(Validate(o).ok());
  o.customer.first_name = name + "e";
  EXPECT_EQ(Validate(o).error().field, "customer.first_name");
}

TEST_F(ValidateTest, HostileInputControlAndBidiCharactersAndBadUtf8AreRefused) {
  const std::string bad[] = {std::string("Ann\0", 4),
                             "Ann\nLee",
                             "Ann\x1B[2J",
                             "Ann\x7F",
                             "\xE2\x80\xAE"
                             "eeL nnA",
                             "Ann\xE2\x81\xA6",
                             "Ann\xFF",
                             "Ann\xC3"};
  for (const std::string& v : bad) {
    Order o = PaidOrder();
    o.customer.last_name = v;
    ExpectField(o, "customer.last_name");
    o = PaidOrder();
    o.shipping_address = Address{"1 Main St", {}, v, "CO", "80302", "US"};
    ExpectField(o, "shipping_address.city");
    o = PaidOrder();
    o.customer.email = "ann" + v + "@example.com";
    ExpectField(o, "customer.email");
    auto s = Validate(o);
    EXPECT_TRUE(base::IsValidUtf8(s.error().message)) << "the refusal can be sent as JSON";
  }
  Order o = PaidOrder();
  o.customer.last_name =
      "L\xC3\xA9"
      "e-\xE6\x9D\x8E O'Brien";  // ordinary letters pass
  EXPECT_TRUE(Validate(o).ok());
}

TEST(ValidateItemTest, HostileInputItemTextFields) {
  Item item{"BELL-1", std::string(255, 'd')};
  EXPECT_TRUE(ValidateItem(item).ok());
  item.description += "d";
  EXPECT_EQ(ValidateItem(item).error().field, "description");
  item.description = "Bell\x1B[2J";
  EXPECT_EQ(ValidateItem(item).error().field, "description");
  item.description = "Bell";
  item.brand = std::string(101, 'b');
  EXPECT_EQ(ValidateItem(item).error().field, "brand");
  item.brand = "Bell";
  item.manufacturer_sku = "BE\xFF";
  EXPECT_EQ(ValidateItem(item).error().field, "manufacturer_sku");
}

// Issue 11, item 4: a $9,999,999,999,999.99 refund on a $10 order was accepted.
TEST_F(ValidateTest, HostileInputRefundsCannotExceedWhatWasCaptured) {
  Order o = PaidOrder();  // $999.24 captured
  o.refunds = {Refund{"rf_1", "Stripe", M(99924), {}}};
  EXPECT_TRUE(Validate(o).ok()) << "a full refund";
  o.refunds.push_back(Refund{"rf_2", "Stripe", M(1), {}});
  ExpectField(o, "refunds[1].amount");
  auto s = ValidatePaymentsAndRefunds(o);
  EXPECT_NE(s.error().message.find("$999.25"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("$999.24 captured"), std::string::npos) << s.error().message;
  o.refunds = {Refund{"rf_1", "Stripe", M(999999999999999), {}}};
  ExpectField(o, "refunds[0].amount");
  // An authorized payment has not been taken yet: nothing of it can be refunded.
  o = PaidOrder();
  o.payments[0].status = PaymentStatus::kAuthorized;
  o.refunds = {Refund{"rf_1", "Stripe", M(1000), {}}};
  ExpectField(o, "refunds[0].amount");
}

// Issue 15: a refund's lines are the order's own, and no more units come back than were sold,
// across all of the order's refunds.
TEST_F(ValidateTest, RefundLinesNameTheOrdersLinesAndNoMoreUnitsThanWereSold) {
  Order o = PaidOrder();  // one TREK-FX2
  o.refunds = {Refund{"rf_1", "Stripe", M(1000), {}, {{"TREK-FX2", 1}}}};
  EXPECT_TRUE(Validate(o).ok());
  o.refunds.push_back(Refund{"rf_2", "Stripe", M(1000), {}, {{"TREK-FX2", 1}}});
  ExpectField(o, "refunds[1].lines[0].quantity");
  EXPECT_EQ(ValidatePaymentsAndRefunds(o).error().reason, "refund_exceeds_sold");
  o.refunds = {Refund{"rf_1", "Stripe", M(1000), {}, {{"HELMET", 1}}}};
  ExpectField(o, "refunds[0].lines[0].sku");
  o.refunds = {Refund{"rf_1", "Stripe", M(1000), {}, {{"TREK-FX2", 0}}}};
  ExpectField(o, "refunds[0].lines[0].quantity");
  o.refunds = {Refund{"rf_1", "Stripe", M(1000), {}, {{"TREK-FX2", -3}}}};
  ExpectField(o, "refunds[0].lines[0].quantity");
}

TEST(ValidateItemTest, PosSyncNeedsLightspeedId) {
  Item item{"BELL-1", "Bell helmet"};
  item.source = ItemSource::kPosSync;
  auto s = ValidateItem(item);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "lightspeed_item_id");
  item.lightspeed_item_id = "42";
  EXPECT_TRUE(ValidateItem(item).ok());
  item.sku = "bad sku";
  EXPECT_EQ(ValidateItem(item).error().field, "sku");
}

// R2: the three unbalanced messages and Paid in Full.
TEST(Balance, R2PaidInFull) {
  Balance b = ComputeBalance(PaidOrder());
  EXPECT_EQ(b.state, BalanceState::kPaidInFull);
  EXPECT_EQ(b.message, "Paid in Full");
  EXPECT_TRUE(b.due.IsZero());
}

TEST(Balance, R2Due) {
  Order o = PaidOrder();
  o.payments[0].amount = M(99924 - 1250);
  Balance b = ComputeBalance(o);
  EXPECT_EQ(b.state, BalanceState::kUnbalanced);
  EXPECT_EQ(b.message, "Unbalanced: $12.50 due");
}

TEST(Balance, R2Overpaid) {
  Order o = PaidOrder();
  o.payments[0].amount = M(99924 + 300);
  EXPECT_EQ(ComputeBalance(o).message, "Unbalanced: overpaid by $3.00");
}

TEST(Balance, R2AuthorizedNotCaptured) {
  Order o = PaidOrder();
  o.payments[0].status = PaymentStatus::kAuthorized;
  o.payments[0].amount = M(89999);
  o.total = M(89999);
  EXPECT_EQ(ComputeBalance(o).message, "Unbalanced: payment authorized but not captured ($899.99)");
}

TEST(Balance, R2VoidedAndFailedNeverCount) {
  for (auto st : {PaymentStatus::kVoided, PaymentStatus::kFailed}) {
    Order o = PaidOrder();
    o.payments[0].status = st;
    EXPECT_EQ(ComputeBalance(o).message, "Unbalanced: $999.24 due");
  }
}

TEST(Balance, R2RefundsAddToWhatIsDue) {
  Order o = PaidOrder();
  o.refunds = {Refund{"rf_1", "Online Payments (Stripe)", M(1000), {}}};
  EXPECT_EQ(ComputeBalance(o).message, "Unbalanced: $10.00 due");
}

// Item 4: sums that do not fit (an order stored before refunds were limited) never wrap around
// into "Paid in Full".
TEST(Balance, HostileInputSumsThatDoNotFitAreUnbalanced) {
  Order o = PaidOrder();
  o.total = M(INT64_MAX - 10);
  o.payments.clear();
  o.refunds = {Refund{"rf_1", "Stripe", M(INT64_MAX - 10), {}}};
  const Balance b = ComputeBalance(o);
  EXPECT_EQ(b.state, BalanceState::kUnbalanced);
  EXPECT_EQ(b.message, "Unbalanced: its amounts are too large to add up");
}

Connection Connected() { return Connection{true, true, true, true}; }

TEST(Eligibility, EligibleWhenPaidConnectedAndNotExported) {
  EXPECT_TRUE(CheckEligibility(PaidOrder(), ExportState::kNotExported, Connected()).ok());
}

TEST(Eligibility, R1OnceOnly) {
  auto e = CheckEligibility(PaidOrder(), ExportState::kExported, Connected());
  EXPECT_EQ(e.code, "already_exported");
  EXPECT_TRUE(e.conflict);
  EXPECT_EQ(CheckEligibility(PaidOrder(), ExportState::kQueued, Connected()).code,
            "already_queued");
  EXPECT_EQ(CheckEligibility(PaidOrder(), ExportState::kExporting, Connected()).code,
            "already_queued");
}

TEST(Eligibility, R2UnbalancedCarriesTheBalanceMessage) {
  Order o = PaidOrder();
  o.payments[0].amount = M(99924 - 1250);
  auto e = CheckEligibility(o, ExportState::kNotExported, Connected());
  EXPECT_EQ(e.code, "unbalanced");
  EXPECT_EQ(e.message, "Unbalanced: $12.50 due");
  EXPECT_FALSE(e.conflict);
}

TEST(Eligibility, R3Connected) {
  auto e = CheckEligibility(PaidOrder(), ExportState::kNotExported, Connection{});
  EXPECT_EQ(e.code, "not_connected");
  EXPECT_EQ(e.message, "Lightspeed is not connected");
  Connection no_register = Connected();
  no_register.has_register = false;
  e = CheckEligibility(PaidOrder(), ExportState::kNotExported, no_register);
  EXPECT_EQ(e.code, "not_connected");
  EXPECT_EQ(e.message, "Choose a Lightspeed register in Settings");
}

TEST(Eligibility, R4NothingToSend) {
  Order o = PaidOrder();
  o.lines[0].kind = ItemKind::kGiftCard;
  o.shipping.reset();
  o.total = M(89999 + 7425);
  o.payments[0].amount = o.total;
  auto e = CheckEligibility(o, ExportState::kNotExported, Connected());
  EXPECT_EQ(e.code, "nothing_to_export");
  EXPECT_EQ(e.message, "Nothing to export: gift cards are rung up in Lightspeed");
  // Shipping alone is something to send.
  o = PaidOrder();
  o.lines[0].kind = ItemKind::kNonInventory;
  EXPECT_TRUE(CheckEligibility(o, ExportState::kNotExported, Connected()).ok());
}

TEST(Eligibility, R5NotCancelled) {
  Order o = PaidOrder();
  o.status = OrderStatus::kCancelled;
  EXPECT_EQ(CheckEligibility(o, ExportState::kNotExported, Connected()).code, "cancelled");
}

}  // namespace
}  // namespace shop
