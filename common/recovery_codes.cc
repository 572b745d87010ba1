// SPDX-License-Identifier: BSD-3-Clause
#include "common/recovery_codes.h"

#include <span>

#include "common/crypto.h"
#include "common/typed_code.h"

namespace sshotp {
namespace {

constexpr std::string_view kAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";  // Crockford base32
constexpr std::size_t kSaltBytes = 16;

// A key of its own for recovery codes, so the AES key is never used for anything but AES.
Result<SecureBytes> recovery_key(const SecureBytes& store_key) {
  static constexpr std::string_view kLabel = "pam_sshotp:v1:recovery-code-key";
  return hmac_sha256(store_key, {reinterpret_cast<const std::uint8_t*>(kLabel.data()),
                                 kLabel.size()});
}

Result<SecureBytes> code_mac(const SecureBytes& store_key, std::span<const std::uint8_t> salt,
                             std::string_view user, std::string_view code) {
  auto key = recovery_key(store_key);
  if (!key) return std::move(key).error();
  // salt | user | NUL | code: the NUL keeps ("ab","c") and ("a","bc") apart.
  SecureBytes message(salt.begin(), salt.end());
  message.insert(message.end(), user.begin(), user.end());
  message.push_back(0);
  message.insert(message.end(), code.begin(), code.end());
  return hmac_sha256(*key, message);
}

}  // namespace

Result<std::vector<SecretString>> generate_recovery_codes(unsigned count) {
  std::vector<SecretString> codes;
  for (unsigned i = 0; i < count; ++i) {
    auto random = random_bytes(kRecoveryCodeLength);
    if (!random) return std::move(random).error();
    SecretString code;
    for (std::size_t j = 0; j < kRecoveryCodeLength; ++j) {
      if (j > 0 && j % 4 == 0) code.push_back('-');
      code.push_back(kAlphabet[(*random)[j] & 31]);  // 32 symbols: masking keeps it uniform
    }
    codes.push_back(std::move(code));
  }
  return codes;
}

namespace {

bool is_legacy_scratch_code(std::string_view typed) {
  if (typed.size() != kLegacyScratchCodeLength) return false;
  for (char c : typed) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::optional<SecretString> normalise_recovery_code(std::string_view typed) {
  if (typed.size() > kMaxTypedCode) return std::nullopt;
  if (is_legacy_scratch_code(typed)) return SecretString(typed);
  SecretString out;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == 'o') c = '0';
    if (c == 'i' || c == 'l') c = '1';
    if (kAlphabet.find(c) == std::string_view::npos) return std::nullopt;
    out.push_back(c);
  }
  if (out.size() != kRecoveryCodeLength) return std::nullopt;
  return out;
}

Result<RecoveryCodeHash> hash_recovery_code(const SecureBytes& store_key, std::string_view user,
                                            std::string_view canonical_code) {
  auto salt = random_bytes(kSaltBytes);
  if (!salt) return std::move(salt).error();
  auto mac = code_mac(store_key, *salt, user, canonical_code);
  if (!mac) return std::move(mac).error();
  return RecoveryCodeHash{{salt->begin(), salt->end()}, {mac->begin(), mac->end()}};
}

Result<bool> recovery_code_matches(const SecureBytes& store_key, std::string_view user,
                                   std::string_view canonical_code,
                                   const RecoveryCodeHash& stored) {
  auto mac = code_mac(store_key, stored.salt, user, canonical_code);
  if (!mac) return std::move(mac).error();
  auto as_view = [](const auto& bytes) {
    return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  };
  return ct_equal(as_view(*mac), as_view(stored.mac));
}

}  // namespace sshotp
