#include "base/secrets.h"

#include <sodium.h>

#include <cstdlib>
#include <vector>

namespace base {
namespace {

void EnsureSodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();  // no entropy source: nothing safe can be done
}

std::string Hex(const unsigned char* data, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, n);
  out.pop_back();
  return out;
}

}  // namespace

std::string RandomHex(size_t bytes) {
  EnsureSodium();
  std::vector<unsigned char> buf(bytes);
  randombytes_buf(buf.data(), buf.size());
  return Hex(buf.data(), buf.size());
}

std::string Sha256Hex(std::string_view data) {
  EnsureSodium();
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return Hex(out, sizeof out);
}

bool SecretEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace base

namespace base {
namespace {

bool FromHex(std::string_view hex, std::vector<unsigned char>* out) {
  out->assign(hex.size() / 2 + 1, 0);
  size_t len = 0;
  if (sodium_hex2bin(out->data(), out->size(), hex.data(), hex.size(), nullptr, &len, nullptr) != 0)
    return false;
  out->resize(len);
  return len * 2 == hex.size();
}

}  // namespace

bool IsValidKeyHex(std::string_view key_hex) {
  std::vector<unsigned char> key;
  return key_hex.size() == 64 && FromHex(key_hex, &key) && key.size() == 32;
}

Result<std::string> Seal(std::string_view key_hex, std::string_view plaintext) {
  EnsureSodium();
  std::vector<unsigned char> key;
  if (!IsValidKeyHex(key_hex) || !FromHex(key_hex, &key))
    return Invalid("secret_key", "the secret key must be 64 hex characters");
  std::vector<unsigned char> out(crypto_secretbox_xchacha20poly1305_NONCEBYTES +
                                 crypto_secretbox_xchacha20poly1305_MACBYTES + plaintext.size());
  unsigned char* nonce = out.data();
  randombytes_buf(nonce, crypto_secretbox_xchacha20poly1305_NONCEBYTES);
  crypto_secretbox_xchacha20poly1305_easy(nonce + crypto_secretbox_xchacha20poly1305_NONCEBYTES,
                                          reinterpret_cast<const unsigned char*>(plaintext.data()),
                                          plaintext.size(), nonce, key.data());
  return Hex(out.data(), out.size());
}

Result<std::string> Unseal(std::string_view key_hex, std::string_view sealed_hex) {
  EnsureSodium();
  std::vector<unsigned char> key, sealed;
  if (!IsValidKeyHex(key_hex) || !FromHex(key_hex, &key))
    return Invalid("secret_key", "the secret key must be 64 hex characters");
  const size_t overhead =
      crypto_secretbox_xchacha20poly1305_NONCEBYTES + crypto_secretbox_xchacha20poly1305_MACBYTES;
  if (!FromHex(sealed_hex, &sealed) || sealed.size() < overhead)
    return Internal("a stored secret is damaged");
  std::string plain(sealed.size() - overhead, '\0');
  if (crypto_secretbox_xchacha20poly1305_open_easy(
          reinterpret_cast<unsigned char*>(plain.data()),
          sealed.data() + crypto_secretbox_xchacha20poly1305_NONCEBYTES,
          sealed.size() - crypto_secretbox_xchacha20poly1305_NONCEBYTES, sealed.data(),
          key.data()) != 0) {
    Error e = Unauthenticated(
        "a stored secret cannot be opened with this key (was SPOKE_SECRET_KEY changed?)",
        "bad_secret_key");
    e.field = "secret_key";
    return e;
  }
  return plain;
}

}  // namespace base

namespace base {

Result<std::string> HashPassword(std::string_view password) {
  EnsureSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return Internal("out of memory while hashing a password");
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  EnsureSodium();
  const std::string h(hash);
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

}  // namespace base
