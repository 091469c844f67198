#include "exporter/sales_tax.h"

namespace exporter {
namespace {

using base::Money;

constexpr int64_t kRateScale = 100'000'000;  // TaxRate::e8 units per 1.0
constexpr int kRateDecimals = 8;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Rounds n / d to the nearest integer, halves away from zero (Lightspeed's sale tax rounding).
__int128 DivRoundHalfAway(__int128 n, __int128 d) {
  const bool negative = n < 0;
  const __int128 abs = negative ? -n : n;
  const __int128 q = (abs + d / 2) / d;
  return negative ? -q : q;
}

bool ParseRates(const std::string& r1, const std::string& r2, TaxRates* out) {
  return ParseTaxRate(r1.empty() ? "0" : r1, &out->tax1) &&
         ParseTaxRate(r2.empty() ? "0" : r2, &out->tax2);
}

}  // namespace

bool ParseTaxRate(const std::string& text, TaxRate* out) {
  const size_t dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
  // Nine whole digits keep any rate × any amount inside 128 bits; real rates are below 1.
  if (whole.empty() || whole.size() > 9) return false;
  if (dot != std::string::npos && frac.empty()) return false;
  for (char c : whole)
    if (!IsDigit(c)) return false;
  for (size_t i = 0; i < frac.size(); ++i) {
    if (!IsDigit(frac[i])) return false;
    if (i >= kRateDecimals && frac[i] != '0') return false;  // finer than Lightspeed keeps
  }
  int64_t e8 = 0;
  for (char c : whole) e8 = e8 * 10 + (c - '0');
  for (int i = 0; i < kRateDecimals; ++i)
    e8 = e8 * 10 + (i < static_cast<int>(frac.size()) ? frac[i] - '0' : 0);
  out->e8 = e8;
  return true;
}

base::Result<SalesTax> ToSalesTax(const lightspeed::TaxCategory& c) {
  SalesTax tax;
  tax.id = c.id;
  tax.name = c.name;
  tax.inclusive = c.inclusive;
  const auto unreadable = [&](const std::string& r1, const std::string& r2) {
    return base::Invalid("tax", "Lightspeed's sales tax \"" + c.name + "\" (tax category " + c.id +
                                    ") has a rate spoke cannot read (\"" + r1 + "\", \"" + r2 +
                                    "\")");
  };
  if (!ParseRates(c.rate1, c.rate2, &tax.rates)) return unreadable(c.rate1, c.rate2);
  for (const auto& k : c.classes) {
    TaxRates rates;
    if (!ParseRates(k.rate1, k.rate2, &rates)) return unreadable(k.rate1, k.rate2);
    tax.by_class[k.tax_class_id] = rates;
  }
  return tax;
}

TaxPrediction PredictTax(const std::vector<lightspeed::NewSaleLine>& lines, const SalesTax& tax) {
  __int128 sum1 = 0, sum2 = 0;  // cents × 1e-8
  int64_t amounts = 0;
  for (const auto& l : lines) {
    const int64_t amount = l.unit_price.cents() * l.quantity - l.discount.cents();
    amounts += amount;
    if (!l.taxed) continue;
    auto cls = tax.by_class.find(l.tax_class_id);
    const TaxRates& r = cls != tax.by_class.end() ? cls->second : tax.rates;
    if (tax.inclusive) {
      const __int128 divisor = static_cast<__int128>(kRateScale) + r.tax1.e8 + r.tax2.e8;
      sum1 += DivRoundHalfAway(static_cast<__int128>(amount) * r.tax1.e8 * kRateScale, divisor);
      sum2 += DivRoundHalfAway(static_cast<__int128>(amount) * r.tax2.e8 * kRateScale, divisor);
    } else {
      sum1 += static_cast<__int128>(amount) * r.tax1.e8;
      sum2 += static_cast<__int128>(amount) * r.tax2.e8;
    }
  }
  const Money tax_cents = Money::FromCents(static_cast<int64_t>(
      DivRoundHalfAway(sum1, kRateScale) + DivRoundHalfAway(sum2, kRateScale)));
  const Money lines_total = Money::FromCents(amounts);
  return {tax_cents, tax.inclusive ? lines_total : lines_total + tax_cents};
}

}  // namespace exporter
