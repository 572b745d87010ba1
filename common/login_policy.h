// SPDX-License-Identifier: BSD-3-Clause
// What a login does before its prompt, independent of PAM: ask for a code, step aside, refuse
// without asking, or refuse because the user is locked out. Two looks, in the order a login takes
// them: at the account (group policy, publickey evidence), which needs no store, so that a user
// the policy passes over is never held up by the store; then at the enrollment (nullok, lockout),
// in a read snapshot. Neither can let anyone in: only verify_and_consume (verifier.h) accepts a
// code, and its write transaction decides again.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/account.h"
#include "common/config.h"
#include "common/policy.h"
#include "common/result.h"
#include "common/store.h"

namespace sshotp {

enum class PrePrompt {
  ask,     // prompt, then verify_and_consume
  skip,    // step aside (PAM_IGNORE): outside the group policy, or nullok and not enrolled
  refuse,  // refuse without asking: require_publickey and no publickey evidence
  locked,  // refuse without asking, and tell the user: too many failed attempts
};

// The look at the account. `reason` is the audit line's reason unless `action` is ask.
struct AccountLook {
  PrePrompt action = PrePrompt::ask;
  const char* reason = "ask";
  Requirement requirement = Requirement::ask;  // the group policy's answer, for the debug line
};

// Group policy first (an exempt user needs no publickey evidence), then require_publickey.
// `publickey_done`: sshd reported an accepted public key (auth_info_has_publickey). Errors are
// group lookups (Errc::unavailable, see code_requirement): the caller must fail closed.
Result<AccountLook> look_at_account(const Config& config, const Account& account,
                                    bool publickey_done);

// The look at the enrollment, with what it saw (for the debug line).
struct EnrollmentLook {
  PrePrompt action = PrePrompt::ask;
  const char* reason = "ask";
  bool enrolled = false;
  bool disabled = false;  // suspended by an admin; asked like any other (README "No enumeration")
  bool locked = false;    // never for a disabled enrollment: its codes are not looked at
};

// `user` is the canonical name (the store's key). Reads one snapshot of `store`, never writes.
// Errors are store failures: the caller must fail closed.
Result<EnrollmentLook> look_at_enrollment(const Config& config, std::string_view user,
                                          bool publickey_done, Store& store, std::int64_t now);

}  // namespace sshotp
