// SPDX-License-Identifier: BSD-3-Clause
// Fuzzes what a user types at the prompt: normalise_recovery_code on its own, and the whole
// verify_and_consume on a scratch store where alice (6 digits, SHA1) and bob (8 digits, SHA256,
// 60 s) are enrolled with recovery codes and carol is not. Oracles: a canonical recovery code
// is 12 Crockford characters (or a migrated 8-digit scratch code, as typed) and normalises to
// itself; the verifier never fails on input, and classifies it exactly as the rules say (TOTP-
// shaped input is judged as TOTP, falling through to the recovery codes only when it is also
// a scratch code and missed; recovery-shaped input as a recovery code; anything else, and
// anything over 64 bytes, as bad input).
//
// Input: byte 0 picks the user (bits 0-1) and the window (bits 2-3); the rest is what was typed.
#include <algorithm>
#include <climits>
#include <memory>
#include <optional>
#include <string>

#include "common/crypto.h"
#include "common/recovery_codes.h"
#include "common/sqlite_store.h"
#include "common/verifier.h"
#include "tests/fuzz/fuzz_support.h"

using namespace sshotp;
using sshotp::fuzz::require;

namespace {

constexpr std::int64_t kNow = 1700000000;
constexpr std::string_view kCrockford = "0123456789abcdefghjkmnpqrstvwxyz";

struct World {
  std::unique_ptr<Store> store;
  SecureBytes key;
};

World& world() {
  static World* w = [] {
    const test::TestEnv& env = fuzz::scratch_env();
    test::enroll(env, "alice", test::rfc_sha1_key());
    OtpParams bob_params;
    bob_params.digits = 8;
    bob_params.algorithm = Algorithm::sha256;
    bob_params.period = 60;
    test::enroll(env, "bob", test::rfc_sha1_key(), bob_params);
    (void)test::give_recovery_codes(env, "alice", 5);
    (void)test::give_recovery_codes(env, "bob", 5);
    auto store = open_sqlite_store(env.db_path, OpenMode::existing, 5000);
    auto key = load_key_file(env.key_path);
    require(store.ok() && key.ok(), "the scratch store opens");
    return new World{std::move(store).value(), std::move(key).value()};
  }();
  return *w;
}

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void require_normalise_invariants(std::string_view typed) {
  auto canonical = normalise_recovery_code(typed);
  if (!canonical) return;
  require(typed.size() <= kMaxTypedCode, "over-long input is never a recovery code");
  const std::string_view code = canonical->view();
  if (code.size() == kLegacyScratchCodeLength && all_digits(code)) {
    require(code == typed, "a migrated scratch code is taken exactly as typed");
    return;
  }
  require(code.size() == kRecoveryCodeLength, "a canonical code has 12 characters");
  require(std::all_of(code.begin(), code.end(),
                      [](char c) { return kCrockford.find(c) != std::string_view::npos; }),
          "a canonical code uses the Crockford alphabet");
  auto again = normalise_recovery_code(code);
  require(again && again->view() == code, "a canonical code normalises to itself");
  std::string shouted(code);
  std::transform(shouted.begin(), shouted.end(), shouted.begin(),
                 [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
  auto upper = normalise_recovery_code(shouted);
  require(upper && upper->view() == code, "case does not matter");
}

// What the typed text may be taken for, from the rules alone.
struct Shape {
  bool totp = false;      // `digits` digits once spaces are dropped
  bool recovery = false;  // normalise_recovery_code accepts it
};

Shape shape_of(std::string_view typed, unsigned digits) {
  if (typed.size() > kMaxTypedCode) return {};
  std::size_t digit_count = 0;
  bool only_digits = true;
  for (char c : typed) {
    if (c == ' ') continue;
    only_digits = only_digits && c >= '0' && c <= '9';
    ++digit_count;
  }
  return {only_digits && digit_count == digits, normalise_recovery_code(typed).has_value()};
}

// TOTP first; an input that is both (8 digits: a migrated scratch code) falls through to the
// recovery codes on a TOTP miss, but never after a replay, which is a definite answer.
void require_classified(const Verdict& v, Shape shape) {
  if (!shape.totp && !shape.recovery) {
    require(v.outcome == Outcome::bad_input && v.method == Method::none,
            "neither a TOTP nor a recovery code is bad input");
    return;
  }
  if (v.method == Method::totp) {
    require(shape.totp, "judged as TOTP only when TOTP-shaped");
    require(v.outcome == Outcome::accepted || v.outcome == Outcome::replayed ||
                (v.outcome == Outcome::wrong_code && !shape.recovery),
            "a TOTP code is accepted, replayed, or wrong (unless it could be a scratch code)");
  } else {
    require(v.method == Method::recovery && shape.recovery,
            "otherwise judged as a recovery code, and only when recovery-shaped");
    require(v.outcome == Outcome::accepted || v.outcome == Outcome::wrong_code,
            "a recovery code is accepted or wrong");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static constexpr const char* kUsers[] = {"alice", "bob", "carol", "alice"};
  const std::string_view user = kUsers[data[0] & 3];
  const std::string_view typed = fuzz::as_text(data + 1, size - 1);
  require_normalise_invariants(typed);

  World& w = world();
  VerifyRequest request{user, typed, kNow, static_cast<unsigned>((data[0] >> 2) & 3), {}};
  request.lockout.max_failures = UINT_MAX;  // keep the lockout from hiding the classification
  auto verdict = verify_and_consume(*w.store, w.key, request);
  require(verdict.ok(), "the verifier never fails on what was typed");
  if (user == "carol") {
    require(verdict->outcome == Outcome::not_enrolled, "carol is not enrolled");
    return 0;
  }
  require_classified(*verdict, shape_of(typed, user == "bob" ? 8 : 6));
  return 0;
}
