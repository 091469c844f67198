// Text from outside (web stores, Lightspeed, imported files, URLs) made safe to keep, show and
// log: valid UTF-8, cut on character boundaries, control characters visible in log lines.
#pragma once

#include <cstddef>
#include <optional>
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
// The first character of valid UTF-8 `text` that has no place in a name, an e-mail address or
// an address line: a control character (C0, DEL, C1; line feed, carriage return and tab only
// with `allow_newlines`), the Unicode line or paragraph separator, or a bidi override or
// isolate (U+202A–U+202E, U+2066–U+2069), which can make text read differently from what it is.
std::optional<char32_t> FindUnsafeCharacter(std::string_view text, bool allow_newlines = false);
// One log line's worth of `text`: control characters (CR, LF, tab, ESC, DEL, C1) become \r, \n,
// \t, \xNN or \u{NNNN}, a backslash becomes \\, invalid bytes \xNN, and the Unicode line and
// paragraph separators and bidi overrides \u{NNNN}, so outside text cannot start a forged line.
std::string EscapeForLog(std::string_view text);

}  // namespace base
