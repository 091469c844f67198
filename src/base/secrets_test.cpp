#include "base/secrets.h"

#include <gtest/gtest.h>

namespace base {
namespace {

TEST(Secrets, SealRoundTripsAndHidesThePlaintext) {
  const std::string key = RandomHex(32);
  auto sealed = Seal(key, "refresh-token-123");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find("refresh"), std::string::npos);
  EXPECT_NE(*sealed, *Seal(key, "refresh-token-123")) << "a fresh nonce each time";
  EXPECT_EQ(*Unseal(key, *sealed), "refresh-token-123");
}

TEST(Secrets, WrongKeyOrDamageIsRefused) {
  auto sealed = Seal(RandomHex(32), "x");
  EXPECT_FALSE(Unseal(RandomHex(32), *sealed).ok());
  std::string damaged = *sealed;
  damaged.back() = damaged.back() == '0' ? '1' : '0';
  EXPECT_FALSE(Unseal(RandomHex(32), damaged).ok());
  EXPECT_FALSE(Seal("short", "x").ok());
}

TEST(Secrets, HashesAreStable) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(SecretEquals("abc", "abc"));
  EXPECT_FALSE(SecretEquals("abc", "abd"));
}

}  // namespace
}  // namespace base

namespace base {
namespace {
TEST(Secrets, PasswordsAreArgon2id) {
  auto h = HashPassword("correct horse");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword(*h, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*h, "wrong horse"));
}
}  // namespace
}  // namespace base
