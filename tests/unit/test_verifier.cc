// SPDX-License-Identifier: BSD-3-Clause
// Unit tests of the login decision (common/verifier): accept a fresh code once, refuse replays
// (the same step, or an older one after a newer was used), wrong codes, codes outside the
// window and malformed input, and fail closed with an error when the sealed secret does not
// open (wrong key file, or a row copied from another user).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/crypto.h"
#include "common/sqlite_store.h"
#include "common/totp.h"
#include "common/verifier.h"
#include "tests/support/env_state.h"
#include "tests/support/fixture.h"

// Last: cmocka defines macros such as fail() that break standard headers included after it.
#include "tests/support/cmocka.h"

namespace sshotp {
namespace {

constexpr std::int64_t kPeriod = 30;
// The middle of a step, so "one step earlier/later" is unambiguous.
constexpr std::int64_t kNow = 56666666 * kPeriod + 15;
const std::int64_t kNowStep = time_step(kNow, kPeriod);

SecureBytes alice_secret() { return test::rfc_sha1_key(); }

SecureBytes store_key(const test::TestEnv& env) {
  auto key = load_key_file(env.key_path);
  assert_true(key.ok());
  return std::move(key).value();
}

std::unique_ptr<Store> open_store(const test::TestEnv& env) {
  auto store = open_sqlite_store(env.db_path, OpenMode::existing, 2000);
  assert_true(store.ok());
  return std::move(store).value();
}

// One login attempt with the env's own key file.
Result<Verdict> attempt(const test::TestEnv& env, std::string_view user, std::string_view typed,
                        std::int64_t now = kNow, unsigned window = 1) {
  auto store = open_store(env);
  // Lockout has its own tests (test_recovery_lockout, module/test_policy); keep it out of the
  // way of tests that make many failed attempts.
  LockoutPolicy lenient;
  lenient.max_failures = 100;
  return verify_and_consume(*store, store_key(env), {user, typed, now, window, lenient});
}

void assert_outcome(const test::TestEnv& env, std::string_view user, std::string_view typed,
                    Outcome expected, std::int64_t now = kNow, unsigned window = 1) {
  auto verdict = attempt(env, user, typed, now, window);
  if (!verdict) print_error("unexpected error: %s\n", verdict.error().message.c_str());
  assert_true(verdict.ok());
  if (verdict->outcome != expected) {
    print_error("got '%s', want '%s'\n", outcome_reason(verdict->outcome),
                outcome_reason(expected));
  }
  assert_int_equal(verdict->outcome, expected);
}

void assert_error(const test::TestEnv& env, std::string_view user, std::string_view typed,
                  Errc expected, const SecureBytes& key) {
  auto store = open_store(env);
  auto outcome = verify_and_consume(*store, key, {user, typed, kNow, 1, {}});
  assert_false(outcome.ok());
  assert_int_equal(outcome.error().code, expected);
}

Enrollment stored(const test::TestEnv& env, std::string_view user) {
  auto store = open_store(env);
  auto txn = store->begin_write();
  assert_true(txn.ok());
  auto found = (*txn)->find(user);
  assert_true(found.ok());
  assert_true(found->has_value());
  return std::move(**found);
}

std::int64_t last_step(const test::TestEnv& env, std::string_view user) {
  return stored(env, user).last_step;
}

// The code alice's app shows `steps` steps away from kNow.
std::string alice_code(int steps) {
  return test::code_at(alice_secret(), OtpParams{}, kNow + steps * kPeriod);
}

void enroll_alice(void** state) { test::enroll(test::env_state(state), "alice", alice_secret()); }

void test_verifier_accepts_correct_code_and_records_step(void** state) {
  const test::TestEnv& env = test::env_state(state);
  enroll_alice(state);
  assert_outcome(env, "alice", alice_code(0), Outcome::accepted);
  const Enrollment after = stored(env, "alice");
  assert_int_equal(after.last_step, kNowStep);
  assert_true(after.last_used_at.has_value());
  assert_int_equal(*after.last_used_at, kNow);
}

void test_verifier_refuses_same_code_twice(void** state) {
  const test::TestEnv& env = test::env_state(state);
  enroll_alice(state);
  assert_outcome(env, "alice", alice_code(0), Outcome::accepted);
  assert_outcome(env, "alice", alice_code(0), Outcome::replayed);
  // Still a replay a few seconds later in the same step, and in the next step (window 1).
  assert_outcome(env, "alice", alice_code(0), Outcome::replayed, kNow + 10);
  assert_outcome(env, "alice", alice_code(0), Outcome::replayed, kNow + kPeriod);
  assert_int_equal(last_step(env, "alice"), kNowStep);
}

void test_verifier_refuses_older_step_after_newer(void** state) {
  // Once the current step is used, the previous step's code (still inside the window) must not
  // work: otherwise an observed code could be replayed within ±30 s.
  const test::TestEnv& env = test::env_state(state);
  enroll_alice(state);
  assert_outcome(env, "alice", alice_code(0), Outcome::accepted);
  assert_outcome(env, "alice", alice_code(-1), Outcome::replayed);
  // The next step is still fresh.
  assert_outcome(env, "alice", alice_code(1), Outcome::accepted);
  assert_outcome(env, "alice", alice_code(0), Outcome::replayed);
  assert_int_equal(last_step(env, "alice"), kNowStep + 1);
}

void test_verifier_respects_stored_last_step(void** state) {
  // Replay state comes from the store, not from this process: a step recorded by an earlier
  // login (another sshd child) is refused.
  const test::TestEnv& env = test::env_state(state);
  test::enroll(env, "alice", alice_secret(), OtpParams{}, kNowStep);
  assert_outcome(env, "alice", alice_code(0), Outcome::replayed);
  assert_outcome(env, "alice", alice_code(-1), Outcome::replayed);
  assert_outcome(env, "alice", alice_code(1), Outcome::accepted);
}

void test_verifier_refuses_wrong_code(void** state) {
  const test::TestEnv& env = test::env_state(state);
  enroll_alice(state);
  assert_outcome(env, "alice", test::wrong_code(alice_secret(), {}, kNow), Outcome::wrong_code);
  assert_int_equal(last_step(env, "alice"), -1);
  assert_outcome(env, "alice", alice_code(0), Outcome::accepted);  // the right one still works
}

void test_verifier_window_one_accepts_adjacent_steps(void** state) {
  const test::TestEnv& env = test::env_state(state);
  enroll_alice(state);
  assert_outcome(env, "alice", alice_code(-1), Outcome::accepted);  // client clock behind
  assert_int_equal(last_step(env, "alice"), kNowStep - 1);
  assert_outcome(env, "alice", alice_code(1), Outcome::accepted);  // client clock ahead
  assert_int_equal(last_step(env, "alice"), kNowStep + 1);
}

void test_verifier_window_one_refuses_two_steps(void** state) {
  const test::TestEnv& env = test::env_state(state);
  enroll_alice(state);
  assert_outcome(env, "alice", alice_code(-2), Outcome::wrong_code);
  assert_outcome(env, "alice", alice_code(2), Outcome::wrong_code);
  assert_int_equal(last_step(env, "alice"), -1);
}

void test_verifier_window_zero_only_current_step(void** state) {
  const test::TestEnv& env = test::env_state(state);
  enroll_alice(state);
  assert_outcome(env, "alice", alice_code(-1), Outcome::wrong_code, kNow, 0);
  assert_outcome(env, "alice", alice_code(1), Outcome::wrong_code, kNow, 0);
  assert_outcome(env, "alice", alice_code(0), Outcome::accepted, kNow, 0);
}

void test_verifier_refuses_malformed_input(void** state) {
  const test::TestEnv& env = test::env_state(state);
  enroll_alice(state);
  const std::string right = alice_code(0);
  const std::string too_long(65, '1');
  for (std::string_view bad :
       {std::string_view(""), std::string_view("12345"), std::string_view("1234567"),
        std::string_view("12a456"), std::string_view("-12345"), std::string_view("12345\n"),
        std::string_view("\t123456"), std::string_view("１２３４５６"),     // full-width digits
        std::string_view(too_long), std::string_view(right.c_str(), 7)}) {  // NUL appended
    assert_outcome(env, "alice", bad, Outcome::bad_input);
  }
  // The right code with something appended or prefixed is not the right code.
  assert_outcome(env, "alice", right + "0", Outcome::bad_input);
  assert_outcome(env, "alice", "x" + right, Outcome::bad_input);
  // Only spaces separate digits: the right code split by a tab is refused, as sshotp-enroll
  // refuses it (both read codes with common/typed_code.h; tests/cli checks the CLI's answer).
  assert_outcome(env, "alice", right.substr(0, 3) + "\t" + right.substr(3), Outcome::bad_input);
  assert_int_equal(last_step(env, "alice"), -1);  // none of that was recorded
}

void test_verifier_normalises_spaces(void** state) {
  const test::TestEnv& env = test::env_state(state);
  enroll_alice(state);
  const std::string right = alice_code(0);
  const std::string spaced = right.substr(0, 2) + " " + right.substr(2, 2) + " " + right.substr(4);
  assert_outcome(env, "alice", spaced, Outcome::accepted);
}

void test_verifier_bounds_input_length(void** state) {
  // Up to kMaxTypedCode characters are looked at (spaces and all); one more is refused unread.
  const test::TestEnv& env = test::env_state(state);
  enroll_alice(state);
  const std::string right = alice_code(0);
  const std::string longest = std::string(kMaxTypedCode - right.size(), ' ') + right;
  assert_outcome(env, "alice", " " + longest, Outcome::bad_input);
  assert_int_equal(last_step(env, "alice"), -1);
  assert_outcome(env, "alice", longest, Outcome::accepted);
}

void test_verifier_unenrolled_user(void** state) {
  const test::TestEnv& env = test::env_state(state);
  enroll_alice(state);
  assert_outcome(env, "carol", alice_code(0), Outcome::not_enrolled);
  assert_outcome(env, "Alice", alice_code(0), Outcome::not_enrolled);
  assert_outcome(env, "", alice_code(0), Outcome::not_enrolled);
  // Nothing about carol was written.
  auto store = open_store(env);
  auto txn = store->begin_write();
  assert_true(txn.ok());
  auto carol = (*txn)->find("carol");
  assert_true(carol.ok());
  assert_false(carol->has_value());
}

void test_verifier_eight_digit_sha256_and_sha512(void** state) {
  // RFC 6238 Appendix B at t = 59 (step 1) is an independent check of what enrollment stores.
  const test::TestEnv& env = test::env_state(state);
  const SecureBytes sha256_key = test::rfc6238_key(Algorithm::sha256);
  const SecureBytes sha512_key = test::rfc6238_key(Algorithm::sha512);
  test::enroll(env, "sha256", sha256_key, OtpParams{Algorithm::sha256, 8, 30});
  test::enroll(env, "sha512", sha512_key, OtpParams{Algorithm::sha512, 8, 30});
  assert_outcome(env, "sha256", "46119246", Outcome::accepted, 59, 0);
  assert_outcome(env, "sha512", "90693936", Outcome::accepted, 59, 0);
  assert_outcome(env, "sha256", "46119246", Outcome::replayed, 59, 0);
  // Six digits are not a code for an 8-digit enrollment; the SHA1 code is just wrong.
  assert_outcome(env, "sha512", "906939", Outcome::bad_input, 59, 0);
  assert_outcome(env, "sha256", "94287082", Outcome::wrong_code, 59, 0);
  // And a 60-second period, later in time, through our own generator.
  const OtpParams slow{Algorithm::sha512, 8, 60};
  test::enroll(env, "slow", sha512_key, slow);
  assert_outcome(env, "slow", test::code_at(sha512_key, slow, kNow + 60), Outcome::accepted);
  assert_int_equal(last_step(env, "slow"), time_step(kNow, 60) + 1);
}

void test_verifier_row_copied_to_other_user_is_error(void** state) {
  // An attacker with write access to the store (but not the key file) copies alice's sealed
  // secret, whose code they know, onto bob's row. The AAD binds the blob to alice: error.
  const test::TestEnv& env = test::env_state(state);
  enroll_alice(state);
  test::enroll(env, "bob", random_bytes(20).value());
  Enrollment forged = stored(env, "alice");
  forged.user = "bob";
  {
    auto store = open_store(env);
    auto txn = store->begin_write();
    assert_true(txn.ok());
    assert_true((*txn)->put(forged).ok());
    assert_true((*txn)->commit().ok());
  }
  assert_error(env, "bob", alice_code(0), Errc::crypto, store_key(env));
  assert_int_equal(last_step(env, "bob"), -1);
  assert_outcome(env, "alice", alice_code(0), Outcome::accepted);  // alice is unaffected
}

void test_verifier_wrong_key_file_is_error(void** state) {
  const test::TestEnv& env = test::env_state(state);
  enroll_alice(state);
  const test::TestEnv other = test::make_test_env();
  const SecureBytes other_key = store_key(other);
  test::destroy_test_env(other);
  assert_error(env, "alice", alice_code(0), Errc::crypto, other_key);
  assert_int_equal(last_step(env, "alice"), -1);
}

void test_verifier_busy_store_is_error(void** state) {
  // A login that cannot get the write lock must fail (and be retried), not skip the replay
  // bookkeeping.
  const test::TestEnv& env = test::env_state(state);
  enroll_alice(state);
  auto holder = open_store(env);
  // Opened before the lock is taken: opening itself briefly takes the write lock (migrations).
  auto store = open_sqlite_store(env.db_path, OpenMode::existing, 100);
  assert_true(store.ok());
  auto held = holder->begin_write();
  assert_true(held.ok());
  auto outcome = verify_and_consume(**store, store_key(env), {"alice", alice_code(0), kNow, 1, {}});
  assert_false(outcome.ok());
  assert_int_equal(outcome.error().code, Errc::busy);
}

void test_verifier_outcome_reasons_are_stable(void**) {
  // These strings are the audit log's reason= field; operators grep for them.
  assert_string_equal(outcome_reason(Outcome::accepted), "ok");
  assert_string_equal(outcome_reason(Outcome::wrong_code), "wrong");
  assert_string_equal(outcome_reason(Outcome::replayed), "replay");
  assert_string_equal(outcome_reason(Outcome::not_enrolled), "not-enrolled");
  assert_string_equal(outcome_reason(Outcome::bad_input), "bad-input");
}

int run_unit_tests() {
  const CMUnitTest tests[] = {
      SSHOTP_ENV_TEST(test_verifier_accepts_correct_code_and_records_step),
      SSHOTP_ENV_TEST(test_verifier_refuses_same_code_twice),
      SSHOTP_ENV_TEST(test_verifier_refuses_older_step_after_newer),
      SSHOTP_ENV_TEST(test_verifier_respects_stored_last_step),
      SSHOTP_ENV_TEST(test_verifier_refuses_wrong_code),
      SSHOTP_ENV_TEST(test_verifier_window_one_accepts_adjacent_steps),
      SSHOTP_ENV_TEST(test_verifier_window_one_refuses_two_steps),
      SSHOTP_ENV_TEST(test_verifier_window_zero_only_current_step),
      SSHOTP_ENV_TEST(test_verifier_refuses_malformed_input),
      SSHOTP_ENV_TEST(test_verifier_normalises_spaces),
      SSHOTP_ENV_TEST(test_verifier_bounds_input_length),
      SSHOTP_ENV_TEST(test_verifier_unenrolled_user),
      SSHOTP_ENV_TEST(test_verifier_eight_digit_sha256_and_sha512),
      SSHOTP_ENV_TEST(test_verifier_row_copied_to_other_user_is_error),
      SSHOTP_ENV_TEST(test_verifier_wrong_key_file_is_error),
      SSHOTP_ENV_TEST(test_verifier_busy_store_is_error),
      cmocka_unit_test(test_verifier_outcome_reasons_are_stable),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

}  // namespace
}  // namespace sshotp

int main() { return sshotp::run_unit_tests(); }
