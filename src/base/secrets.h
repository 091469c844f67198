// Random tokens and one-way hashes (libsodium behind a tiny interface).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace base {

// `bytes` random bytes as lowercase hex.
std::string RandomHex(size_t bytes);
// SHA-256 as lowercase hex; used to store API tokens and session ids, never the tokens themselves.
std::string Sha256Hex(std::string_view data);
// Constant-time equality for secrets.
bool SecretEquals(std::string_view a, std::string_view b);

}  // namespace base

namespace base {

// Authenticated encryption of small secrets at rest (XChaCha20-Poly1305 via libsodium).
// `key_hex` is 64 hex characters (32 bytes). The sealed form is hex: nonce ‖ ciphertext.
Result<std::string> Seal(std::string_view key_hex, std::string_view plaintext);
Result<std::string> Unseal(std::string_view key_hex, std::string_view sealed_hex);
bool IsValidKeyHex(std::string_view key_hex);

}  // namespace base

namespace base {
// Argon2id password hashes (libsodium's interactive limits).
Result<std::string> HashPassword(std::string_view password);
bool VerifyPassword(std::string_view hash, std::string_view password);
}  // namespace base
