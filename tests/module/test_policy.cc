// SPDX-License-Identifier: BSD-3-Clause
// The built module's policy through the real libpam: recovery codes (accepted once, remaining
// count told), the persistent lockout (PAM_MAXTRIES without testing the code, reset by a
// success), nullok (PAM_IGNORE only with publickey evidence), require_group / exempt_group,
// require_publickey. Every case asserts the exact PAM code.
#include <security/pam_appl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/support/pam_harness.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

using namespace sshotp;
using namespace sshotp::test;

namespace {

constexpr std::int64_t kNow = 1700000000;

struct Fixture {
  TestEnv env;
  std::string confdir;
  SecureBytes secret = rfc_sha1_key();
};

Fixture* make_fixture(std::string_view config_lines, std::string_view module_args = "") {
  auto* f = new Fixture;
  f->env = make_test_env(config_lines);
  f->confdir = write_service(f->env, module_args);
  enroll(f->env, "alice", f->secret);
  set_fake_time(kNow);
  return f;
}

int setup(void** state) {
  *state = make_fixture("max_failures = 3\nlockout_time = 600\n");
  return 0;
}

int teardown(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  destroy_test_env(f->env);
  delete f;
  return 0;
}

AuthOutcome login(const Fixture& f, const std::string& user, const std::string& reply,
                  bool publickey_done = true) {
  AuthRun run;
  run.user = user;
  run.replies = {reply};
  run.publickey_done = publickey_done;
  return run_authenticate(f.confdir, run);
}

std::string current_code(const Fixture& f) { return code_at(f.secret, {}, fake_time()); }

bool any_message_contains(const AuthOutcome& out, const char* needle) {
  for (const std::string& m : out.messages) {
    if (m.find(needle) != std::string::npos) return true;
  }
  return false;
}

void test_recovery_code_accepted_once_and_count_told(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  auto codes = give_recovery_codes(f->env, "alice", 4);
  AuthOutcome first = login(*f, "alice", codes[1]);
  assert_int_equal(first.rc, PAM_SUCCESS);
  assert_true(any_message_contains(first, "3 left"));
  assert_int_equal(login(*f, "alice", codes[1]).rc, PAM_AUTH_ERR);  // used up
  // Typing is forgiving: upper case, no dashes, spaces.
  std::string sloppy;
  for (char c : codes[2]) {
    if (c != '-') sloppy.push_back(static_cast<char>(toupper(c)));
  }
  sloppy.insert(4, " ");
  AuthOutcome second = login(*f, "alice", sloppy);
  assert_int_equal(second.rc, PAM_SUCCESS);
  assert_true(any_message_contains(second, "Only 2 left"));
}

void test_recovery_code_of_another_user_refused(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  enroll(f->env, "bob", f->secret);
  auto bobs = give_recovery_codes(f->env, "bob", 2);
  give_recovery_codes(f->env, "alice", 2);
  assert_int_equal(login(*f, "alice", bobs[0]).rc, PAM_AUTH_ERR);
  assert_int_equal(login(*f, "bob", bobs[0]).rc, PAM_SUCCESS);
}

void test_recovery_code_silent_sends_no_message(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  auto codes = give_recovery_codes(f->env, "alice", 3);
  AuthRun run;
  run.user = "alice";
  run.replies = {codes[0]};
  run.flags = PAM_SILENT;
  AuthOutcome out = run_authenticate(f->confdir, run);
  assert_int_equal(out.rc, PAM_SUCCESS);
  assert_true(out.messages.empty());
}

void test_lockout_after_max_failures_refuses_right_code(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  assert_int_equal(login(*f, "alice", "000000").rc, PAM_AUTH_ERR);
  assert_int_equal(login(*f, "alice", "000001").rc, PAM_AUTH_ERR);
  AuthOutcome third = login(*f, "alice", "000002");
  assert_int_equal(third.rc, PAM_MAXTRIES);  // the failure that locks ends the connection
  assert_true(any_message_contains(third, "Too many failed attempts"));
  // Locked: the right code is not even looked at, and no prompt is shown.
  AuthOutcome locked = login(*f, "alice", current_code(*f));
  assert_int_equal(locked.rc, PAM_MAXTRIES);
  assert_true(locked.prompts.empty());
  // After the lockout time, a right code gets in again.
  set_fake_time(kNow + 601);
  assert_int_equal(login(*f, "alice", current_code(*f)).rc, PAM_SUCCESS);
}

void test_lockout_grows_for_repeat_lockouts(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  for (int i = 0; i < 3; ++i) login(*f, "alice", "000000");
  set_fake_time(kNow + 601);  // first lockout (600 s) over
  for (int i = 0; i < 3; ++i) login(*f, "alice", "000000");
  set_fake_time(kNow + 601 + 601);  // the second one lasts 1200 s
  assert_int_equal(login(*f, "alice", current_code(*f)).rc, PAM_MAXTRIES);
  set_fake_time(kNow + 601 + 1201);
  assert_int_equal(login(*f, "alice", current_code(*f)).rc, PAM_SUCCESS);
}

void test_success_resets_failure_count(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  assert_int_equal(login(*f, "alice", "000000").rc, PAM_AUTH_ERR);
  assert_int_equal(login(*f, "alice", "000000").rc, PAM_AUTH_ERR);
  assert_int_equal(login(*f, "alice", current_code(*f)).rc, PAM_SUCCESS);
  set_fake_time(kNow + 30);
  assert_int_equal(login(*f, "alice", "000000").rc, PAM_AUTH_ERR);
  assert_int_equal(login(*f, "alice", "000000").rc, PAM_AUTH_ERR);
  assert_int_equal(login(*f, "alice", current_code(*f)).rc, PAM_SUCCESS);
}

void test_lockout_is_per_user(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  enroll(f->env, "bob", f->secret);
  for (int i = 0; i < 3; ++i) login(*f, "alice", "000000");
  assert_int_equal(login(*f, "bob", current_code(*f)).rc, PAM_SUCCESS);
}

void test_unenrolled_without_nullok_prompted_and_refused(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  AuthOutcome out = login(*f, "nobody-enrolled", current_code(*f));
  assert_int_equal(out.rc, PAM_AUTH_ERR);
  assert_int_equal(out.prompts.size(), 1);
}

void test_nullok_ignores_unenrolled_with_publickey_evidence(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  teardown(state);
  f = make_fixture("", "nullok");
  *state = f;
  AuthOutcome out = login(*f, "carol", "");
  assert_int_equal(out.rc, PAM_PERM_DENIED);  // PAM_IGNORE alone: libpam's "no decision"
  assert_true(out.prompts.empty());
  // Enrolled users are still asked, and refused on a wrong code.
  assert_int_equal(login(*f, "alice", "000000").rc, PAM_AUTH_ERR);
}

void test_nullok_without_publickey_evidence_is_not_honoured(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  teardown(state);
  f = make_fixture("nullok = yes\n");
  *state = f;
  AuthOutcome out = login(*f, "carol", "123456", /*publickey_done=*/false);
  assert_int_equal(out.rc, PAM_AUTH_ERR);
  assert_int_equal(out.prompts.size(), 1);
}

void test_nullok_stack_with_pam_permit(void** state) {
  // The documented stack: pam_sshotp nullok, then pam_permit.
  auto* f = static_cast<Fixture*>(*state);
  write_file(f->confdir + "/sshotp-test",
             "auth required " + module_path() + " config=" + f->env.config_path +
                 " nullok\nauth required pam_permit.so\n",
             0644);
  assert_int_equal(login(*f, "carol", "").rc, PAM_SUCCESS);
  assert_int_equal(login(*f, "alice", "000000").rc, PAM_AUTH_ERR);
  assert_int_equal(login(*f, "alice", current_code(*f)).rc, PAM_SUCCESS);
}

void test_require_publickey_refuses_without_evidence(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  teardown(state);
  f = make_fixture("", "require_publickey");
  *state = f;
  AuthOutcome out = login(*f, "alice", current_code(*f), /*publickey_done=*/false);
  assert_int_equal(out.rc, PAM_AUTH_ERR);
  assert_true(out.prompts.empty());
  assert_int_equal(login(*f, "alice", current_code(*f)).rc, PAM_SUCCESS);
}

// root's primary group is "root" (gid 0) on every Debian system; "nogroup" has no members.
std::string own_group() { return getuid() == 0 ? "root" : ""; }

void test_exempt_group_member_is_ignored(void** state) {
  if (own_group().empty()) skip();
  auto* f = static_cast<Fixture*>(*state);
  teardown(state);
  f = make_fixture("exempt_group = root\n");
  *state = f;
  AuthOutcome out = login(*f, "root", "");
  assert_int_equal(out.rc, PAM_PERM_DENIED);  // PAM_IGNORE, never PAM_SUCCESS
  assert_true(out.prompts.empty());
  assert_int_equal(login(*f, "alice", "000000").rc, PAM_AUTH_ERR);  // not a member
}

void test_require_group_non_member_is_ignored(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  teardown(state);
  f = make_fixture("require_group = nogroup\n");
  *state = f;
  AuthOutcome out = login(*f, "alice", "000000");
  assert_int_equal(out.rc, PAM_PERM_DENIED);
  assert_true(out.prompts.empty());
}

void test_require_group_missing_fails_closed(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  teardown(state);
  f = make_fixture("require_group = no-such-group-sshotp\n");
  *state = f;
  assert_int_equal(login(*f, "alice", current_code(*f)).rc, PAM_AUTHINFO_UNAVAIL);
}

void test_bad_policy_values_are_service_errors(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  for (const char* args : {"max_failures=0", "max_failures=101", "lockout_time=abc",
                           "nullok=maybe", "require_group=", "exempt_group=a:b"}) {
    write_file(f->confdir + "/sshotp-test",
               "auth required " + module_path() + " config=" + f->env.config_path + " " + args +
                   "\n",
               0644);
    AuthOutcome out = login(*f, "alice", current_code(*f));
    if (out.rc != PAM_SERVICE_ERR) fail_msg("%s: got %d", args, out.rc);
    assert_true(out.prompts.empty());
  }
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_recovery_code_accepted_once_and_count_told, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_recovery_code_of_another_user_refused, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_recovery_code_silent_sends_no_message, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_lockout_after_max_failures_refuses_right_code, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_lockout_grows_for_repeat_lockouts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_success_resets_failure_count, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lockout_is_per_user, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unenrolled_without_nullok_prompted_and_refused, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_nullok_ignores_unenrolled_with_publickey_evidence,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_nullok_without_publickey_evidence_is_not_honoured,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_nullok_stack_with_pam_permit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_require_publickey_refuses_without_evidence, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_exempt_group_member_is_ignored, setup, teardown),
      cmocka_unit_test_setup_teardown(test_require_group_non_member_is_ignored, setup, teardown),
      cmocka_unit_test_setup_teardown(test_require_group_missing_fails_closed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_policy_values_are_service_errors, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
