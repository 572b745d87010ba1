// SPDX-License-Identifier: BSD-3-Clause
// The login use case, independent of PAM: given a user and what they typed (a TOTP code, a
// hardware token's HOTP code or a recovery code), decide and record the decision in one write
// transaction. Check and consume happen together, so a code is accepted at most once even when
// logins race; failures are counted in the same transaction, so throttling holds across
// connections.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/hotp.h"  // kDefaultHotpWindow
#include "common/lockout.h"
#include "common/result.h"
#include "common/secret.h"
#include "common/store.h"
#include "common/typed_code.h"  // kMaxTypedCode: longer input is refused unread

namespace sshotp {

enum class Outcome {
  accepted,      // the code was valid and unused; its use is committed
  wrong_code,    // well-formed, but it matched nothing
  replayed,      // a code of a step (TOTP) or counter (HOTP) at or before the last accepted one
  not_enrolled,  // the user has no enrollment (the caller prompted anyway)
  bad_input,     // neither a TOTP code nor a recovery code; refused before any crypto
  locked,        // too many failures: refused without looking at the code
  disabled,      // the enrollment is suspended by an admin: refused without looking at the code
};

enum class Method { none, totp, hotp, recovery };

struct Verdict {
  Outcome outcome = Outcome::bad_input;
  Method method = Method::none;
  long recovery_codes_left = -1;  // set when a recovery code was accepted
  bool locked_now = false;        // this failure started a lockout
};

// Stable spellings for the audit line: "ok", "wrong", "replay", "not-enrolled", "bad-input",
// "locked", "disabled"; and "totp", "hotp", "recovery", "none".
const char* outcome_reason(Outcome outcome) noexcept;
const char* method_name(Method method) noexcept;

struct VerifyRequest {
  std::string_view user;
  std::string_view typed;  // as typed; spaces (and dashes in recovery codes) are ignored
  std::int64_t now;
  unsigned window;  // TOTP: steps accepted either side of now
  LockoutPolicy lockout;
  unsigned hotp_window = kDefaultHotpWindow;  // HOTP: counters accepted beyond the expected one
};

// Errors are store or crypto failures: the caller must refuse (fail closed).
Result<Verdict> verify_and_consume(Store& store, const SecureBytes& key,
                                   const VerifyRequest& request);

}  // namespace sshotp
