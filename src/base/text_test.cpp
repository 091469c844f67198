#include "base/text.h"

#include <gtest/gtest.h>

namespace base {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Text, ValidUtf8IsKeptAsIs) {
  for (const char* ok : {"", "plain", "caf\xC3\xA9", "\xE2\x82\xAC 5", "\xF0\x9F\x9A\xB2 bike"}) {
    EXPECT_TRUE(IsValidUtf8(ok)) << ok;
    EXPECT_EQ(ValidUtf8(ok), ok);
  }
}

TEST(Text, InvalidSequencesBecomeReplacementCharacters) {
  EXPECT_FALSE(IsValidUtf8("caf\xE9"));
  EXPECT_EQ(ValidUtf8("caf\xE9 closed"), "caf" + kFffd + " closed");
  EXPECT_EQ(ValidUtf8("\xC0\xAF"), kFffd + kFffd);                          // overlong "/"
  EXPECT_EQ(ValidUtf8("\xED\xA0\x80"), kFffd + kFffd + kFffd);              // a lone surrogate
  EXPECT_EQ(ValidUtf8("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // past U+10FFFF
  EXPECT_EQ(ValidUtf8("ab\xE2\x82"), "ab" + kFffd + kFffd);                 // cut short at the end
  EXPECT_TRUE(IsValidUtf8(ValidUtf8("\x80\xFF{\"error\"")));
}

// M2: a message cut at 200 bytes inside a character made every answer that carried it fail.
TEST(HostileInput, M2CutNeverSplitsACharacter) {
  const std::string body = std::string(199, 'a') + "\xC3\xA9 more";
  EXPECT_EQ(CutUtf8(body, 200), std::string(199, 'a'));
  EXPECT_EQ(CutUtf8(body, 201), std::string(199, 'a') + "\xC3\xA9");
  EXPECT_EQ(CutUtf8("\xF0\x9F\x9A\xB2", 3), "");
  EXPECT_EQ(CutUtf8("short", 200), "short");
  // Invalid bytes are replaced first, and the replacement is never split either.
  EXPECT_EQ(CutUtf8("ab\xFF", 4), "ab");
  EXPECT_EQ(CutUtf8("ab\xFF", 5), "ab" + kFffd);
  for (size_t n = 0; n < 12; ++n) EXPECT_TRUE(IsValidUtf8(CutUtf8("\xC3\xA9\xE2\x82\xAC\xFFz", n)));
}

TEST(Text, CountsCodePointsNotBytes) {
  EXPECT_EQ(CountCodePoints(""), 0u);
  EXPECT_EQ(CountCodePoints("caf\xC3\xA9"), 4u);
  EXPECT_EQ(CountCodePoints("\xF0\x9F\x9A\xB2\xE2\x82\xAC"), 2u);
  EXPECT_EQ(CountCodePoints("a\xFF"), 2u);
}

TEST(Text, FindsCharactersThatHaveNoPlaceInANameOrAddress) {
  EXPECT_EQ(FindUnsafeCharacter("Ann Lee, caf\xC3\xA9 \xE2\x82\xAC"), std::nullopt);
  EXPECT_EQ(FindUnsafeCharacter(std::string("a\0b", 3)), U'\0');
  EXPECT_EQ(FindUnsafeCharacter("line\nbreak"), U'\n');
  EXPECT_EQ(FindUnsafeCharacter("line\nbreak", true), std::nullopt);
  EXPECT_EQ(FindUnsafeCharacter("esc\x1B[2J", true), U'\x1B');
  EXPECT_EQ(FindUnsafeCharacter("del\x7F"), U'\x7F');
  EXPECT_EQ(FindUnsafeCharacter("c1\xC2\x9B"), U'\x9B');
  EXPECT_EQ(FindUnsafeCharacter("gpj.\xE2\x80\xAE"
                                "exe"),
            U'\x202E');
  EXPECT_EQ(FindUnsafeCharacter("\xE2\x81\xA6x"), U'\x2066');
  EXPECT_EQ(FindUnsafeCharacter("\xE2\x80\xA9"), U'\x2029');
}

// M7: a %0A in a URL path wrote a second, forged line into the log.
TEST(HostileInput, M7LogTextCannotStartANewLine) {
  EXPECT_EQ(EscapeForLog("/orders\n[info] admin logged in"), "/orders\\n[info] admin logged in");
  EXPECT_EQ(EscapeForLog("a\rb\tc"), "a\\rb\\tc");
  EXPECT_EQ(EscapeForLog("\x1B[31mred"), "\\x1B[31mred");
  EXPECT_EQ(EscapeForLog(std::string("nul\0del\x7F", 8)), "nul\\x00del\\x7F");
  EXPECT_EQ(EscapeForLog("back\\slash"), "back\\\\slash");
  EXPECT_EQ(EscapeForLog("bad\xFF"), "bad\\xFF");
  EXPECT_EQ(EscapeForLog("\xE2\x80\xA8"), "\\u{2028}");  // line separator
  EXPECT_EQ(EscapeForLog("\xE2\x80\xAE"
                         "evil"),
            "\\u{202E}evil");                        // right-to-left override
  EXPECT_EQ(EscapeForLog("\xC2\x85"), "\\u{0085}");  // next line (C1)
  EXPECT_EQ(EscapeForLog("caf\xC3\xA9 \xE2\x82\xAC"), "caf\xC3\xA9 \xE2\x82\xAC");
}

}  // namespace
}  // namespace base
