#include "base/text.h"

#include <cstdint>

namespace base {
namespace {

constexpr char32_t kInvalid = 0xFFFFFFFF;

// Decodes one code point at `text[*pos]` and moves past it; an invalid sequence yields
// kInvalid and moves past one byte only, so what follows is read again.
char32_t Next(std::string_view text, size_t* pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char b0 = byte(*pos);
  if (b0 < 0x80) {
    ++*pos;
    return b0;
  }
  size_t len;
  char32_t cp;
  char32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    ++*pos;
    return kInvalid;
  }
  if (*pos + len > text.size()) {
    ++*pos;
    return kInvalid;
  }
  for (size_t i = 1; i < len; ++i) {
    const unsigned char b = byte(*pos + i);
    if ((b & 0xC0) != 0x80) {
      ++*pos;
      return kInvalid;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*pos;
    return kInvalid;
  }
  *pos += len;
  return cp;
}

void Hex(std::string* out, uint32_t v, int digits) {
  static const char kDigits[] = "0123456789ABCDEF";
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
    out->push_back(kDigits[(v >> shift) & 0xF]);
}

bool IsBidiControl(char32_t cp) {
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

bool IsLineSeparator(char32_t cp) { return cp == 0x2028 || cp == 0x2029; }

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (size_t pos = 0; pos < text.size();)
    if (Next(text, &pos) == kInvalid) return false;
  return true;
}

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const size_t start = pos;
    if (Next(text, &pos) == kInvalid)
      out += "\xEF\xBF\xBD";
    else
      out.append(text.substr(start, pos - start));
  }
  return out;
}

std::string CutUtf8(std::string_view text, size_t max_bytes) {
  std::string valid = ValidUtf8(text);
  if (valid.size() <= max_bytes) return valid;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(valid[cut]) & 0xC0) == 0x80) --cut;
  valid.resize(cut);
  return valid;
}

size_t CountCodePoints(std::string_view text) {
  size_t n = 0;
  for (size_t pos = 0; pos < text.size(); ++n) Next(text, &pos);
  return n;
}

std::optional<char32_t> FindUnsafeCharacter(std::string_view text, bool allow_newlines) {
  for (size_t pos = 0; pos < text.size();) {
    const char32_t cp = Next(text, &pos);
    if (cp == kInvalid) continue;  // the caller checks validity on its own
    if (allow_newlines && (cp == '\n' || cp == '\r' || cp == '\t')) continue;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || IsLineSeparator(cp) || IsBidiControl(cp))
      return cp;
  }
  return std::nullopt;
}

std::string EscapeForLog(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const size_t start = pos;
    const char32_t cp = Next(text, &pos);
    if (cp == kInvalid) {
      out += "\\x";
      Hex(&out, static_cast<unsigned char>(text[start]), 2);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\\') {
      out += "\\\\";
    } else if (cp < 0x20 || cp == 0x7F) {
      out += "\\x";
      Hex(&out, cp, 2);
    } else if ((cp >= 0x80 && cp <= 0x9F) || IsLineSeparator(cp) || IsBidiControl(cp)) {
      out += "\\u{";
      Hex(&out, cp, 4);
      out += "}";
    } else {
      out.append(text.substr(start, pos - start));
    }
  }
  return out;
}

}  // namespace base
