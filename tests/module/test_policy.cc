// SPDX-License-Identifier: BSD-3-Clause
// The built module's policy through the real libpam: recovery codes (accepted once, remaining
// count told), the persistent lockout (PAM_MAXTRIES without testing the code, reset by a
// success), nullok (PAM_IGNORE only with publickey evidence), require_group / exempt_group,
// require_publickey. Every case asserts the exact PAM code.
#include <security/pam_appl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "common/sqlite_store.h"
#include "tests/support/pam_harness.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

using namespace sshotp;
using namespace sshotp::test;

namespace {

int setup(void** state) {
  install_pam_fixture(state, "max_failures = 3\nlockout_time = 600\n");
  return 0;
}

void test_recovery_code_accepted_once_and_count_told(void** state) {
  const PamFixture& f = pam_fixture(state);
  auto codes = give_recovery_codes(f.env, "alice", 4);
  auto first = FakeConversation::answering({codes[1]});
  assert_int_equal(f.login("alice", first), PAM_SUCCESS);
  assert_true(first.was_told("3 left"));
  assert_int_equal(f.login("alice", codes[1]), PAM_AUTH_ERR);  // used up
  // Typing is forgiving: upper case, no dashes, spaces.
  std::string sloppy;
  for (char c : codes[2]) {
    if (c == '-') continue;
    if (sloppy.size() == 4) sloppy.push_back(' ');
    sloppy.push_back(static_cast<char>(toupper(c)));
  }
  auto second = FakeConversation::answering({sloppy});
  assert_int_equal(f.login("alice", second), PAM_SUCCESS);
  assert_true(second.was_told("Only 2 left"));
}

void test_recovery_code_of_another_user_refused(void** state) {
  const PamFixture& f = pam_fixture(state);
  enroll(f.env, "bob", f.secret);
  auto bobs = give_recovery_codes(f.env, "bob", 2);
  give_recovery_codes(f.env, "alice", 2);
  assert_int_equal(f.login("alice", bobs[0]), PAM_AUTH_ERR);
  assert_int_equal(f.login("bob", bobs[0]), PAM_SUCCESS);
}

void test_recovery_code_silent_sends_no_message(void** state) {
  const PamFixture& f = pam_fixture(state);
  auto codes = give_recovery_codes(f.env, "alice", 3);
  auto conv = FakeConversation::answering({codes[0]});
  assert_int_equal(f.login("alice", conv, {.flags = PAM_SILENT}), PAM_SUCCESS);
  assert_true(conv.notices().empty());
}

void test_lockout_after_max_failures_refuses_right_code(void** state) {
  const PamFixture& f = pam_fixture(state);
  assert_int_equal(f.login("alice", "000000"), PAM_AUTH_ERR);
  assert_int_equal(f.login("alice", "000001"), PAM_AUTH_ERR);
  auto third = FakeConversation::answering({"000002"});
  assert_int_equal(f.login("alice", third), PAM_MAXTRIES);  // the failure that locks
  assert_true(third.was_told("Too many failed attempts"));  // ends the connection
  // Locked: the right code is not even looked at, and no prompt is shown.
  auto locked = FakeConversation::answering({f.code()});
  assert_int_equal(f.login("alice", locked), PAM_MAXTRIES);
  assert_true(locked.prompts().empty());
  // After the lockout time, a right code gets in again.
  set_fake_time(kFakeNow + 601);
  assert_int_equal(f.login("alice", f.code()), PAM_SUCCESS);
}

void test_lockout_grows_for_repeat_lockouts(void** state) {
  const PamFixture& f = pam_fixture(state);
  for (int i = 0; i < 3; ++i) f.login("alice", "000000");
  set_fake_time(kFakeNow + 601);  // first lockout (600 s) over
  for (int i = 0; i < 3; ++i) f.login("alice", "000000");
  set_fake_time(kFakeNow + 601 + 601);  // the second one lasts 1200 s
  assert_int_equal(f.login("alice", f.code()), PAM_MAXTRIES);
  set_fake_time(kFakeNow + 601 + 1201);
  assert_int_equal(f.login("alice", f.code()), PAM_SUCCESS);
}

// A success after an expired lockout (failures 0, locked_until in the past, lockouts 1) still
// writes the reset: the next lockout lasts the base 600 s again, not the doubled 1200 s.
void test_success_after_expired_lockout_resets_growth(void** state) {
  const PamFixture& f = pam_fixture(state);
  for (int i = 0; i < 3; ++i) f.login("alice", "000000");
  set_fake_time(kFakeNow + 601);
  assert_int_equal(f.login("alice", f.code()), PAM_SUCCESS);
  set_fake_time(kFakeNow + 631);
  for (int i = 0; i < 3; ++i) f.login("alice", "000000");
  set_fake_time(kFakeNow + 631 + 601);
  assert_int_equal(f.login("alice", f.code()), PAM_SUCCESS);
}

void test_success_resets_failure_count(void** state) {
  const PamFixture& f = pam_fixture(state);
  assert_int_equal(f.login("alice", "000000"), PAM_AUTH_ERR);
  assert_int_equal(f.login("alice", "000000"), PAM_AUTH_ERR);
  assert_int_equal(f.login("alice", f.code()), PAM_SUCCESS);
  set_fake_time(kFakeNow + 30);
  assert_int_equal(f.login("alice", "000000"), PAM_AUTH_ERR);
  assert_int_equal(f.login("alice", "000000"), PAM_AUTH_ERR);
  assert_int_equal(f.login("alice", f.code()), PAM_SUCCESS);
}

void test_lockout_is_per_user(void** state) {
  const PamFixture& f = pam_fixture(state);
  enroll(f.env, "bob", f.secret);
  for (int i = 0; i < 3; ++i) f.login("alice", "000000");
  assert_int_equal(f.login("bob", f.code()), PAM_SUCCESS);
}

// A disabled enrollment must not show through (README "No enumeration"): the user is asked, and
// refused exactly as for a wrong code, with nothing else said. The code is not looked at, so a
// right one is neither consumed nor counted and still works once the enrollment is enabled again.
void test_disabled_enrollment_refused_like_a_wrong_code(void** state) {
  const PamFixture& f = pam_fixture(state);
  enroll(f.env, "bob", f.secret);
  auto set_alice = [&](EnrollmentState to) {
    auto store = open_sqlite_store(f.env.db_path, OpenMode::existing, 2000);
    auto txn = (*store)->begin_write();
    assert_true(*(*txn)->set_state("alice", to));
    assert_true((*txn)->commit().ok());
  };
  set_alice(EnrollmentState::disabled);
  auto wrong = FakeConversation::answering({"000000"});
  assert_int_equal(f.login("bob", wrong), PAM_AUTH_ERR);
  auto disabled = FakeConversation::answering({f.code()});
  assert_int_equal(f.login("alice", disabled), PAM_AUTH_ERR);
  assert_int_equal(disabled.prompts().size(), 1);
  assert_true(disabled.prompts() == wrong.prompts());
  assert_true(disabled.notices() == wrong.notices());
  // Not even nullok lets a disabled user through: disabled is not "not enrolled".
  f.use_module_args("nullok");
  assert_int_equal(f.login("alice", f.code()), PAM_AUTH_ERR);
  f.use_module_args("");
  set_alice(EnrollmentState::active);
  assert_int_equal(f.login("alice", f.code()), PAM_SUCCESS);
}

void test_unenrolled_without_nullok_prompted_and_refused(void** state) {
  const PamFixture& f = pam_fixture(state);
  auto conv = FakeConversation::answering({f.code()});
  assert_int_equal(f.login("nobody-enrolled", conv), PAM_AUTH_ERR);
  assert_int_equal(conv.prompts().size(), 1);
}

void test_nullok_ignores_unenrolled_with_publickey_evidence(void** state) {
  const PamFixture& f = install_pam_fixture(state, "", "nullok");
  auto conv = FakeConversation::answering({""});
  // PAM_IGNORE alone: libpam's "no decision".
  assert_int_equal(f.login("carol", conv), PAM_PERM_DENIED);
  assert_true(conv.prompts().empty());
  // Enrolled users are still asked, and refused on a wrong code.
  assert_int_equal(f.login("alice", "000000"), PAM_AUTH_ERR);
}

void test_nullok_without_publickey_evidence_is_not_honoured(void** state) {
  const PamFixture& f = install_pam_fixture(state, "nullok = yes\n");
  auto conv = FakeConversation::answering({"123456"});
  assert_int_equal(f.login("carol", conv, {.publickey_done = false}), PAM_AUTH_ERR);
  assert_int_equal(conv.prompts().size(), 1);
}

void test_nullok_stack_with_pam_permit(void** state) {
  // The documented stack: pam_sshotp nullok, then pam_permit.
  const PamFixture& f = pam_fixture(state);
  f.use_stack(auth_line(f.env, "nullok") + "auth required pam_permit.so\n");
  assert_int_equal(f.login("carol", ""), PAM_SUCCESS);
  assert_int_equal(f.login("alice", "000000"), PAM_AUTH_ERR);
  assert_int_equal(f.login("alice", f.code()), PAM_SUCCESS);
}

void test_require_publickey_refuses_without_evidence(void** state) {
  const PamFixture& f = install_pam_fixture(state, "", "require_publickey");
  auto conv = FakeConversation::answering({f.code()});
  assert_int_equal(f.login("alice", conv, {.publickey_done = false}), PAM_AUTH_ERR);
  assert_true(conv.prompts().empty());
  assert_int_equal(f.login("alice", f.code()), PAM_SUCCESS);
}

// root's primary group is "root" (gid 0) on every Debian system; "nogroup" has no members.
std::string own_group() { return getuid() == 0 ? "root" : ""; }

void test_exempt_group_member_is_ignored(void** state) {
  if (own_group().empty()) skip();
  const PamFixture& f = install_pam_fixture(state, "exempt_group = root\n");
  auto conv = FakeConversation::answering({""});
  assert_int_equal(f.login("root", conv), PAM_PERM_DENIED);  // PAM_IGNORE, never SUCCESS
  assert_true(conv.prompts().empty());
  assert_int_equal(f.login("alice", "000000"), PAM_AUTH_ERR);  // not a member
}

void test_require_group_non_member_is_ignored(void** state) {
  const PamFixture& f = install_pam_fixture(state, "require_group = nogroup\n");
  auto conv = FakeConversation::answering({"000000"});
  assert_int_equal(f.login("alice", conv), PAM_PERM_DENIED);
  assert_true(conv.prompts().empty());
}

void test_require_group_missing_fails_closed(void** state) {
  const PamFixture& f = install_pam_fixture(state, "require_group = no-such-group-sshotp\n");
  assert_int_equal(f.login("alice", f.code()), PAM_AUTHINFO_UNAVAIL);
}

void test_bad_policy_values_are_service_errors(void** state) {
  const PamFixture& f = pam_fixture(state);
  for (const char* args : {"max_failures=0", "max_failures=101", "lockout_time=abc", "nullok=maybe",
                           "require_group=", "exempt_group=a:b"}) {
    f.use_module_args(args);
    auto conv = FakeConversation::answering({f.code()});
    const int rc = f.login("alice", conv);
    if (rc != PAM_SERVICE_ERR) fail_msg("%s: got %d", args, rc);
    assert_true(conv.prompts().empty());
  }
}

}  // namespace

