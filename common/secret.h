// SPDX-License-Identifier: BSD-3-Clause
// Containers for secrets (TOTP keys, typed codes, recovery codes) that wipe their memory when
// they are destroyed or moved from, and a constant-time equality test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sshotp {

// Overwrites memory in a way the compiler cannot optimise away (OPENSSL_cleanse).
void secure_wipe(void* p, std::size_t n) noexcept;

// Equality in time that depends only on the lengths, never on where the inputs differ.
bool ct_equal(std::string_view a, std::string_view b) noexcept;

// Allocator whose deallocate() wipes the block first (Tink's SanitizingAllocator).
template <typename T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() noexcept = default;
  template <typename U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}  // NOLINT: allocator rebind
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    secure_wipe(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <typename U>
  bool operator==(const WipingAllocator<U>&) const noexcept {
    return true;
  }
};

// Raw secret bytes (TOTP keys, AES keys, decrypted blobs). Always heap-allocated, so the
// allocator sees every byte.
using SecureBytes = std::vector<std::uint8_t, WipingAllocator<std::uint8_t>>;

// A secret string. std::string keeps short strings inline (SSO), where no allocator would ever
// see them, so this type wipes its own buffer on destruction, move and clear.
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string_view s) : s_(s) {}
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  SecretString(SecretString&& other) noexcept;
  SecretString& operator=(SecretString&& other) noexcept;
  ~SecretString() { wipe(); }

  std::string_view view() const noexcept { return s_; }
  const char* c_str() const noexcept { return s_.c_str(); }
  std::size_t size() const noexcept { return s_.size(); }
  bool empty() const noexcept { return s_.empty(); }
  void push_back(char c);
  void wipe() noexcept;

 private:
  std::string s_;
};

}  // namespace sshotp
