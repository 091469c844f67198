// Shared by the fuzz targets: a check that stops the run, so libFuzzer keeps the input as a
// crash (and the replay test fails), and a way to cut one input into a header line and a body.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

namespace fuzz {

[[noreturn]] inline void Fail(const char* check, const char* file, int line,
                              const std::string& detail) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n  %s\n", file, line, check, detail.c_str());
  std::abort();
}

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The first line (without a trailing '\r') and everything after its '\n'.
inline std::pair<std::string, std::string> SplitFirstLine(std::string_view in) {
  const size_t nl = in.find('\n');
  std::string first(in.substr(0, nl));
  if (!first.empty() && first.back() == '\r') first.pop_back();
  return {first, nl == std::string_view::npos ? std::string() : std::string(in.substr(nl + 1))};
}

// The first word of a line and the rest after one space.
inline std::pair<std::string, std::string> SplitWord(const std::string& line) {
  const size_t sp = line.find(' ');
  if (sp == std::string::npos) return {line, ""};
  return {line.substr(0, sp), line.substr(sp + 1)};
}

}  // namespace fuzz

// Like assert, but always on, with what was seen: `detail` is any std::string expression.
#define FUZZ_CHECK(cond, detail)                                \
  do {                                                          \
    if (!(cond)) fuzz::Fail(#cond, __FILE__, __LINE__, detail); \
  } while (0)
