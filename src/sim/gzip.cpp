#include "sim/gzip.h"

#include <zlib.h>

#include <cctype>
#include <cstdlib>

#include "sim/json_util.h"

namespace sim {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// q=0 (or 0.0, 0.000) refuses a coding; anything else accepts it (RFC 9110 §12.4.2).
bool QualityIsZero(std::string_view params) {
  while (!params.empty()) {
    const size_t semi = params.find(';');
    std::string_view p = Trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (p.size() < 2 || std::tolower(static_cast<unsigned char>(p[0])) != 'q' || p[1] != '=')
      continue;
    const std::string q(Trim(p.substr(2)));
    return std::strtod(q.c_str(), nullptr) <= 0;
  }
  return false;
}

}  // namespace

bool AcceptsGzip(std::string_view value) {
  bool gzip = false, gzip_named = false, star = false;
  while (!value.empty()) {
    const size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    const size_t semi = item.find(';');
    const std::string_view coding = Trim(item.substr(0, semi));
    const bool allowed =
        !QualityIsZero(semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1));
    if (EqualsIgnoreCase(coding, "gzip") || EqualsIgnoreCase(coding, "x-gzip")) {
      gzip_named = true;
      gzip = allowed;
    } else if (coding == "*") {
      star = allowed;
    }
  }
  return gzip_named ? gzip : star;
}

std::optional<std::string> Gzip(std::string_view body) {
  if (body.size() > (1u << 30))
    return std::nullopt;  // zlib counts in 32 bits; no answer is this big
  // One compressor per thread, reset for each answer: setting one up allocates and clears about
  // 270 KiB, several times the work of compressing a typical answer.
  struct Deflater {
    Deflater() {
      // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
      ok = deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    }
    ~Deflater() {
      if (ok) deflateEnd(&z);
    }
    z_stream z{};
    bool ok = false;
  };
  thread_local Deflater d;
  if (!d.ok || deflateReset(&d.z) != Z_OK) return std::nullopt;
  z_stream& z = d.z;
  std::string out(deflateBound(&z, static_cast<uLong>(body.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  const size_t written = z.total_out;
  if (rc != Z_STREAM_END) return std::nullopt;
  out.resize(written);
  return out;
}

}  // namespace sim
