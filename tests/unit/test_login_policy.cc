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

// One look at the account: the settings, who logs in, and what must come out.
struct AccountCase {
  const char* what;
  const char* require_group;
  const char* exempt_group;
  bool require_publickey;
  gid_t gid;  // the account's primary group
  bool publickey_done;
  PrePrompt action;
  const char* reason;
  Requirement requirement;
};

constexpr PrePrompt kAsk = PrePrompt::ask;
constexpr PrePrompt kSkip = PrePrompt::skip;
constexpr Requirement kAsked = Requirement::ask;
constexpr Requirement kExempt = Requirement::exempt;
constexpr Requirement kNotIn = Requirement::not_in_required;

const AccountCase kAccountCases[] = {
    {"no policy", "", "", false, kOtherGid, true, kAsk, "ask", kAsked},
    {"no policy, no evidence", "", "", false, kOtherGid, false, kAsk, "ask", kAsked},
    {"exempt member", "", "root", false, kRootGid, true, kSkip, "exempt-group", kExempt},
    {"exempt non-member", "", "root", false, kOtherGid, true, kAsk, "ask", kAsked},
    // A missing exempt_group exempts nobody.
    {"exempt group missing", "", "no-such-group-sshotp", false, kRootGid, true, kAsk, "ask",
     kAsked},
    {"required non-member", "root", "", false, kOtherGid, true, kSkip, "not-in-required-group",
     kNotIn},
    {"required member", "root", "", false, kRootGid, true, kAsk, "ask", kAsked},
    {"exempt comes before required", "root", "root", false, kRootGid, true, kSkip, "exempt-group",
     kExempt},
    {"require_publickey, no evidence", "", "", true, kOtherGid, false, PrePrompt::refuse,
     "no-publickey", kAsked},
    {"require_publickey, evidence", "", "", true, kOtherGid, true, kAsk, "ask", kAsked},
    // The group policy comes first: a user it passes over steps aside, evidence or not.
    {"exempt, no evidence", "", "root", true, kRootGid, false, kSkip, "exempt-group", kExempt},
    {"not required, no evidence", "root", "", true, kOtherGid, false, kSkip,
     "not-in-required-group", kNotIn},
};

void test_login_policy_account_outcomes(void**) {
  for (const AccountCase& c : kAccountCases) {
    Config config;
    config.require_group = c.require_group;
    config.exempt_group = c.exempt_group;
    config.require_publickey = c.require_publickey;
    auto look = look_at_account(config, stranger(c.gid), c.publickey_done);
    if (!look) fail_msg("%s: unexpected error: %s", c.what, look.error().message.c_str());
    if (look->action != c.action || std::string_view(look->reason) != c.reason ||
        look->requirement != c.requirement) {
      fail_msg("%s: got action %d reason '%s' requirement %d", c.what,
               static_cast<int>(look->action), look->reason, static_cast<int>(look->requirement));
    }
  }
}

void test_login_policy_missing_require_group_is_an_error(void**) {
  // Read as "nobody is a member", everyone would skip the code: the caller fails closed.
  Config config;
  config.require_group = "no-such-group-sshotp";
  auto look = look_at_account(config, stranger(kRootGid), true);
  assert_false(look.ok());
  assert_int_equal(static_cast<int>(look.error().code), static_cast<int>(Errc::unavailable));
  assert_true(look.error().message.find("require_group") != std::string::npos);
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
      cmocka_unit_test(test_login_policy_account_outcomes),
      cmocka_unit_test(test_login_policy_missing_require_group_is_an_error),
      STORE_TEST(test_login_policy_not_enrolled_skips_only_with_nullok_and_evidence),
      STORE_TEST(test_login_policy_enrolled_user_is_asked_even_with_nullok),
      STORE_TEST(test_login_policy_disabled_enrollment_is_asked),
      STORE_TEST(test_login_policy_locked_user_is_not_asked_until_the_lock_ends),
      STORE_TEST(test_login_policy_store_failure_is_an_error),
  };
#undef STORE_TEST
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
