// SPDX-License-Identifier: BSD-3-Clause
#include "common/typed_code.h"

#include <algorithm>

namespace sshotp {

// Why the space and nothing else: apps show codes split by a space, so that is what people
// type. The login path has always refused a tab; the CLI used to accept one, so a confirmation
// could succeed with input the module refuses. Refusing it on both paths is the stricter of
// the two rules: it widens no login, and a tab in a PAM reply (pasted or scripted input) is
// more likely a mistake than a code. Over-long input is refused unread.
std::optional<SecretString> normalise_totp_code(std::string_view typed, unsigned digits) {
  if (typed.size() > kMaxTypedCode) return std::nullopt;
  SecretString code;
  for (char c : typed) {
    if (c == ' ') continue;
    if (c < '0' || c > '9') return std::nullopt;
    code.push_back(c);
  }
  if (code.size() != digits) return std::nullopt;
  return code;
}

namespace {

// The shapes a YubiKey slot can be set to type its identifier in (ykpersonalize's
// oath-fixed-modhex1, oath-fixed-modhex2, oath-fixed-modhex, or none of them): the first 2, 4,
// 12 or 0 characters in ModHex, the rest decimal.
bool is_token_id(std::string_view id) {
  const std::size_t modhex = std::min(id.find_first_not_of("cbdefghijklnrtuv"), id.size());
  if (modhex != 0 && modhex != 2 && modhex != 4 && modhex != id.size()) return false;
  return id.substr(modhex).find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

std::optional<SecretString> normalise_hotp_code(std::string_view typed, unsigned digits) {
  if (typed.size() == kTokenIdLength + digits && is_token_id(typed.substr(0, kTokenIdLength))) {
    typed.remove_prefix(kTokenIdLength);
  }
  return normalise_totp_code(typed, digits);
}

}  // namespace sshotp
