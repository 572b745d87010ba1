// SPDX-License-Identifier: BSD-3-Clause
#include "common/verifier.h"

#include "common/crypto.h"
#include "common/hotp.h"
#include "common/recovery_codes.h"
#include "common/totp.h"
#include "common/typed_code.h"

namespace sshotp {
namespace {

struct Check {
  Outcome outcome;
  Method method;
  long codes_left = -1;
};

// The code as the enrollment's kind reads it (a hardware token may type its identifier first).
std::optional<SecretString> normalise_code(const OtpParams& params, std::string_view typed) {
  return params.kind() == OtpKind::hotp ? normalise_hotp_code(typed, params.digits)
                                        : normalise_totp_code(typed, params.digits);
}

// The time step (TOTP) or counter (HOTP) whose code `code` is, if any: TOTP looks around now,
// HOTP around the counter after `last_used`.
Result<std::optional<std::int64_t>> match_code(const SecureBytes& secret, const OtpParams& params,
                                               std::int64_t last_used, const VerifyRequest& request,
                                               std::string_view code) {
  if (params.kind() == OtpKind::hotp) {
    return hotp_match(secret, params, last_used, request.hotp_window, code);
  }
  return totp_match(secret, params, request.now, request.window, code);
}

Result<Check> check_otp(StoreTransaction& txn, const SecureBytes& key, const Enrollment& e,
                        const VerifyRequest& request, std::string_view code) {
  const Method method = e.otp.kind() == OtpKind::hotp ? Method::hotp : Method::totp;
  auto secret = unseal(key, e.sealed_secret, secret_aad(e.user));
  if (!secret) return std::move(secret).error();
  auto matched = match_code(*secret, e.otp, e.last_step, request, code);
  if (!matched) return std::move(matched).error();
  if (!matched->has_value()) return Check{Outcome::wrong_code, method};
  // RFC 6238 §5.2 / NIST 800-63B, and RFC 4226 §7.2 for counters: a step or counter at or before
  // the last accepted one is a replay. The conditional update repeats the test in SQL, so the
  // decision and the write cannot diverge.
  if (**matched <= e.last_step) return Check{Outcome::replayed, method};
  auto consumed = txn.consume_step(e.user, **matched, request.now);
  if (!consumed) return std::move(consumed).error();
  return Check{*consumed ? Outcome::accepted : Outcome::replayed, method};
}

Result<Check> check_recovery(StoreTransaction& txn, const SecureBytes& key, const Enrollment& e,
                             const VerifyRequest& request, std::string_view code) {
  auto rows = txn.unused_recovery_codes(e.user);
  if (!rows) return std::move(rows).error();
  std::optional<std::int64_t> matched;
  for (const RecoveryCodeRow& row : *rows) {  // every row, no early exit
    auto match = recovery_code_matches(key, e.user, code, row.hash);
    if (!match) return std::move(match).error();
    if (*match && !matched) matched = row.id;
  }
  if (!matched) return Check{Outcome::wrong_code, Method::recovery};
  auto consumed = txn.consume_recovery_code(e.user, *matched, request.now);
  if (!consumed) return std::move(consumed).error();
  if (!*consumed) return Check{Outcome::wrong_code, Method::recovery};
  return Check{Outcome::accepted, Method::recovery, static_cast<long>(rows->size()) - 1};
}

Result<Check> check_code(StoreTransaction& txn, const SecureBytes& key, const Enrollment& e,
                         const VerifyRequest& request) {
  if (request.typed.size() > kMaxTypedCode) return Check{Outcome::bad_input, Method::none};
  auto recovery = normalise_recovery_code(request.typed);
  if (auto otp = normalise_code(e.otp, request.typed)) {
    auto checked = check_otp(txn, key, e, request, otp->view());
    // An 8-digit user's input can also be a migrated 8-digit scratch code: a miss (not a
    // replay, which is a definite answer) falls through to the recovery codes.
    if (!checked || checked->outcome != Outcome::wrong_code || !recovery) return checked;
  }
  if (recovery) return check_recovery(txn, key, e, request, recovery->view());
  return Check{Outcome::bad_input, Method::none};
}

// The refusal of an unenrolled user or a disabled enrollment must cost what a wrong code costs:
// an AES-GCM operation under the store key (sealing the throwaway secret stands in for
// unsealing the user's), the same code work on that throwaway key and one committed write, so
// neither the answer nor its timing tells who is enrolled. The user's own secret is never
// touched: a disabled user's code is not looked at, so it is neither consumed nor counted.
// `row` is the disabled enrollment itself: an 8-digit SHA-512 user's wrong code costs that
// work, a hardware token's costs its window of counters, and the refusal must cost the same.
// Unenrolled names have no row, hence the defaults (a TOTP app's). Neither ever locks (README
// "No enumeration, within limits").
Status refuse_at_wrong_code_cost(StoreTransaction& txn, const SecureBytes& key,
                                 const VerifyRequest& request, const Enrollment& row) {
  auto dummy = random_bytes(20);
  if (!dummy) return std::move(dummy).error();
  if (auto sealed = seal(key, *dummy, secret_aad(request.user)); !sealed) {
    return std::move(sealed).error();
  }
  if (auto code = normalise_code(row.otp, request.typed)) {
    (void)match_code(*dummy, row.otp, row.last_step, request, code->view());
  }
  if (auto st = txn.record_unenrolled_attempt(); !st) return st;
  return txn.commit_unsynced();
}

}  // namespace

const char* outcome_reason(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::accepted:
      return "ok";
    case Outcome::wrong_code:
      return "wrong";
    case Outcome::replayed:
      return "replay";
    case Outcome::not_enrolled:
      return "not-enrolled";
    case Outcome::locked:
      return "locked";
    case Outcome::disabled:
      return "disabled";
    case Outcome::bad_input:
      break;
  }
  return "bad-input";
}

