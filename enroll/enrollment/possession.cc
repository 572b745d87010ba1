// SPDX-License-Identifier: BSD-3-Clause
// Asking a non-root caller for a code and checking it like a login (see possession.h).
#include "enroll/enrollment/possession.h"

#include <cerrno>
#include <cstring>
#include <string>

#include "common/clock.h"
#include "common/lockout.h"
#include "common/recovery_codes.h"
#include "common/typed_code.h"
#include "common/verifier.h"
#include "enroll/cli/code_line.h"
#include "enroll/cli/command_start.h"

namespace sshotp::cli {
namespace {

constexpr const char* kLockedMessage =
    "too many failed attempts; try again later or ask your administrator";

// The enrollment as it is now, for the checks made before asking for a code.
Result<std::optional<Enrollment>> look_up(Store& store, const std::string& user) {
  auto snapshot = store.begin_read();
  if (!snapshot) return std::move(snapshot).error();
  return (*snapshot)->find(user);
}

// What the user typed, if it has the shape of something the rules accept: a code with its
// spaces (and, from a token, its token identifier) removed, read the way a login reads it, or
// the canonical form of a recovery code.
std::optional<SecretString> acceptable_shape(std::string_view typed, const OtpParams& params,
                                             const ProofRules& rules) {
  auto code = params.kind() == OtpKind::hotp ? normalise_hotp_code(typed, params.digits)
                                             : normalise_totp_code(typed, params.digits);
  if (code) return code;
  if (rules.recovery_code_accepted) return normalise_recovery_code(typed);
  return std::nullopt;
}

// Reads the caller's code. Nothing if they gave none: then it has refused and set `stop`.
std::optional<SecretString> read_code(Session& session, const OtpParams& params,
                                      const ProofRules& rules, std::optional<Exit>& stop) {
  InterruptScope interrupts;
  Terminal in(rules.source);
  const bool hotp = params.kind() == OtpKind::hotp;
  const std::string device = hotp ? "your token" : "your authenticator app";
  in.print(rules.recovery_code_accepted
               ? (hotp ? "Next code from your token" : "Current code from your authenticator app") +
                     std::string(", or a recovery code: ")
               : "Code from " + device + ": ");
  auto line = read_code_line(session, in, stop);
  if (!line) return std::nullopt;
  auto code = line->status == ReadStatus::line ? acceptable_shape(line->text.view(), params, rules)
                                               : std::nullopt;
  if (!code) {
    // Not checked against anything, so not counted either: there was nothing to guess.
    stop = session.refused(
        Exit::verification, "bad-input",
        "that is not a " + std::to_string(params.digits) + "-digit code from " + device +
            (rules.recovery_code_accepted ? " or a recovery code" : "") + "; nothing was changed");
  }
  return code;
}

}  // namespace

std::optional<Exit> prove_possession(Session& session, const Config& config, Store& store,
                                     const SecureBytes& key, const ProofRules& rules) {
  auto found = look_up(store, session.user());
  if (!found) return session.failed(found.error());
  if (!found->has_value()) return refuse_not_enrolled(session);
  if ((*found)->state == EnrollmentState::disabled) {
    return session.refused(Exit::verification, "disabled",
                           "the enrollment is disabled; ask your administrator");
  }
  if (is_locked((*found)->lockout, now_unix())) {
    return session.refused(Exit::verification, "locked", kLockedMessage);
  }
  std::optional<Exit> stop;
  auto code = read_code(session, (*found)->otp, rules, stop);
  if (!code) return stop;
  const VerifyRequest request{session.user(), code->view(),   now_unix(),
                              config.window,  config.lockout, config.hotp_window};
  auto verdict = verify_and_consume(store, key, request);
  if (!verdict) return session.failed(verdict.error());
  const Outcome outcome = verdict->outcome;
  if (outcome == Outcome::accepted) return std::nullopt;
  if (outcome == Outcome::not_enrolled) return refuse_not_enrolled(session);
  if (outcome == Outcome::locked || verdict->locked_now) {
    return session.refused(Exit::verification, "locked", kLockedMessage);
  }
  if (outcome == Outcome::replayed) {
    return session.refused(Exit::verification, "wrong-code",
                           (*found)->otp.kind() == OtpKind::hotp
                               ? "that code was used already; press the token for the next one"
                               : "that code was used already; wait for the next one");
  }
  if (outcome == Outcome::wrong_code) {
    return session.refused(Exit::verification, "wrong-code",
                           "that code is not right; nothing was changed");
  }
  return session.refused(Exit::verification, outcome_reason(outcome),
                         std::string("code refused (") + outcome_reason(outcome) + ")");
}

}  // namespace sshotp::cli
