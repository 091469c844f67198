#include "web/site/html.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace web::site {
namespace {

TEST(Html, EscapesEveryCharacterThatCouldOpenMarkupOrCloseAnAttribute) {
  EXPECT_EQ(Escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
  EXPECT_EQ(Escape("Plain text 123"), "Plain text 123");
  EXPECT_EQ(Escape("Crème brûlée"), "Crème brûlée");  // UTF-8 passes through untouched
}

TEST(Html, PageEscapesTitleFlashesAndEmail) {
  Layout l;
  l.title = "<b>";
  l.user_email = "a\"@x";
  l.csrf = "tok";
  l.flashes.push_back({true, "<img src=x>"});
  const std::string page = RenderPage(l, "<p>body</p>");
  EXPECT_EQ(page.find("<b>"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_NE(page.find("&lt;img src=x&gt;"), std::string::npos);
  EXPECT_NE(page.find("a&quot;@x"), std::string::npos);
  EXPECT_NE(page.find("name=\"csrf\" value=\"tok\""), std::string::npos);  // logout form
  EXPECT_NE(page.find("<p>body</p>"), std::string::npos);
  // One script, our own file, deferred; never inline script.
  const size_t script = page.find("<script");
  EXPECT_EQ(page.substr(script, 45), "<script src=\"/site.js\" defer></script></head>");
  EXPECT_EQ(page.find("<script", script + 1), std::string::npos);
}

TEST(Html, UrlEncodeKeepsUnreservedOnly) {
  EXPECT_EQ(UrlEncode("10001"), "10001");
  EXPECT_EQ(UrlEncode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
}

TEST(Html, MoneyAndWaits) {
  EXPECT_EQ(FormatMoney(base::Money::FromCents(89999), "USD"), "$899.99");
  EXPECT_EQ(FormatMoney(base::Money::FromCents(1250), "EUR"), "12.50 EUR");
  EXPECT_EQ(FormatMoney(base::Money::FromCents(273017), "USD"), "$2,730.17");
  EXPECT_EQ(FormatMoney(base::Money::FromCents(-2500), "USD"), "-$25.00");
  EXPECT_EQ(FormatMoney(base::Money::FromCents(100000), "USD"), "$1,000.00");
  EXPECT_EQ(FormatMoney(base::Money::FromCents(99999), "USD"), "$999.99");
  EXPECT_EQ(FormatMoney(base::Money::FromCents(-123456789012), "EUR"), "-1,234,567,890.12 EUR");
  EXPECT_EQ(FormatMoney(base::Money::FromCents(0), "USD"), "$0.00");
  EXPECT_EQ(FormatCount(312), "312");
  EXPECT_EQ(FormatCount(1234567), "1,234,567");
  EXPECT_EQ(FormatCount(-1000), "-1,000");
  EXPECT_EQ(FormatCount(INT64_MIN), "-9,223,372,036,854,775,808");
  EXPECT_EQ(FormatMoney(base::Money::FromCents(INT64_MIN), "USD"), "-$92,233,720,368,547,758.08");
  EXPECT_EQ(FormatWait(0.2), "under a second");
  EXPECT_EQ(FormatWait(12), "12 seconds");
  EXPECT_EQ(FormatWait(600), "about 10 minutes");
}

}  // namespace
}  // namespace web::site
