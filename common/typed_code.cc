// SPDX-License-Identifier: BSD-3-Clause
#include "common/typed_code.h"

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

}  // namespace sshotp
