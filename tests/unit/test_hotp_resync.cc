// SPDX-License-Identifier: BSD-3-Clause
// Resynchronising a hardware token (common/hotp_resync.h), on the store the login uses: two
// consecutive codes within kResyncRange of the expected counter move the counter past the
// second, after which the next press logs in and the pair (and anything before it) is used up;
// anything else changes nothing. The user's own attempt is counted like a login, root's is not.
// The codes come from RFC 4226 Appendix D where the counters are small, from hotp_code beyond.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/hotp.h"
#include "common/hotp_resync.h"
#include "common/verifier.h"
#include "tests/support/fixture.h"

// Last: cmocka defines macros such as fail() that break standard headers included after it.
#include "tests/support/cmocka.h"

namespace sshotp {
namespace {

constexpr std::int64_t kNow = 1700000000;
constexpr OtpParams kToken{Algorithm::sha1, 6, kCounterBased};

// RFC 4226 Appendix D: the codes of counters 0 to 9 under rfc_sha1_key().
constexpr const char* kRfc4226[] = {"755224", "287082", "359152", "969429", "338314",
                                    "254676", "287922", "162583", "399871", "520489"};

std::string code(std::int64_t counter) {
  if (counter < 10) return kRfc4226[counter];
  auto c = hotp_code(test::rfc_sha1_key(), kToken, counter);
  assert_true(c.ok());
  return std::string(c->view());
}

struct Fixture {
  std::unique_ptr<test::OpenTestStore> opened = test::open_test_store();
  LockoutPolicy lockout;  // max_failures 10

  ~Fixture() { test::close_test_store(std::move(opened)); }

  ResyncResult resync(std::string_view first, std::string_view second, bool by_user = false) {
    auto result =
        resync_hotp(*opened->store, opened->key, {"tok", first, second, kNow, by_user, lockout});
    if (!result) print_error("resync: %s\n", result.error().message.c_str());
    assert_true(result.ok());
    return *result;
  }

  Outcome login(std::string_view typed) {
    auto verdict = verify_and_consume(*opened->store, opened->key,
                                      {"tok", typed, kNow, 1, lockout, kDefaultHotpWindow});
    assert_true(verdict.ok());
    return verdict->outcome;
  }

  Enrollment row() {
    auto txn = opened->store->begin_read();
    assert_true(txn.ok());
    auto found = (*txn)->find("tok");
    assert_true(found.ok() && found->has_value());
    return **found;
  }
};

void test_resync_moves_past_the_pair(void**) {
  Fixture f;
  test::enroll(f.opened->env, "tok", test::rfc_sha1_key(), kToken, 2);  // next: 3
  // 50 presses ahead: beyond hotp_window, so the login refuses it (and counts a failure).
  assert_int_equal(f.login(code(53)), Outcome::wrong_code);
  const ResyncResult r = f.resync(code(53), code(54));
  assert_int_equal(r.outcome, ResyncOutcome::resynced);
  assert_int_equal(r.next_counter, 55);
  assert_int_equal(f.row().last_step, 54);
  assert_int_equal(f.login(code(54)), Outcome::replayed);
  assert_int_equal(f.login(code(55)), Outcome::accepted);
  // The pair is used up: replaying it (or any earlier pair) finds nothing and moves nothing.
  assert_int_equal(f.resync(code(53), code(54)).outcome, ResyncOutcome::not_found);
  assert_int_equal(f.resync(code(54), code(55)).outcome, ResyncOutcome::not_found);
  assert_int_equal(f.resync(kRfc4226[3], kRfc4226[4]).outcome, ResyncOutcome::not_found);
  assert_int_equal(f.row().last_step, 55);
}

void test_resync_refuses_other_pairs(void**) {
  Fixture f;
  test::enroll(f.opened->env, "tok", test::rfc_sha1_key(), kToken);                  // next: 0
  assert_int_equal(f.resync(code(50), code(52)).outcome, ResyncOutcome::not_found);  // a gap
  assert_int_equal(f.resync(code(51), code(50)).outcome, ResyncOutcome::not_found);  // reversed
  // The search covers kResyncRange counters after the expected one, not one more.
  const std::int64_t last = kResyncRange;
  assert_int_equal(f.resync(code(last), code(last + 1)).outcome, ResyncOutcome::not_found);
  assert_int_equal(f.row().last_step, -1);
  assert_int_equal(f.resync("12345", code(1)).outcome, ResyncOutcome::bad_input);
  assert_int_equal(f.resync(code(last - 1), code(last)).outcome, ResyncOutcome::resynced);
  assert_int_equal(f.row().last_step, last);
  assert_int_equal(f.row().lockout.failures, 0);  // root's misses are not counted
}

void test_resync_by_the_user_counts_like_a_login(void**) {
  Fixture f;
  f.lockout.max_failures = 2;
  test::enroll(f.opened->env, "tok", test::rfc_sha1_key(), kToken);
  assert_int_equal(f.resync(code(7), code(9), true).outcome, ResyncOutcome::not_found);
  assert_int_equal(f.row().lockout.failures, 1);
  assert_int_equal(f.resync(code(7), code(9), true).outcome, ResyncOutcome::not_found);
  assert_true(is_locked(f.row().lockout, kNow));
  // Locked: not even the right pair is looked at, until root (not counted) steps in.
  assert_int_equal(f.resync(code(7), code(8), true).outcome, ResyncOutcome::locked);
  assert_int_equal(f.row().last_step, -1);
  assert_int_equal(f.resync(code(7), code(8)).outcome, ResyncOutcome::resynced);
}

void test_resync_needs_an_active_token(void**) {
  Fixture f;
  assert_int_equal(f.resync(code(1), code(2)).outcome, ResyncOutcome::not_enrolled);
  test::enroll(f.opened->env, "tok", test::rfc_sha1_key());  // an app's TOTP
  assert_int_equal(f.resync(code(1), code(2)).outcome, ResyncOutcome::not_counter);
  test::enroll(f.opened->env, "tok", test::rfc_sha1_key(), kToken);
  {
    auto txn = f.opened->store->begin_write();
    assert_true(txn.ok());
    assert_true((*txn)->set_state("tok", EnrollmentState::disabled).ok());
    assert_true((*txn)->commit().ok());
  }
  assert_int_equal(f.resync(code(1), code(2)).outcome, ResyncOutcome::disabled);
  assert_int_equal(f.row().last_step, -1);
}

}  // namespace
}  // namespace sshotp

int main() {
  using namespace sshotp;
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_resync_moves_past_the_pair),
      cmocka_unit_test(test_resync_refuses_other_pairs),
      cmocka_unit_test(test_resync_by_the_user_counts_like_a_login),
      cmocka_unit_test(test_resync_needs_an_active_token),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
