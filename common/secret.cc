// SPDX-License-Identifier: BSD-3-Clause
// Wiping and constant-time comparison, both delegated to OpenSSL's audited primitives.
#include "common/secret.h"

#include <openssl/crypto.h>

namespace sshotp {

void secure_wipe(void* p, std::size_t n) noexcept {
  if (p != nullptr && n != 0) OPENSSL_cleanse(p, n);
}

bool ct_equal(std::string_view a, std::string_view b) noexcept {
  // Lengths are public (the format is checked before any comparison); contents are not.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

SecretString::SecretString(SecretString&& other) noexcept : s_(other.s_) { other.wipe(); }

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    wipe();
    s_ = other.s_;
    other.wipe();
  }
  return *this;
}

void SecretString::push_back(char c) {
  // Growing would free the old buffer unwiped, so reserve generously and wipe on reallocation.
  if (s_.size() == s_.capacity()) {
    std::string bigger;
    bigger.reserve(s_.capacity() * 2 + 16);
    bigger.assign(s_);
    wipe();
    s_.swap(bigger);
  }
  s_.push_back(c);
}

void SecretString::wipe() noexcept {
  // Wipe the whole capacity: an earlier, longer value may linger past size().
  secure_wipe(s_.data(), s_.capacity());
  s_.clear();
}

}  // namespace sshotp
