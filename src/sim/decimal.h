// Exact fixed-point decimals for money, rates and bucket units: no double anywhere in the sums.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sim {

// "12", "-3.5", "0.0825" as value x 10^scale. Refuses more than `scale` decimals, exponents,
// empty text and values beyond about 9e18 / 10^scale.
std::optional<int64_t> ParseFixed(std::string_view text, int scale);

// value / 10^scale as text, trailing zeros trimmed down to `min_decimals` ("0.0825", "34.48").
std::string FormatFixed(__int128 value, int scale, int min_decimals);

// num / den rounded half away from zero (den > 0).
__int128 DivRoundHalfAway(__int128 num, __int128 den);

// num / den rounded up (den > 0, num >= 0).
int64_t DivCeil(int64_t num, int64_t den);

}  // namespace sim
