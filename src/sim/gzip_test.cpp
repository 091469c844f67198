// gzip answers: what Accept-Encoding allows gzip, the stream inflates to the body, and lsr-sim
// compresses only large answers to clients that accept gzip.
#include "sim/gzip.h"

#include <zlib.h>

#include "sim/sim_test_util.h"

namespace sim::testing {
namespace {

std::string Gunzip(const std::string& packed) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return "<inflateInit2 failed>";
  std::string out;
  char buf[4096];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  z.avail_in = static_cast<uInt>(packed.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : "<inflate failed>";
}

TEST(GzipUnit, RoundTripsThroughInflate) {
  std::string body;
  for (int i = 0; i < 2000; ++i) body += R"({"itemID":")" + std::to_string(i) + R"(","qoh":"3"},)";
  const auto packed = Gzip(body);
  ASSERT_TRUE(packed);
  EXPECT_LT(packed->size(), body.size() / 4);
  EXPECT_EQ(Gunzip(*packed), body);
  const auto empty = Gzip("");
  ASSERT_TRUE(empty);
  EXPECT_EQ(Gunzip(*empty), "");
}

TEST(GzipUnit, AcceptEncodingThatAllowsGzip) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("br, gzip, deflate"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("br"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.000, br"));
  EXPECT_FALSE(AcceptsGzip("*, gzip;q=0"));  // named beats the wildcard
  EXPECT_FALSE(AcceptsGzip("gzipx"));
}

class Compression : public SimTest {
 protected:
  // The raw answer: httplib would otherwise inflate it and ask for brotli too.
  httplib::Result Get(const std::string& rest, const std::string& accept_encoding) {
    httplib::Client raw("127.0.0.1", port_);
    raw.set_decompress(false);
    httplib::Headers h = {{"Authorization", "Bearer " + token_}};
    if (!accept_encoding.empty()) h.emplace("Accept-Encoding", accept_encoding);
    return raw.Get(("/API/V3/Account/" + account_ + "/" + rest).c_str(), h);
  }
};

TEST_F(Compression, GzipOnlyForClientsThatAcceptItAndLargeAnswers) {
  auto plain = Get("Item.json", "identity");
  ASSERT_TRUE(plain);
  ASSERT_EQ(plain->status, 200);
  ASSERT_GE(plain->body.size(), kGzipMinBytes);  // the demo catalog
  EXPECT_FALSE(plain->has_header("Content-Encoding"));
  EXPECT_EQ(plain->get_header_value("Vary"), "Accept-Encoding");
  EXPECT_FALSE(Json::parse(plain->body, nullptr, false).is_discarded());

  auto none = Get("Item.json", "");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_header("Content-Encoding"));
  EXPECT_EQ(none->body, plain->body);

  auto brotli = Get("Item.json", "br");  // Lightspeed answers gzip, never brotli
  ASSERT_TRUE(brotli);
  EXPECT_FALSE(brotli->has_header("Content-Encoding"));

  auto packed = Get("Item.json", "br, gzip, deflate");
  ASSERT_TRUE(packed);
  ASSERT_EQ(packed->status, 200);
  EXPECT_EQ(packed->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(packed->get_header_value("Vary"), "Accept-Encoding");
  EXPECT_LT(packed->body.size(), plain->body.size());
  EXPECT_EQ(Gunzip(packed->body), plain->body);

  auto small = Get("Item/11.json", "gzip");  // below kGzipMinBytes: as it is
  ASSERT_TRUE(small);
  ASSERT_EQ(small->status, 200);
  ASSERT_LT(small->body.size(), kGzipMinBytes);
  EXPECT_FALSE(small->has_header("Content-Encoding"));
}

}  // namespace
}  // namespace sim::testing
