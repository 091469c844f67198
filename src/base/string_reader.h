// A string handed out in order to a callback that pulls bytes (libcurl's CURLOPT_READFUNCTION):
// each call copies the next bytes, and it never goes back.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>

namespace base {

struct StringReader {
  const std::string* text;
  size_t at = 0;
};

// The callback itself: `reader` is a StringReader*; answers how many bytes it copied (0: done).
inline size_t ReadFromString(char* out, size_t size, size_t n, void* reader) {
  auto* r = static_cast<StringReader*>(reader);
  const size_t count = std::min(size * n, r->text->size() - r->at);
  std::memcpy(out, r->text->data() + r->at, count);
  r->at += count;
  return count;
}

}  // namespace base
