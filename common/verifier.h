// SPDX-License-Identifier: BSD-3-Clause
// The login use case, independent of PAM: given a user and what they typed, decide and record
// the decision in one store transaction (check and consume together, so a code is accepted at
// most once even when logins race).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"
#include "common/secret.h"
#include "common/store.h"

namespace sshotp {

enum class Outcome {
  accepted,      // the code matched a step newer than any used before; the use is committed
  wrong_code,    // well-formed, but no step in the window matched
  replayed,      // matched a step at or before the last accepted one
  not_enrolled,  // the user has no enrollment (the caller prompted anyway)
  bad_input,     // not a code at all (length, characters); refused before any crypto
};

// The stable spelling used in audit lines: "ok", "wrong", "replay", "not-enrolled", "bad-input".
const char* outcome_reason(Outcome outcome) noexcept;

// Longest input looked at; PAM replies are capped at 512 bytes, codes are 6 or 8 digits.
inline constexpr std::size_t kMaxTypedCode = 64;

struct VerifyRequest {
  std::string_view user;
  std::string_view typed;  // as typed; spaces are ignored ("123 456")
  std::int64_t now;
  unsigned window;
};

// Errors are store or crypto failures: the caller must refuse (fail closed).
Result<Outcome> verify_and_consume(Store& store, const SecureBytes& key,
                                   const VerifyRequest& request);

}  // namespace sshotp
