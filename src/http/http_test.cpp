// Router, decoding and the message types, without a server.
#include "http/http.h"

#include <gtest/gtest.h>

#include "http/request_target.h"

namespace http {
namespace {

Router TestRouter() {
  Router r;
  r.Get("/orders/([0-9]+)", [](const Request& req, Response& res) {
    res.SetContent("order " + req.matches[1], "text/plain");
  });
  r.Post("/orders/([0-9]+)", [](const Request&, Response& res) { res.status = 201; });
  r.Delete("/orders/([0-9]+)", [](const Request&, Response& res) { res.status = 204; });
  r.Get("/a b", [](const Request&, Response& res) { res.body = "spaced"; });
  return r;
}

TEST(RouterTest, MatchesWholePathAndFillsGroups) {
  Router r = TestRouter();
  Request req;
  req.method = "GET";
  req.path = "/orders/42";
  Response res;
  EXPECT_EQ(r.Dispatch(req, res), Router::Match::kFound);
  EXPECT_EQ(res.body, "order 42");
  ASSERT_EQ(req.matches.size(), 2u);
  EXPECT_EQ(req.matches[0], "/orders/42");
  EXPECT_EQ(req.matches[1], "42");
}

TEST(RouterTest, UnknownPathIs404AndLeavesResponseAlone) {
  Router r = TestRouter();
  Request req;
  req.method = "GET";
  req.path = "/orders/42/extra";  // the pattern must match the whole path
  Response res;
  std::string allow = "untouched";
  EXPECT_EQ(r.Dispatch(req, res, &allow), Router::Match::kNoPath);
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(res.body.empty());
  EXPECT_EQ(allow, "untouched");
}

TEST(RouterTest, KnownPathWithOtherMethodIs405WithAllow) {
  Router r = TestRouter();
  Request req;
  req.method = "PUT";
  req.path = "/orders/7";
  Response res;
  std::string allow;
  EXPECT_EQ(r.Dispatch(req, res, &allow), Router::Match::kWrongMethod);
  EXPECT_EQ(allow, "GET, POST, DELETE");
  EXPECT_TRUE(req.matches.empty());
}

TEST(RouterTest, HeadIsServedByGet) {
  Router r = TestRouter();
  Request req;
  req.method = "HEAD";
  req.path = "/orders/9";
  Response res;
  EXPECT_EQ(r.Dispatch(req, res), Router::Match::kFound);
  EXPECT_EQ(res.body, "order 9");
}

TEST(RouterTest, MatchesTheDecodedPath) {
  Router r = TestRouter();
  Request req;
  req.method = "GET";
  detail::ApplyTarget("/a%20b", req);
  Response res;
  EXPECT_EQ(r.Dispatch(req, res), Router::Match::kFound);
  EXPECT_EQ(res.body, "spaced");
}

TEST(PercentDecodeTest, DecodesEscapesAndKeepsInvalidOnes) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc", false), "a b/c");
  EXPECT_EQ(PercentDecode("%e2%82%ac", false), "\xe2\x82\xac");
  EXPECT_EQ(PercentDecode("100%", false), "100%");
  EXPECT_EQ(PercentDecode("%zz%4", false), "%zz%4");
  EXPECT_EQ(PercentDecode("%00", false), std::string(1, '\0'));
}

TEST(PercentDecodeTest, PlusIsASpaceOnlyInForms) {
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a%2Bb", true), "a+b");
}

TEST(ParseUrlEncodedTest, SplitsPairsAndDecodes) {
  std::multimap<std::string, std::string> out;
  ParseUrlEncoded("a=1&b=x%20y&c=p+q&&flag&a=2&=empty", out);
  EXPECT_EQ(out.count("a"), 2u);
  auto [lo, hi] = out.equal_range("a");
  EXPECT_EQ(lo->second, "1");
  EXPECT_EQ(std::next(lo)->second, "2");
  EXPECT_EQ(out.find("b")->second, "x y");
  EXPECT_EQ(out.find("c")->second, "p q");
  EXPECT_EQ(out.find("flag")->second, "");
  EXPECT_EQ(out.find("")->second, "empty");
  EXPECT_EQ(out.size(), 6u);
}

TEST(ParseUrlEncodedTest, AppendsToWhatIsThere) {
  std::multimap<std::string, std::string> out{{"q", "0"}};
  ParseUrlEncoded("q=1", out);
  EXPECT_EQ(out.count("q"), 2u);
}

TEST(RequestTest, HeaderLookupIgnoresCase) {
  Request req;
  req.headers = {{"Content-Type", "text/html"}, {"X-Twice", "1"}, {"x-twice", "2"}};
  EXPECT_EQ(req.Header("content-type"), "text/html");
  EXPECT_EQ(req.Header("CONTENT-TYPE"), "text/html");
  EXPECT_TRUE(req.HasHeader("content-TYPE"));
  EXPECT_EQ(req.Header("X-TWICE"), "1");  // the first one
  EXPECT_FALSE(req.HasHeader("Content-Length"));
  EXPECT_EQ(req.Header("Content-Length"), "");
}

TEST(RequestTest, ParamsComeFromTheQuery) {
  Request req;
  detail::ApplyTarget("/search?q=a+b&tag=x&tag=y#frag", req);
  EXPECT_EQ(req.path, "/search");
  EXPECT_EQ(req.Param("q"), "a b");
  EXPECT_EQ(req.Params("tag"), (std::vector<std::string>{"x", "y"}));
  EXPECT_FALSE(req.HasParam("frag"));
}

TEST(RequestTest, PathKeepsPlusAndDecodesEscapes) {
  Request req;
  detail::ApplyTarget("/a+b/%41?x=%41", req);
  EXPECT_EQ(req.path, "/a+b/A");
  EXPECT_EQ(req.Param("x"), "A");
}

TEST(RequestTest, AbsoluteFormTargetUsesItsPath) {
  Request req;
  detail::ApplyTarget("http://example.com/p?x=1", req);
  EXPECT_EQ(req.path, "/p");
  EXPECT_EQ(req.Param("x"), "1");
  Request bare;
  detail::ApplyTarget("HTTPS://example.com", bare);
  EXPECT_EQ(bare.path, "/");
}

TEST(RequestTest, FormContentTypeIsRecognised) {
  EXPECT_TRUE(detail::IsUrlEncodedForm("application/x-www-form-urlencoded"));
  EXPECT_TRUE(detail::IsUrlEncodedForm("Application/X-WWW-Form-Urlencoded; charset=utf-8"));
  EXPECT_FALSE(detail::IsUrlEncodedForm("application/x-www-form-urlencodedx"));
  EXPECT_FALSE(detail::IsUrlEncodedForm("multipart/form-data"));
}

TEST(ResponseTest, SetHeaderReplacesAddHeaderAppends) {
  Response res;
  res.AddHeader("Set-Cookie", "a=1");
  res.AddHeader("Set-Cookie", "b=2");
  EXPECT_EQ(res.headers.size(), 2u);
  res.SetHeader("set-cookie", "c=3");
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.Header("SET-COOKIE"), "c=3");
}

TEST(StatusTextTest, KnownAndUnknown) {
  EXPECT_STREQ(StatusText(431), "Request Header Fields Too Large");
  EXPECT_STREQ(StatusText(299), "Unknown");
}

}  // namespace
}  // namespace http
