// SPDX-License-Identifier: BSD-3-Clause
// Secrets at rest: random bytes from OpenSSL's private DRBG, the store's AES-256 key file, and
// AES-256-GCM sealing of TOTP secrets. A copy of the database without the key file reveals
// nothing, and the AAD ties each sealed secret to its user so rows cannot be swapped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/secret.h"

namespace sshotp {

inline constexpr std::size_t kKeyBytes = 32;

// Bytes from RAND_priv_bytes (the DRBG OpenSSL reserves for long-term secrets).
Result<SecureBytes> random_bytes(std::size_t n);

// Reads the key file: exactly kKeyBytes raw bytes, root-owned (or ours), mode 0600, no symlink.
Result<SecureBytes> load_key_file(const std::string& path);

// The CLI's variant: creates the key file (O_EXCL, 0600) if it does not exist yet.
Result<SecureBytes> load_or_create_key_file(const std::string& path);

using SealedBlob = std::vector<std::uint8_t>;

// AES-256-GCM with a fresh 96-bit IV. Layout: version(1) | iv(12) | ciphertext | tag(16).
Result<SealedBlob> seal(const SecureBytes& key, const SecureBytes& plaintext,
                        std::string_view aad);

// Fails (Errc::crypto) on a wrong key, a wrong AAD, or any flipped bit.
Result<SecureBytes> unseal(const SecureBytes& key, const SealedBlob& blob, std::string_view aad);

// HMAC-SHA256 of `data` under `key` (32 bytes), for keys derived from the store key and MACs
// under them; the AES key itself is only ever used for AES.
inline constexpr std::size_t kMacBytes = 32;
Result<SecureBytes> hmac_sha256(const SecureBytes& key, std::span<const std::uint8_t> data);

// The AAD binding a user's TOTP secret to that user.
std::string secret_aad(std::string_view user);

}  // namespace sshotp
