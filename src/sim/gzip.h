// Answer compression as Lightspeed does it: gzip only, and only when the client accepts it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sim {

// Smaller bodies go out as they are: gzip's header and the work would not pay for themselves.
inline constexpr size_t kGzipMinBytes = 1024;

// Whether an Accept-Encoding value allows gzip ("gzip", "x-gzip" or "*", with no q=0).
bool AcceptsGzip(std::string_view accept_encoding);

// `body` as a gzip stream at zlib level 1 (fast: lsr-sim's CPU belongs to the benchmark it
// serves); nullopt if zlib fails.
std::optional<std::string> Gzip(std::string_view body);

}  // namespace sim
