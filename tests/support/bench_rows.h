// Helpers for the benchmarks' ROW lines (bench/run.sh collects them into bench/README.md).
#pragma once

#include <string>

namespace testing_support {

// 10000 -> "10,000"
inline std::string Grouped(long long n) {
  const std::string s = std::to_string(n < 0 ? -n : n);
  std::string out = n < 0 ? "-" : "";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

}  // namespace testing_support
