#include "base/money.h"

#include <limits>

namespace base {
namespace {

// Nine quadrillion dollars fits in int64 cents; we cap well below to leave room for sums.
constexpr int64_t kMaxCents = 1'000'000'000'000'000;  // $10 trillion

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<Money> Money::Parse(std::string_view text, std::string_view field) {
  const std::string f(field);
  auto bad = [&](const std::string& why) {
    return Invalid(f, f + " must be an amount like \"899.99\" (" + why + ")", "invalid_amount");
  };
  if (text.empty()) return bad("empty");
  if (text[0] == '-') return bad("negative amounts are not allowed");
  if (text[0] == '+') return bad("no sign allowed");
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos) return bad("two decimals are required");
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac = text.substr(dot + 1);
  if (frac.size() != 2) return bad("exactly two decimals are required");
  if (whole.empty()) return bad("digits are required before the point");
  if (whole.size() > 1 && whole[0] == '0') return bad("no leading zeros");
  for (char c : whole)
    if (!IsDigit(c)) return bad("only digits and one point");
  for (char c : frac)
    if (!IsDigit(c)) return bad("only digits and one point");
  if (whole.size() > 13) return bad("too large");
  int64_t cents = 0;
  for (char c : whole) cents = cents * 10 + (c - '0');
  cents = cents * 100 + (frac[0] - '0') * 10 + (frac[1] - '0');
  if (cents > kMaxCents) return bad("too large");
  return Money(cents);
}

std::string Money::ToString() const {
  const bool neg = cents_ < 0;
  // Negate in unsigned space so INT64_MIN cannot overflow.
  const uint64_t abs = neg ? 0 - static_cast<uint64_t>(cents_) : static_cast<uint64_t>(cents_);
  std::string frac = std::to_string(abs % 100);
  if (frac.size() == 1) frac = "0" + frac;
  return (neg ? "-" : "") + std::to_string(abs / 100) + "." + frac;
}

std::string Money::Dollars() const {
  if (cents_ < 0) return "-$" + (-*this).ToString();
  return "$" + ToString();
}

bool Money::Add(Money a, Money b, Money* out) {
  int64_t r;
  if (__builtin_add_overflow(a.cents_, b.cents_, &r)) return false;
  *out = Money(r);
  return true;
}

bool Money::Multiply(Money a, int64_t n, Money* out) {
  int64_t r;
  if (__builtin_mul_overflow(a.cents_, n, &r)) return false;
  *out = Money(r);
  return true;
}

std::vector<Money> Spread(Money amount, const std::vector<Money>& weights) {
  std::vector<Money> shares(weights.size());
  if (weights.empty()) return shares;
  __int128 total = 0;
  size_t largest = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    total += weights[i].cents();
    if (weights[i] > weights[largest]) largest = i;
  }
  if (total == 0) {
    shares[0] = amount;
    return shares;
  }
  int64_t given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const __int128 share = static_cast<__int128>(amount.cents()) * weights[i].cents() / total;
    shares[i] = Money::FromCents(static_cast<int64_t>(share));
    given += static_cast<int64_t>(share);
  }
  shares[largest] += Money::FromCents(amount.cents() - given);
  return shares;
}

}  // namespace base
