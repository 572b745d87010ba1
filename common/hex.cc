// SPDX-License-Identifier: BSD-3-Clause
// Hexadecimal keys (see hex.h).
#include "common/hex.h"

#include <liboath/oath.h>

namespace sshotp {

Result<SecureBytes> hex_decode(std::string_view text) {
  auto bad = [](const char* why) { return make_error(Errc::invalid_argument, why); };
  // liboath stops at NUL, so a NUL would cut the key short without an error: refuse it here.
  SecretString clean;
  for (char c : text) {
    if (c == '\0') return bad("hex key contains a NUL byte");
    if (c != ' ' && c != '\t') clean.push_back(c);
  }
  if (clean.empty()) return bad("hex key is empty");
  if (clean.size() % 2 != 0) return bad("not a valid hex key (an odd number of digits)");
  SecureBytes bytes(clean.size() / 2);
  std::size_t length = bytes.size();
  if (oath_hex2bin(clean.c_str(), reinterpret_cast<char*>(bytes.data()), &length) != OATH_OK ||
      length != bytes.size()) {
    return bad("not a valid hex key");
  }
  return bytes;
}

}  // namespace sshotp
