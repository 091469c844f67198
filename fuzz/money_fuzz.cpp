// Money::Parse on any text, then what must hold of every amount it accepts: it prints back as
// the same text, and Add, Multiply and Spread keep every cent. One amount per line; the first
// is spread over the others.
#include <string>
#include <vector>

#include "base/money.h"
#include "fuzz/fuzz_util.h"

namespace {

using base::Money;

void CheckSpread(Money amount, const std::vector<Money>& weights) {
  const std::vector<Money> shares = base::Spread(amount, weights);
  FUZZ_CHECK(shares.size() == weights.size(), "one share per weight");
  if (weights.empty()) return;
  __int128 sum = 0;
  for (const Money& s : shares) {
    sum += s.cents();
    const bool inside = amount.cents() >= 0 ? s.cents() >= 0 && s.cents() <= amount.cents()
                                            : s.cents() <= 0 && s.cents() >= amount.cents();
    FUZZ_CHECK(inside, "share " + s.ToString() + " of " + amount.ToString());
  }
  FUZZ_CHECK(sum == amount.cents(), "shares of " + amount.ToString() + " do not add up");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest = fuzz::AsText(data, size);
  std::vector<Money> amounts;
  while (!rest.empty() && amounts.size() < 64) {
    const size_t nl = rest.find('\n');
    const std::string_view text = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    auto m = Money::Parse(text, "amount");
    if (!m.ok()) {
      FUZZ_CHECK(m.error().field == "amount" && !m.error().message.empty(), m.error().message);
      continue;
    }
    FUZZ_CHECK(m->cents() >= 0, std::string(text));
    // Strict parsing means one spelling per amount: it prints back exactly as it was written.
    FUZZ_CHECK(m->ToString() == text, m->ToString() + " != " + std::string(text));
    FUZZ_CHECK(m->Dollars() == "$" + m->ToString(), m->Dollars());
    FUZZ_CHECK((-*m).ToString() == (m->IsZero() ? "0.00" : "-" + m->ToString()), (-*m).ToString());
    amounts.push_back(*m);
  }
  for (size_t i = 1; i < amounts.size(); ++i) {
    Money sum;
    FUZZ_CHECK(Money::Add(amounts[i - 1], amounts[i], &sum), "parsed amounts always add");
    FUZZ_CHECK(sum.cents() == amounts[i - 1].cents() + amounts[i].cents(), sum.ToString());
    Money product;
    const int64_t n = static_cast<int64_t>(i) * 1000003;
    const __int128 exact = static_cast<__int128>(amounts[i].cents()) * n;
    const bool fits = exact >= INT64_MIN && exact <= INT64_MAX;
    FUZZ_CHECK(Money::Multiply(amounts[i], n, &product) == fits, amounts[i].ToString());
    if (fits) FUZZ_CHECK(product.cents() == exact, product.ToString());
  }
  if (!amounts.empty()) {
    const std::vector<Money> weights(amounts.begin() + 1, amounts.end());
    CheckSpread(amounts[0], weights);
    CheckSpread(-amounts[0], weights);
  }
  return 0;
}
