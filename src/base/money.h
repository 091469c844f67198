// Money: exact integer cents. No constructor from double; JSON carries decimal strings "899.99".
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace base {

class Money {
 public:
  constexpr Money() = default;
  static constexpr Money FromCents(int64_t cents) { return Money(cents); }
  constexpr int64_t cents() const { return cents_; }

  // Strict: digits, a point, exactly two decimals; no sign, exponent or leading zeros.
  // `field` names the input in the error ("lines[0].unit_price").
  static Result<Money> Parse(std::string_view text, std::string_view field);

  std::string ToString() const;  // "899.99", "-3.00"
  std::string Dollars() const;   // "$899.99", "-$3.00"

  // Overflow-checked arithmetic; amounts in a web order stay far from the limit, but input
  // may not, so validation uses these.
  static bool Add(Money a, Money b, Money* out);
  static bool Multiply(Money a, int64_t n, Money* out);

  constexpr Money operator+(Money o) const { return Money(cents_ + o.cents_); }
  constexpr Money operator-(Money o) const { return Money(cents_ - o.cents_); }
  constexpr Money& operator+=(Money o) {
    cents_ += o.cents_;
    return *this;
  }
  constexpr Money& operator-=(Money o) {
    cents_ -= o.cents_;
    return *this;
  }
  constexpr Money operator-() const { return Money(-cents_); }
  constexpr auto operator<=>(const Money&) const = default;
  constexpr bool IsZero() const { return cents_ == 0; }

 private:
  constexpr explicit Money(int64_t cents) : cents_(cents) {}
  int64_t cents_ = 0;
};

// Spreads `amount` over `weights` in proportion, to the cent: each share is rounded down and the
// cents left over go to the largest weight (the first of equals). Shares sum to `amount` exactly.
// All weights zero: everything goes to the first. Empty weights: empty result.
std::vector<Money> Spread(Money amount, const std::vector<Money>& weights);

}  // namespace base
