// SPDX-License-Identifier: BSD-3-Clause
// Unit tests of counter-based enrollments: the HOTP code (common/hotp) against RFC 4226
// Appendix D, the login window and its replay side, the two-code resynchronisation search,
// token identifiers before a code (common/typed_code), and the login decision on an HOTP user
// (common/verifier) and its resynchronisation (common/hotp_resync) on a real SQLite store. The
// vectors are the oracle here; tests/unit/test_oracles.sh adds oathtool and pyotp on random
// secrets and counters.
#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "common/crypto.h"
#include "common/hotp.h"
#include "common/hotp_resync.h"
#include "common/typed_code.h"
#include "common/verifier.h"
#include "tests/support/env_state.h"
#include "tests/support/fixture.h"

// Last: cmocka defines macros such as fail() that break standard headers included after it.
#include "tests/support/cmocka.h"

namespace sshotp {
namespace {

using test::kRfc4226Codes;

constexpr OtpParams kToken{Algorithm::sha1, 6, kCounterBased};
constexpr std::int64_t kNow = 1700000000;

// hotp_match's answer as a plain value: the matched counter, or -1 for "no match".
std::int64_t matched(std::int64_t last_used, unsigned window, std::string_view code) {
  auto match = hotp_match(test::rfc_sha1_key(), kToken, last_used, window, code);
  assert_true(match.ok());
  return match->value_or(-1);
}

std::int64_t pair_at(std::int64_t last_used, std::string_view first, std::string_view second) {
  auto found = hotp_find_pair(test::rfc_sha1_key(), kToken, last_used, first, second);
  assert_true(found.ok());
  return found->value_or(-1);
}

std::string code(std::int64_t counter, const OtpParams& params = kToken) {
  auto c = hotp_code(test::rfc_sha1_key(), params, counter);
  assert_true(c.ok());
  return std::string(c->view());
}

void test_hotp_code_matches_rfc4226_appendix_d(void**) {
  for (std::size_t counter = 0; counter < kRfc4226Codes.size(); ++counter) {
    assert_string_equal(code(static_cast<std::int64_t>(counter)).c_str(), kRfc4226Codes[counter]);
  }
}

void test_hotp_code_refuses_out_of_range(void**) {
  const SecureBytes key = test::rfc_sha1_key();
  for (std::int64_t counter : {std::int64_t{-1}, kMaxHotpCounter + 1}) {
    auto c = hotp_code(key, kToken, counter);
    assert_false(c.ok());
    assert_int_equal(c.error().code, Errc::invalid_argument);
  }
  assert_true(hotp_code(key, kToken, kMaxHotpCounter).ok());
  auto seven = hotp_code(key, OtpParams{Algorithm::sha1, 7, kCounterBased}, 0);
  assert_false(seven.ok());
}

void test_hotp_period_zero_is_the_counter_kind(void**) {
  assert_int_equal(kToken.kind(), OtpKind::hotp);
  assert_int_equal(OtpParams{}.kind(), OtpKind::totp);
  assert_true(validate_params(kToken).ok());
  assert_string_equal(kind_name(OtpKind::hotp), "hotp");
  assert_string_equal(kind_name(OtpKind::totp), "totp");
  // A time-based call on a counter-based enrollment is an error, not a division by zero.
  assert_false(totp_match(test::rfc_sha1_key(), kToken, kNow, 1, "755224").ok());
}

void test_hotp_match_looks_ahead_window_counters(void**) {
  // Fresh token (nothing used): counters 0..2 with a window of 2; 3 is beyond it.
  assert_int_equal(matched(-1, 2, kRfc4226Codes[0]), 0);
  assert_int_equal(matched(-1, 2, kRfc4226Codes[2]), 2);
  assert_int_equal(matched(-1, 2, kRfc4226Codes[3]), -1);
  // Window 0: the expected counter alone.
  assert_int_equal(matched(4, 0, kRfc4226Codes[5]), 5);
  assert_int_equal(matched(4, 0, kRfc4226Codes[6]), -1);
}

void test_hotp_match_finds_used_counters_for_the_replay_verdict(void**) {
  // After counter 5 was used, with window 2: 4 and 5 are found (the caller calls them
  // replays), 3 is too far behind to be looked at, 6..8 are ahead.
  assert_int_equal(matched(5, 2, kRfc4226Codes[5]), 5);
  assert_int_equal(matched(5, 2, kRfc4226Codes[4]), 4);
  assert_int_equal(matched(5, 2, kRfc4226Codes[3]), -1);
  assert_int_equal(matched(5, 2, kRfc4226Codes[8]), 8);
  assert_int_equal(matched(5, 2, kRfc4226Codes[9]), -1);
}

void test_hotp_match_stops_at_the_counter_bound(void**) {
  assert_int_equal(matched(kMaxHotpCounter - 1, 3, code(kMaxHotpCounter)), kMaxHotpCounter);
  assert_int_equal(matched(kMaxHotpCounter, 3, code(kMaxHotpCounter)), kMaxHotpCounter);
}

void test_hotp_refuses_a_last_counter_out_of_range(void**) {
  const SecureBytes key = test::rfc_sha1_key();
  for (std::int64_t last : {std::int64_t{-2}, kMaxHotpCounter + 1, INT64_MAX, INT64_MIN}) {
    assert_false(hotp_match(key, kToken, last, 10, "755224").ok());
    assert_false(hotp_find_pair(key, kToken, last, "755224", "287082").ok());
  }
}

void test_hotp_find_pair_needs_consecutive_codes(void**) {
  assert_int_equal(pair_at(-1, kRfc4226Codes[5], kRfc4226Codes[6]), 5);
  assert_int_equal(pair_at(-1, kRfc4226Codes[0], kRfc4226Codes[1]), 0);
  assert_int_equal(pair_at(-1, kRfc4226Codes[5], kRfc4226Codes[7]), -1);
  assert_int_equal(pair_at(-1, kRfc4226Codes[6], kRfc4226Codes[5]), -1);
  // A pair at or before the last used counter is not searched: it cannot come back.
  assert_int_equal(pair_at(5, kRfc4226Codes[5], kRfc4226Codes[6]), -1);
  assert_int_equal(pair_at(4, kRfc4226Codes[5], kRfc4226Codes[6]), 5);
}

void test_hotp_find_pair_is_bounded(void**) {
  // The first code may be at most kResyncRange counters after the expected one.
  const std::int64_t last = kResyncRange - 1;  // from -1: counters 0 .. kResyncRange - 1
  assert_int_equal(pair_at(-1, code(last), code(last + 1)), last);
  assert_int_equal(pair_at(-1, code(last + 1), code(last + 2)), -1);
}

void test_hotp_token_identifier_is_taken_off(void**) {
  auto expect = [](std::string_view typed, unsigned digits, const char* want) {
    auto got = normalise_hotp_code(typed, digits);
    if (want == nullptr) {
      assert_false(got.has_value());
    } else {
      assert_true(got.has_value());
      assert_string_equal(got->c_str(), want);
    }
  };
  expect("755224", 6, "755224");
  expect("755 224", 6, "755224");
  expect("vvcccccbdefg755224", 6, "755224");      // all ModHex (oath-fixed-modhex)
  expect("ubhe12345678755224", 6, "755224");      // OMP and TT in ModHex, MUI decimal
  expect("ub1234567890755224", 6, "755224");      // first byte in ModHex
  expect("12345678901275522412", 8, "75522412");  // all decimal
  expect("ubhe1234567875522412", 8, "75522412");
  expect("ubhe12345678755224", 8, nullptr);   // 6 digits after the id: not an 8-digit code
  expect("uxhe12345678755224", 6, nullptr);   // 'x' is not ModHex
  expect("ubh1e2345678755224", 6, nullptr);   // ModHex must lead, in 2, 4 or 12 characters
  expect("ubhe1234567755224", 6, nullptr);    // an 11-character id
  expect("ubhe12345678 755224", 6, nullptr);  // the token types no space
  // A time-based user's code is read as before: no identifier.
  assert_false(normalise_totp_code("ubhe12345678755224", 6).has_value());
}

// ---- The login decision and the resync on a real store ----

SecureBytes store_key(const test::TestEnv& env) {
  auto key = load_key_file(env.key_path);
  assert_true(key.ok());
  return std::move(key).value();
}

Verdict login(const test::TestEnv& env, std::string_view typed, unsigned hotp_window = 3) {
  auto store = test::open_env_store(env);
  LockoutPolicy lenient;
  lenient.max_failures = 100;
  VerifyRequest request{"tok", typed, kNow, 1, lenient, hotp_window};
  auto verdict = verify_and_consume(*store, store_key(env), request);
  if (!verdict) print_error("unexpected error: %s\n", verdict.error().message.c_str());
  assert_true(verdict.ok());
  return *verdict;
}

std::int64_t last_used(const test::TestEnv& env) {
  auto store = test::open_env_store(env);
  auto txn = store->begin_read();
  assert_true(txn.ok());
  auto found = (*txn)->find("tok");
  assert_true(found.ok() && found->has_value());
  return (**found).last_step;
}

void test_hotp_login_consumes_counters_in_order(void** state) {
  const test::TestEnv& env = test::env_state(state);
  test::enroll(env, "tok", test::rfc_sha1_key(), kToken, -1);
  Verdict first = login(env, kRfc4226Codes[0]);
  assert_int_equal(first.outcome, Outcome::accepted);
  assert_int_equal(first.method, Method::hotp);
  assert_int_equal(last_used(env), 0);
  // The same code again, and an older one after a newer, are replays.
  assert_int_equal(login(env, kRfc4226Codes[0]).outcome, Outcome::replayed);
  assert_int_equal(login(env, kRfc4226Codes[3]).outcome, Outcome::accepted);  // 2 skipped
  assert_int_equal(last_used(env), 3);
  Verdict older = login(env, kRfc4226Codes[2]);
  assert_int_equal(older.outcome, Outcome::replayed);
  assert_int_equal(older.method, Method::hotp);
  // Beyond the window (expected 4, window 3: up to 7): wrong, and nothing moves.
  assert_int_equal(login(env, kRfc4226Codes[8]).outcome, Outcome::wrong_code);
  assert_int_equal(last_used(env), 3);
  assert_int_equal(login(env, "ubhe12345678" + std::string(kRfc4226Codes[7])).outcome,
                   Outcome::accepted);
  assert_int_equal(last_used(env), 7);
}

void test_hotp_login_at_a_migrated_counter(void** state) {
  // A token imported with its next counter at 5 (last used 4): 4 is a replay, 5 is accepted.
  const test::TestEnv& env = test::env_state(state);
  test::enroll(env, "tok", test::rfc_sha1_key(), kToken, 4);
  assert_int_equal(login(env, kRfc4226Codes[4]).outcome, Outcome::replayed);
  assert_int_equal(login(env, kRfc4226Codes[5], 0).outcome, Outcome::accepted);
}

Result<ResyncResult> resync(const test::TestEnv& env, std::string_view first,
                            std::string_view second, bool by_user = false) {
  auto store = test::open_env_store(env);
  LockoutPolicy policy;
  policy.max_failures = 2;
  return resync_hotp(*store, store_key(env), {"tok", first, second, kNow, by_user, policy});
}

void test_hotp_row_with_counter_out_of_range_is_corrupt(void** state) {
  // A row another host (or a hand edit) wrote with a counter past the bound is refused by
  // name, not turned into an error at every login.
  const test::TestEnv& env = test::env_state(state);
  test::enroll(env, "tok", test::rfc_sha1_key(), kToken, kMaxHotpCounter + 1);
  auto store = test::open_env_store(env);
  auto txn = store->begin_read();
  assert_true(txn.ok());
  auto found = (*txn)->find("tok");
  assert_false(found.ok());
  assert_int_equal(found.error().code, Errc::unavailable);
  assert_non_null(std::strstr(found.error().message.c_str(), "last_step"));
}

void test_hotp_resync_moves_past_the_second_code(void** state) {
  const test::TestEnv& env = test::env_state(state);
  test::enroll(env, "tok", test::rfc_sha1_key(), kToken, -1);
  // Counter 8 is beyond a window of 3 from 0.
  assert_int_equal(login(env, kRfc4226Codes[8]).outcome, Outcome::wrong_code);
  auto done = resync(env, kRfc4226Codes[6], kRfc4226Codes[7]);
  assert_true(done.ok());
  assert_int_equal(done->outcome, ResyncOutcome::resynced);
  assert_int_equal(done->next_counter, 8);
  assert_int_equal(last_used(env), 7);
  // The pair is used up: neither logs in, nor resynchronises again.
  assert_int_equal(login(env, kRfc4226Codes[7]).outcome, Outcome::replayed);
  assert_int_equal(resync(env, kRfc4226Codes[6], kRfc4226Codes[7])->outcome,
                   ResyncOutcome::not_found);
  assert_int_equal(login(env, kRfc4226Codes[8]).outcome, Outcome::accepted);
}

void test_hotp_resync_refusals(void** state) {
  const test::TestEnv& env = test::env_state(state);
  test::enroll(env, "tok", test::rfc_sha1_key(), kToken, -1);
  assert_int_equal(resync(env, kRfc4226Codes[5], kRfc4226Codes[7])->outcome,
                   ResyncOutcome::not_found);
  assert_int_equal(resync(env, "12345", kRfc4226Codes[7])->outcome, ResyncOutcome::bad_input);
  assert_int_equal(last_used(env), -1);
  // The user's own misses count, and a lockout stops the search (policy: 2 failures).
  assert_int_equal(resync(env, kRfc4226Codes[5], kRfc4226Codes[7], true)->outcome,
                   ResyncOutcome::not_found);
  assert_int_equal(resync(env, kRfc4226Codes[5], kRfc4226Codes[7], true)->outcome,
                   ResyncOutcome::not_found);
  assert_int_equal(resync(env, kRfc4226Codes[5], kRfc4226Codes[6], true)->outcome,
                   ResyncOutcome::locked);
  // Root is not locked out.
  assert_int_equal(resync(env, kRfc4226Codes[5], kRfc4226Codes[6])->outcome,
                   ResyncOutcome::resynced);
  // A time-based user has nothing to resynchronise.
  test::enroll(env, "tok", test::rfc_sha1_key(), OtpParams{}, -1);
  assert_int_equal(resync(env, kRfc4226Codes[8], kRfc4226Codes[9])->outcome,
                   ResyncOutcome::not_counter);
}

int run_unit_tests() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_hotp_code_matches_rfc4226_appendix_d),
      cmocka_unit_test(test_hotp_code_refuses_out_of_range),
      cmocka_unit_test(test_hotp_period_zero_is_the_counter_kind),
      cmocka_unit_test(test_hotp_match_looks_ahead_window_counters),
      cmocka_unit_test(test_hotp_match_finds_used_counters_for_the_replay_verdict),
      cmocka_unit_test(test_hotp_match_stops_at_the_counter_bound),
      cmocka_unit_test(test_hotp_refuses_a_last_counter_out_of_range),
      cmocka_unit_test(test_hotp_find_pair_needs_consecutive_codes),
      cmocka_unit_test(test_hotp_find_pair_is_bounded),
      cmocka_unit_test(test_hotp_token_identifier_is_taken_off),
      SSHOTP_ENV_TEST(test_hotp_login_consumes_counters_in_order),
      SSHOTP_ENV_TEST(test_hotp_login_at_a_migrated_counter),
      SSHOTP_ENV_TEST(test_hotp_row_with_counter_out_of_range_is_corrupt),
      SSHOTP_ENV_TEST(test_hotp_resync_moves_past_the_second_code),
      SSHOTP_ENV_TEST(test_hotp_resync_refusals),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

}  // namespace
}  // namespace sshotp

int main() { return sshotp::run_unit_tests(); }
