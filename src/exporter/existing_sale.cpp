#include "exporter/existing_sale.h"

#include "exporter/order_export.h"

namespace exporter {

std::optional<base::Money> ParseLightspeedAmount(const std::string& text) {
  size_t i = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++i;
  int64_t cents = 0;
  int whole_digits = 0, decimals = 0;
  bool point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && !point) {
      point = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    if (!point) {
      if (++whole_digits > 15) return std::nullopt;
      cents = cents * 10 + (c - '0');
    } else if (++decimals <= 2) {
      cents = cents * 10 + (c - '0');
    } else if (c != '0') {
      return std::nullopt;  // finer than a cent: not an amount spoke could have sent
    }
  }
  if (whole_digits == 0 || (point && decimals == 0)) return std::nullopt;
  for (int d = decimals; d < 2; ++d) cents *= 10;
  return base::Money::FromCents(negative ? -cents : cents);
}

ExistingSales DecideExistingSales(const std::vector<lightspeed::Sale>& sales,
                                  std::optional<base::Money> expected_total) {
  ExistingSales out;
  std::string adopt, complete, other_total;
  std::string other_id;
  for (const lightspeed::Sale& sale : sales) {
    if (sale.voided || sale.archived) continue;
    const std::optional<base::Money> total = ParseLightspeedAmount(sale.total);
    const bool matches = expected_total && total && *total == *expected_total;
    if (sale.completed) {
      if (matches) {
        if (adopt.empty() || IdLess(sale.id, adopt)) adopt = sale.id;
      } else if (other_id.empty() || IdLess(sale.id, other_id)) {
        other_id = sale.id;
        other_total = total ? total->Dollars() : sale.total;
      }
      continue;
    }
    const std::optional<base::Money> balance = ParseLightspeedAmount(sale.balance);
    if (matches && balance && balance->IsZero() && (complete.empty() || IdLess(sale.id, complete)))
      complete = sale.id;
    out.archive.push_back(sale.id);
  }
  if (!adopt.empty()) {
    out.action = ExistingSales::Action::kAdopt;
    out.sale_id = adopt;
  } else if (!other_id.empty()) {
    out.action = ExistingSales::Action::kStop;
    out.reason = "Lightspeed already has sale " + other_id +
                 " for this order, completed with a total of " + other_total +
                 ", but this order's sale " +
                 (expected_total ? "would total " + expected_total->Dollars()
                                 : "cannot be checked against it") +
                 ". Compare them in Lightspeed; spoke will not send a second sale";
    out.archive.clear();  // leave everything as it is for the merchant to look at
  } else if (!complete.empty()) {
    out.action = ExistingSales::Action::kCompleteAndAdopt;
    out.sale_id = complete;
    std::erase(out.archive, complete);
  }
  return out;
}

}  // namespace exporter
