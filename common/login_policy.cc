// SPDX-License-Identifier: BSD-3-Clause
// The decision before the prompt (see login_policy.h).
#include "common/login_policy.h"

#include <utility>

#include "common/lockout.h"
#include "common/verifier.h"

namespace sshotp {

Result<AccountLook> look_at_account(const Config& config, const Account& account,
                                    bool publickey_done) {
  auto requirement = code_requirement(config, account);
  if (!requirement) return std::move(requirement).error();
  AccountLook look;
  look.requirement = *requirement;
  if (*requirement != Requirement::ask) {
    look.action = PrePrompt::skip;
    look.reason = requirement_reason(*requirement);
  } else if (config.require_publickey && !publickey_done) {
    look.action = PrePrompt::refuse;
    look.reason = "no-publickey";
  }
  return look;
}

Result<EnrollmentLook> look_at_enrollment(const Config& config, std::string_view user,
                                          bool publickey_done, Store& store, std::int64_t now) {
  // A look before the prompt: nullok users step aside, locked users are not asked. A disabled
  // enrollment is asked like any other and refused by the verifier like a wrong code, so it
  // does not show through (README "No enumeration"). The write transaction after the prompt
  // decides again, so nothing here can be raced into a success.
  auto snapshot = store.begin_read();
  if (!snapshot) return std::move(snapshot).error();
  auto found = (*snapshot)->find(user);
  if (!found) return std::move(found).error();
  EnrollmentLook look;
  look.enrolled = found->has_value();
  look.disabled = look.enrolled && (*found)->state == EnrollmentState::disabled;
  look.locked = look.enrolled && !look.disabled && is_locked((*found)->lockout, now);
  // nullok only counts when sshd says a public key was accepted: without that, a
  // misconfigured AuthenticationMethods would turn "not enrolled" into "no factor at all".
  if (!look.enrolled && config.nullok && publickey_done) {
    look.action = PrePrompt::skip;
    look.reason = outcome_reason(Outcome::not_enrolled);
  } else if (look.locked) {
    look.action = PrePrompt::locked;
    look.reason = outcome_reason(Outcome::locked);
  }
  return look;
}

}  // namespace sshotp
