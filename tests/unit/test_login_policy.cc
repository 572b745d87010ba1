// SPDX-License-Identifier: BSD-3-Clause
// Unit tests of what a login does before its prompt (common/login_policy), without libpam:
// the look at the account (exempt_group / require_group, require_publickey, in that order, and a
// failed group lookup as an error) and the look at the enrollment (nullok only with publickey
// evidence, a disabled enrollment asked like any other, a lockout and its end, a store failure
// as an error and never "not enrolled"). tests/module/test_policy drives the same through PAM.
//
// Groups come from the system's own databases, without nss_wrapper: the accounts here are made
// up (no passwd entry is needed, getgrouplist of an unknown name lists only the primary group
// it is given), and the group is "root", gid 0, which every Linux system has.
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/login_policy.h"
#include "common/store.h"
#include "tests/support/fixture.h"
#include "tests/unit/store_test_support.h"  // last: it brings in cmocka

namespace sshotp {
namespace {

constexpr std::int64_t kNow = 1700000000;
constexpr gid_t kRootGid = 0;
constexpr gid_t kOtherGid = 64999;  // the made-up account's own group, in no group's list

// A made-up account whose primary group is `gid`.
Account stranger(gid_t gid) {
  return Account{"sshotp-test-stranger", 64999, gid, "sshotp-test-stranger", gid};
}

Config with_groups(std::string_view require_group, std::string_view exempt_group) {
  Config config;
  config.require_group = require_group;
  config.exempt_group = exempt_group;
  return config;
}

AccountLook account_look(const Config& config, const Account& account, bool publickey_done) {
  auto look = look_at_account(config, account, publickey_done);
  if (!look) fail_msg("unexpected error: %s", look.error().message.c_str());
  return *look;
}

void assert_account_look(const AccountLook& look, PrePrompt action, const char* reason,
                         Requirement requirement) {
  assert_int_equal(static_cast<int>(look.action), static_cast<int>(action));
  assert_string_equal(look.reason, reason);
  assert_int_equal(static_cast<int>(look.requirement), static_cast<int>(requirement));
}

void test_login_policy_asks_without_group_policy(void**) {
  assert_account_look(account_look(Config{}, stranger(kOtherGid), true), PrePrompt::ask, "ask",
                      Requirement::ask);
  // Without require_publickey, evidence does not matter.
  assert_account_look(account_look(Config{}, stranger(kOtherGid), false), PrePrompt::ask, "ask",
                      Requirement::ask);
}

void test_login_policy_exempt_group_member_skips(void**) {
  const Config config = with_groups("", "root");
  assert_account_look(account_look(config, stranger(kRootGid), true), PrePrompt::skip,
                      "exempt-group", Requirement::exempt);
  assert_account_look(account_look(config, stranger(kOtherGid), true), PrePrompt::ask, "ask",
                      Requirement::ask);
}

void test_login_policy_missing_exempt_group_exempts_nobody(void**) {
  assert_account_look(
      account_look(with_groups("", "no-such-group-sshotp"), stranger(kRootGid), true),
      PrePrompt::ask, "ask", Requirement::ask);
}

void test_login_policy_require_group_non_member_skips(void**) {
  const Config config = with_groups("root", "");
  assert_account_look(account_look(config, stranger(kOtherGid), true), PrePrompt::skip,
                      "not-in-required-group", Requirement::not_in_required);
  assert_account_look(account_look(config, stranger(kRootGid), true), PrePrompt::ask, "ask",
                      Requirement::ask);
}

void test_login_policy_missing_require_group_is_an_error(void**) {
  // Read as "nobody is a member", everyone would skip the code: the caller fails closed.
  auto look = look_at_account(with_groups("no-such-group-sshotp", ""), stranger(kRootGid), true);
  assert_false(look.ok());
  assert_int_equal(static_cast<int>(look.error().code), static_cast<int>(Errc::unavailable));
  assert_true(look.error().message.find("require_group") != std::string::npos);
}

void test_login_policy_require_publickey_refuses_without_evidence(void**) {
  Config config;
  config.require_publickey = true;
  assert_account_look(account_look(config, stranger(kOtherGid), false), PrePrompt::refuse,
                      "no-publickey", Requirement::ask);
  assert_account_look(account_look(config, stranger(kOtherGid), true), PrePrompt::ask, "ask",
                      Requirement::ask);
}

void test_login_policy_group_policy_comes_before_require_publickey(void**) {
  // A user the group policy passes over steps aside, evidence or not.
  Config exempt = with_groups("", "root");
  exempt.require_publickey = true;
  assert_account_look(account_look(exempt, stranger(kRootGid), false), PrePrompt::skip,
                      "exempt-group", Requirement::exempt);
  Config required = with_groups("root", "");
  required.require_publickey = true;
  assert_account_look(account_look(required, stranger(kOtherGid), false), PrePrompt::skip,
                      "not-in-required-group", Requirement::not_in_required);
}

// ---- the look at the enrollment, against a real store ----

int open_store_state(void** state) {
  *state = test::open_test_store().release();
  return 0;
}

int close_store_state(void** state) {
  test::close_test_store(
      std::unique_ptr<test::OpenTestStore>(static_cast<test::OpenTestStore*>(*state)));
  return 0;
}

test::OpenTestStore& opened(void** state) { return *static_cast<test::OpenTestStore*>(*state); }

Config nullok(bool on) {
  Config config;
  config.nullok = on;
  return config;
}

EnrollmentLook enrollment_look(void** state, std::string_view user, const Config& config,
                               bool publickey_done, std::int64_t now = kNow) {
  auto look = look_at_enrollment(config, user, publickey_done, *opened(state).store, now);
  if (!look) fail_msg("unexpected error: %s", look.error().message.c_str());
  return *look;
}

void assert_enrollment_look(const EnrollmentLook& look, PrePrompt action, const char* reason,
                            bool enrolled, bool disabled, bool locked) {
  assert_int_equal(static_cast<int>(look.action), static_cast<int>(action));
  assert_string_equal(look.reason, reason);
  assert_int_equal(look.enrolled, enrolled);
  assert_int_equal(look.disabled, disabled);
  assert_int_equal(look.locked, locked);
}

void change(void** state, const std::function<void(StoreTransaction&)>& edit) {
  auto txn = opened(state).store->begin_write();
  assert_true(txn.ok());
  edit(**txn);
  assert_true((*txn)->commit().ok());
}

void enroll_alice(void** state) { test::enroll(opened(state).env, "alice", test::rfc_sha1_key()); }

// Records a lockout of alice until `until`, and checks that the store holds it.
void lock_alice_until(void** state, std::int64_t until) {
  change(state, [until](StoreTransaction& txn) {
    assert_true(txn.set_lockout("alice", LockoutState{0, until, 1}).ok());
  });
  auto snapshot = opened(state).store->begin_read();
  assert_true(snapshot.ok());
  auto found = (*snapshot)->find("alice");
  assert_true(found.ok() && found->has_value());
  assert_int_equal((*found)->lockout.locked_until, until);
}

void test_login_policy_not_enrolled_skips_only_with_nullok_and_evidence(void** state) {
  assert_enrollment_look(enrollment_look(state, "carol", nullok(true), true), PrePrompt::skip,
                         "not-enrolled", false, false, false);
  // nullok only counts with publickey evidence: without it, "not enrolled" is asked (and then
  // refused by the verifier), or a misconfigured sshd would make it "no factor at all".
  assert_enrollment_look(enrollment_look(state, "carol", nullok(true), false), PrePrompt::ask,
                         "ask", false, false, false);
  assert_enrollment_look(enrollment_look(state, "carol", nullok(false), true), PrePrompt::ask,
                         "ask", false, false, false);
  assert_enrollment_look(enrollment_look(state, "carol", nullok(false), false), PrePrompt::ask,
                         "ask", false, false, false);
}

void test_login_policy_enrolled_user_is_asked_even_with_nullok(void** state) {
  enroll_alice(state);
  assert_enrollment_look(enrollment_look(state, "alice", nullok(true), true), PrePrompt::ask, "ask",
                         true, false, false);
  // Another user's enrollment does not make carol enrolled.
  assert_enrollment_look(enrollment_look(state, "carol", nullok(true), true), PrePrompt::skip,
                         "not-enrolled", false, false, false);
}

void test_login_policy_disabled_enrollment_is_asked(void** state) {
  enroll_alice(state);
  change(state, [](StoreTransaction& txn) {
    auto changed = txn.set_state("alice", EnrollmentState::disabled);
    assert_true(changed.ok() && *changed);
  });
  // Asked like any other (the verifier refuses it like a wrong code), and not "not enrolled",
  // so nullok does not let it through.
  assert_enrollment_look(enrollment_look(state, "alice", nullok(true), true), PrePrompt::ask, "ask",
                         true, true, false);
  // Its codes are not looked at, so a lockout recorded before it was disabled does not show.
  lock_alice_until(state, kNow + 600);
  assert_enrollment_look(enrollment_look(state, "alice", nullok(false), true), PrePrompt::ask,
                         "ask", true, true, false);
}

void test_login_policy_locked_user_is_not_asked_until_the_lock_ends(void** state) {
  enroll_alice(state);
  lock_alice_until(state, kNow + 600);
  assert_enrollment_look(enrollment_look(state, "alice", nullok(false), true), PrePrompt::locked,
                         "locked", true, false, true);
  assert_enrollment_look(enrollment_look(state, "alice", nullok(true), false, kNow + 599),
                         PrePrompt::locked, "locked", true, false, true);
  // locked_until is the first second that is free again.
  assert_enrollment_look(enrollment_look(state, "alice", nullok(false), true, kNow + 600),
                         PrePrompt::ask, "ask", true, false, false);
}

// A store that cannot even start a transaction, as when another writer holds it too long.
class BusyStore final : public Store {
 public:
  Result<std::unique_ptr<StoreTransaction>> begin_write() override { return busy(); }
  Result<std::unique_ptr<StoreTransaction>> begin_read() override { return busy(); }