int main() {
#define POLICY_TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown_pam_fixture)
  const struct CMUnitTest tests[] = {
      POLICY_TEST(test_recovery_code_accepted_once_and_count_told),
      POLICY_TEST(test_recovery_code_of_another_user_refused),
      POLICY_TEST(test_recovery_code_silent_sends_no_message),
      POLICY_TEST(test_lockout_after_max_failures_refuses_right_code),
      POLICY_TEST(test_lockout_grows_for_repeat_lockouts),
      POLICY_TEST(test_success_after_expired_lockout_resets_growth),
      POLICY_TEST(test_success_resets_failure_count),
      POLICY_TEST(test_lockout_is_per_user),
      POLICY_TEST(test_disabled_enrollment_refused_like_a_wrong_code),
      POLICY_TEST(test_unenrolled_without_nullok_prompted_and_refused),
      POLICY_TEST(test_nullok_ignores_unenrolled_with_publickey_evidence),
      POLICY_TEST(test_nullok_without_publickey_evidence_is_not_honoured),
      POLICY_TEST(test_nullok_stack_with_pam_permit),
      POLICY_TEST(test_require_publickey_refuses_without_evidence),
      POLICY_TEST(test_exempt_group_member_is_ignored),
      POLICY_TEST(test_require_group_non_member_is_ignored),
      POLICY_TEST(test_require_group_missing_fails_closed),
      POLICY_TEST(test_bad_policy_values_are_service_errors),
  };
#undef POLICY_TEST
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
