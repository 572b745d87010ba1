// SPDX-License-Identifier: BSD-3-Clause
#include "common/verifier.h"

#include "common/totp.h"

namespace sshotp {
namespace {

// Keeps digits, drops the spaces some apps display inside a code; anything else is not a code.
bool normalise_code(std::string_view typed, unsigned digits, SecretString& out) {
  if (typed.size() > kMaxTypedCode) return false;
  for (char c : typed) {
    if (c == ' ') continue;
    if (c < '0' || c > '9') return false;
    out.push_back(c);
  }
  return out.size() == digits;
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
    case Outcome::bad_input:
      break;
  }
  return "bad-input";
}

Result<Outcome> verify_and_consume(Store& store, const SecureBytes& key,
                                   const VerifyRequest& request) {
  auto txn = store.begin_write();
  if (!txn) return std::move(txn).error();
  auto found = (*txn)->find(request.user);
  if (!found) return std::move(found).error();

  if (!found->has_value()) {
    // Spend the same work as a real check on a throwaway key, so the refusal of an unenrolled
    // user takes as long as that of a wrong code and does not reveal who is enrolled.
    auto dummy = random_bytes(20);
    if (!dummy) return std::move(dummy).error();
    SecretString code;
    const TotpParams defaults;
    if (normalise_code(request.typed, defaults.digits, code)) {
      (void)totp_match(*dummy, defaults, request.now, request.window, code.view());
    }
    return Outcome::not_enrolled;
  }
  const Enrollment& e = **found;

  SecretString code;
  if (!normalise_code(request.typed, e.totp.digits, code)) return Outcome::bad_input;

  auto secret = unseal(key, e.sealed_secret, secret_aad(e.user));
  if (!secret) return std::move(secret).error();
  auto step = totp_match(*secret, e.totp, request.now, request.window, code.view());
  if (!step) return std::move(step).error();
  if (!step->has_value()) return Outcome::wrong_code;
  if (**step <= e.last_step) return Outcome::replayed;

  auto consumed = (*txn)->consume_step(request.user, **step, request.now);
  if (!consumed) return std::move(consumed).error();
  // Under BEGIN IMMEDIATE nobody can have moved last_step since find(); if the conditional
  // update still changed nothing, treat it as the replay it would be.
  if (!*consumed) return Outcome::replayed;
  if (auto st = (*txn)->commit(); !st) return std::move(st).error();
  return Outcome::accepted;
}

}  // namespace sshotp
