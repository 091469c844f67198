#include "sim/decimal.h"

#include <algorithm>

namespace sim {

std::optional<int64_t> ParseFixed(std::string_view s, int scale) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  __int128 v = 0;
  int decimals = -1;  // -1: before the point
  bool digits = false;
  for (char c : s) {
    if (c == '.') {
      if (decimals >= 0) return std::nullopt;
      decimals = 0;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    digits = true;
    if (decimals >= 0) {
      if (++decimals > scale) {
        if (c != '0') return std::nullopt;  // "10.500" is fine at scale 2, "10.505" is not
        continue;
      }
    }
    v = v * 10 + (c - '0');
    if (v > (static_cast<__int128>(1) << 62)) return std::nullopt;
  }
  if (!digits) return std::nullopt;
  for (int d = std::max(decimals, 0); d < scale; ++d) v *= 10;
  if (v > (static_cast<__int128>(1) << 62)) return std::nullopt;
  return static_cast<int64_t>(neg ? -v : v);
}

std::string FormatFixed(__int128 value, int scale, int min_decimals) {
  const bool neg = value < 0;
  unsigned __int128 a = neg ? -static_cast<unsigned __int128>(value) : value;
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(a % 10)));
    a /= 10;
  } while (a > 0);
  while (static_cast<int>(digits.size()) <= scale) digits.push_back('0');
  std::reverse(digits.begin(), digits.end());
  std::string whole = digits.substr(0, digits.size() - scale);
  std::string frac = digits.substr(digits.size() - scale);
  while (static_cast<int>(frac.size()) > min_decimals && frac.back() == '0') frac.pop_back();
  std::string out = neg && (whole != "0" || frac.find_first_not_of('0') != std::string::npos)
                        ? "-" + whole
                        : whole;
  if (!frac.empty()) out += "." + frac;
  return out;
}

__int128 DivRoundHalfAway(__int128 num, __int128 den) {
  const bool neg = num < 0;
  const __int128 a = neg ? -num : num;
  const __int128 q = (a * 2 + den) / (den * 2);
  return neg ? -q : q;
}

int64_t DivCeil(int64_t num, int64_t den) { return (num + den - 1) / den; }

}  // namespace sim
