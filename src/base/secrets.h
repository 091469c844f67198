// Random tokens and one-way hashes (libsodium behind a tiny interface).
#pragma once

#include <string>
#include <string_view>

namespace base {

// `bytes` random bytes as lowercase hex.
std::string RandomHex(size_t bytes);
// SHA-256 as lowercase hex; used to store API tokens and session ids, never the tokens themselves.
std::string Sha256Hex(std::string_view data);
// Constant-time equality for secrets.
bool SecretEquals(std::string_view a, std::string_view b);

}  // namespace base