const char* method_name(Method method) noexcept {
  switch (method) {
    case Method::totp:
      return "totp";
    case Method::hotp:
      return "hotp";
    case Method::recovery:
      return "recovery";
    case Method::none:
      break;
  }
  return "none";
}

Result<Verdict> verify_and_consume(Store& store, const SecureBytes& key,
                                   const VerifyRequest& request) {
  auto txn = store.begin_write();
  if (!txn) return std::move(txn).error();
  auto found = (*txn)->find(request.user);
  if (!found) return std::move(found).error();
  if (!found->has_value()) {
    if (auto st = refuse_at_wrong_code_cost(**txn, key, request, Enrollment{}); !st) {
      return std::move(st).error();
    }
    return Verdict{Outcome::not_enrolled};
  }
  const Enrollment& e = **found;
  if (e.state == EnrollmentState::disabled) {
    if (auto st = refuse_at_wrong_code_cost(**txn, key, request, e); !st) {
      return std::move(st).error();
    }
    return Verdict{Outcome::disabled};
  }
  // While locked, the code is not even looked at: a lockout that still tested codes would let
  // an attacker learn the right one and use it the moment the lock expires.
  if (is_locked(e.lockout, request.now)) return Verdict{Outcome::locked};

  auto check = check_code(**txn, key, e, request);
  if (!check) return std::move(check).error();
  Verdict verdict{check->outcome, check->method, check->codes_left};

  // Success resets the failure count; every failure of an enrolled user is counted, by the store
  // (record_failure: the arithmetic is in the UPDATE, so no count is lost to a race). A success
  // usually finds nothing to reset (no UPDATE).
  if (verdict.outcome != Outcome::accepted) {
    auto counted = (*txn)->record_failure(e.user, request.lockout, request.now);
    if (!counted) return std::move(counted).error();
    verdict.locked_now = is_locked(*counted, request.now);
  } else if (e.lockout != LockoutState{}) {
    if (auto st = (*txn)->set_lockout(e.user, LockoutState{}); !st) return std::move(st).error();
  }
  // A consumed code must be on disk before we say yes (a power cut must not make it usable
  // again); one more failure count need not be, so a refusal costs no disk wait.
  const Status committed =
      verdict.outcome == Outcome::accepted ? (*txn)->commit() : (*txn)->commit_unsynced();
  if (!committed) return committed.error();
  return verdict;
}

}  // namespace sshotp
