// Text from outside (web stores, Lightspeed, imported files, URLs) made safe to keep, show and
// log: valid UTF-8, cut on character boundaries, control characters visible in log lines.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace base {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view text);
// `text` with every invalid sequence replaced by U+FFFD; valid text comes back unchanged.
std::string ValidUtf8(std::string_view text);
// Valid UTF-8 of at most `max_bytes` bytes: ValidUtf8(text) cut before the first character that
// would not fit whole, so a character is never split.
std::string CutUtf8(std::string_view text, size_t max_bytes);
// How many code points `text` holds (each invalid byte counts as one).
size_t CountCodePoints(std::string_view text);
// One log line's worth of `text`: control characters (CR, LF, tab, ESC, DEL, C1) become \r, \n,
// \t, \xNN or \u{NNNN}, a backslash becomes \\, invalid bytes \xNN, and the Unicode line and
// paragraph separators and bidi overrides \u{NNNN}, so outside text cannot start a forged line.
std::string EscapeForLog(std::string_view text);

}  // namespace base
