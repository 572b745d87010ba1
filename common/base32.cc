// SPDX-License-Identifier: BSD-3-Clause
#include "common/base32.h"

#include <oath.h>

#include <cstdlib>
#include <cstring>
#include <memory>

namespace sshotp {
namespace {

// liboath malloc()s its output; this wipes it before free() since it holds secret material.
struct WipeFree {
  std::size_t len;
  void operator()(char* p) const noexcept {
    secure_wipe(p, len);
    std::free(p);
  }
};

}  // namespace

Result<SecretString> base32_encode(const SecureBytes& bytes) {
  char* out = nullptr;
  std::size_t out_len = 0;
  int rc = oath_base32_encode(reinterpret_cast<const char*>(bytes.data()), bytes.size(), &out,
                              &out_len);
  std::unique_ptr<char, WipeFree> owned(out, WipeFree{out_len});
  if (rc != OATH_OK) return make_error(Errc::crypto, "base32 encoding failed");
  std::string_view text(out, out_len);
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  return SecretString(text);
}

Result<SecureBytes> base32_decode(std::string_view text) {
  // liboath stops at NUL and tolerates spaces; strip '=' ourselves so padded and unpadded keys
  // both decode, and reject anything NUL-bearing outright.
  if (text.find('\0') != std::string_view::npos) {
    return make_error(Errc::invalid_argument, "base32 key contains a NUL byte");
  }
  SecretString clean;
  for (char c : text) {
    if (c != '=' && c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '-') clean.push_back(c);
  }
  if (clean.empty()) return make_error(Errc::invalid_argument, "base32 key is empty");
  char* out = nullptr;
  std::size_t out_len = 0;
  int rc = oath_base32_decode(clean.c_str(), clean.size(), &out, &out_len);
  std::unique_ptr<char, WipeFree> owned(out, WipeFree{out_len});
  if (rc != OATH_OK) return make_error(Errc::invalid_argument, "not a valid base32 key");
  return SecureBytes(out, out + out_len);
}

}  // namespace sshotp