 private:
  static Error busy() { return make_error(Errc::busy, "the store is busy (test)"); }
};

void test_login_policy_store_failure_is_an_error(void** state) {
  BusyStore busy;
  auto look = look_at_enrollment(nullok(true), "carol", true, busy, kNow);
  assert_false(look.ok());
  // Passed on as it came: the module logs busy at LOG_ERR, anything else at LOG_ALERT.
  assert_int_equal(static_cast<int>(look.error().code), static_cast<int>(Errc::busy));
  assert_string_equal(look.error().message.c_str(), "the store is busy (test)");

  // A lookup that fails inside the snapshot is an error too, never "not enrolled" (which nullok
  // would turn into a skipped code).
  test::raw_sql(opened(state).env.db_path, "ALTER TABLE enrollments RENAME TO moved_away");
  auto broken = look_at_enrollment(nullok(true), "carol", true, *opened(state).store, kNow);
  assert_false(broken.ok());
}

}  // namespace
}  // namespace sshotp

int main() {
  using namespace sshotp;
#define STORE_TEST(f) cmocka_unit_test_setup_teardown(f, open_store_state, close_store_state)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_login_policy_asks_without_group_policy),
      cmocka_unit_test(test_login_policy_exempt_group_member_skips),
      cmocka_unit_test(test_login_policy_missing_exempt_group_exempts_nobody),
      cmocka_unit_test(test_login_policy_require_group_non_member_skips),
      cmocka_unit_test(test_login_policy_missing_require_group_is_an_error),
      cmocka_unit_test(test_login_policy_require_publickey_refuses_without_evidence),
      cmocka_unit_test(test_login_policy_group_policy_comes_before_require_publickey),
      STORE_TEST(test_login_policy_not_enrolled_skips_only_with_nullok_and_evidence),
      STORE_TEST(test_login_policy_enrolled_user_is_asked_even_with_nullok),
      STORE_TEST(test_login_policy_disabled_enrollment_is_asked),
      STORE_TEST(test_login_policy_locked_user_is_not_asked_until_the_lock_ends),
      STORE_TEST(test_login_policy_store_failure_is_an_error),
  };
#undef STORE_TEST
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
