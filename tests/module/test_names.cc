// SPDX-License-Identifier: BSD-3-Clause
// User and group names through the real libpam, under nss_wrapper (tests/support/with_nss.sh
// serves the accounts; nss_fault.so injects directory errors):
//   - every spelling of an account (ALICE, alice@example.test: the uid of alice) is alice: the
//     same enrollment, the same refusal of a wrong code, never "not enrolled" under nullok;
//   - a name the passwd database does not know is PAM_USER_UNKNOWN, never PAM_IGNORE;
//   - a user or group lookup that fails (EIO, ERANGE at every size, getgrouplist) is
//     PAM_AUTHINFO_UNAVAIL, for require_group and exempt_group alike; entries over 16 KiB work;
//   - require_group asks a member whom getgrouplist misses (a backend down) and an alias that
//     is a member where its canonical name is not;
//   - whatever reaches syslog has no control bytes, even a name with a newline on an error path.
// The documented nullok stack (pam_sshotp nullok, then pam_permit) makes every wrong PAM_IGNORE
// a login without a code, so most cases use it.
#include <security/pam_appl.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "tests/support/pam_harness.h"
#include "tests/support/syslog_capture.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

using namespace sshotp;
using namespace sshotp::test;

namespace {

int setup(void** state) {
  install_pam_fixture(state, "");
  captured_syslog().clear();
  return 0;
}

void use_nullok_permit_stack(const PamFixture& f, const std::string& args = "nullok") {
  f.use_stack(auth_line(f.env, args) + "auth required pam_permit.so\n");
}

void test_alias_with_wrong_code_is_refused_under_nullok(void** state) {
  const PamFixture& f = pam_fixture(state);
  use_nullok_permit_stack(f);
  for (const char* alias : {"alice", "ALICE", "alice@example.test"}) {
    auto conv = FakeConversation::answering({"000000"});
    const int rc = f.login(alias, conv);
    if (rc != PAM_AUTH_ERR) fail_msg("%s with a wrong code: got %d", alias, rc);
    assert_int_equal(conv.prompts().size(), 1);
  }
}

void test_alias_with_right_code_uses_the_canonical_enrollment(void** state) {
  const PamFixture& f = pam_fixture(state);
  assert_int_equal(f.login("ALICE", f.code()), PAM_SUCCESS);
  // One enrollment: the code ALICE used is spent for alice too.
  assert_int_equal(f.login("alice", f.code()), PAM_AUTH_ERR);
  assert_int_equal(f.login("alice@example.test", f.code(1)), PAM_SUCCESS);
  bool logged_both = false;
  for (const LogLine& line : captured_syslog()) {
    if (line.text.find("user 'ALICE' is the account 'alice'") != std::string::npos) {
      logged_both = true;
    }
  }
  assert_true(logged_both);
}

void test_unknown_user_is_user_unknown_even_with_nullok(void** state) {
  const PamFixture& f = pam_fixture(state);
  for (bool permit : {false, true}) {
    if (permit) use_nullok_permit_stack(f);
    else f.use_module_args("nullok");
    auto conv = FakeConversation::answering({""});
    assert_int_equal(f.login("no-such-user-sshotp", conv), PAM_USER_UNKNOWN);
    assert_true(conv.prompts().empty());
  }
}

void test_user_lookup_error_fails_closed(void** state) {
  const PamFixture& f = pam_fixture(state);
  // Before: with require_group, a failed getpwnam_r read as "not a member": PAM_IGNORE.
  append_config(f.env, "require_group = sshotp-small\n");
  use_nullok_permit_stack(f);
  for (const char* name : {"nss-eio-alice", "nss-erange-alice"}) {
    auto conv = FakeConversation::answering({f.code()});
    const int rc = f.login(name, conv);
    if (rc != PAM_AUTHINFO_UNAVAIL) fail_msg("%s: got %d", name, rc);
    assert_true(conv.prompts().empty());
  }
}

void test_passwd_entry_over_16k_is_asked(void** state) {
  const PamFixture& f = pam_fixture(state);
  enroll(f.env, "longgecos", f.secret, f.params);
  append_config(f.env, "require_group = sshotp-small\n");
  use_nullok_permit_stack(f);
  // Before: ERANGE on the 16 KiB buffer, "not a member", PAM_IGNORE, and pam_permit let it in.
  assert_int_equal(f.login("longgecos", "000000"), PAM_AUTH_ERR);
  assert_int_equal(f.login("longgecos", f.code()), PAM_SUCCESS);
}

void test_group_over_16k(void** state) {
  const PamFixture& f = pam_fixture(state);
  // Before: ERANGE read as "no such group": require_group locked every member out...
  append_config(f.env, "require_group = sshotp-big\n");
  assert_int_equal(f.login("alice", "000000"), PAM_AUTH_ERR);
  assert_int_equal(f.login("alice", f.code()), PAM_SUCCESS);
  // ...and exempt_group exempted nobody.
  install_pam_fixture(state, "exempt_group = sshotp-big\n");
  const PamFixture& g = pam_fixture(state);
  auto conv = FakeConversation::answering({""});
  assert_int_equal(g.login("ALICE", conv), PAM_PERM_DENIED);  // PAM_IGNORE alone
  assert_true(conv.prompts().empty());
  assert_int_equal(g.login("bob", "000000"), PAM_AUTH_ERR);  // not a member: asked
}

void test_group_lookup_errors_fail_closed(void** state) {
  for (const char* setting : {"require_group = nss-eio-group\n", "exempt_group = nss-eio-group\n",
                              "require_group = nss-erange-group\n",
                              "exempt_group = nss-erange-group\n"}) {
    const PamFixture& f = install_pam_fixture(state, setting);
    use_nullok_permit_stack(f);
    for (const char* user : {"alice", "carol"}) {  // enrolled, and not enrolled
      auto conv = FakeConversation::answering({"000000"});
      const int rc = f.login(user, conv);
      if (rc != PAM_AUTHINFO_UNAVAIL) fail_msg("%s %s: got %d", setting, user, rc);
      assert_true(conv.prompts().empty());
      // A directory problem, not a store one: its own audit reason (was store-error).
      const std::string& audit = captured_syslog().back().text;
      assert_true(audit.find("reason=group-lookup-error") != std::string::npos);
    }
  }
  const PamFixture& f = install_pam_fixture(state, "require_group = sshotp-small\n");
  enroll(f.env, "nss-nogroups", f.secret, f.params);
  use_nullok_permit_stack(f);
  assert_int_equal(f.login("nss-nogroups", "000000"), PAM_AUTHINFO_UNAVAIL);
}

void test_require_group_member_with_short_group_list_is_asked(void** state) {
  // SSSD/LDAP down: glibc's getgrouplist skips the failing backend and returns only the primary
  // group. The group entry still lists the user. Before: PAM_IGNORE, and pam_permit let it in.
  const PamFixture& f = install_pam_fixture(state, "require_group = sshotp-listed\n");
  enroll(f.env, "nss-shortgroups", f.secret, f.params);
  use_nullok_permit_stack(f);
  auto conv = FakeConversation::answering({"000000"});
  assert_int_equal(f.login("nss-shortgroups", conv), PAM_AUTH_ERR);
  assert_int_equal(conv.prompts().size(), 1);
  assert_int_equal(f.login("nss-shortgroups", f.code()), PAM_SUCCESS);
}

void test_require_group_alias_member_is_asked(void** state) {
  // sshd's Match Group sees the groups of the name as typed: DAVE is listed in sshotp-alias,
  // Dave has it as primary group, the canonical dave is in neither. Before: PAM_IGNORE.
  const PamFixture& f = install_pam_fixture(state, "require_group = sshotp-alias\n");
  enroll(f.env, "dave", f.secret, f.params);
  use_nullok_permit_stack(f);
  for (const char* alias : {"DAVE", "Dave"}) {
    auto conv = FakeConversation::answering({"000000"});
    const int rc = f.login(alias, conv);
    if (rc != PAM_AUTH_ERR) fail_msg("%s with a wrong code: got %d", alias, rc);
    assert_int_equal(conv.prompts().size(), 1);
  }
  auto conv = FakeConversation::answering({""});
  assert_int_equal(f.login("dave", conv), PAM_SUCCESS);  // not a member: PAM_IGNORE, permit
  assert_true(conv.prompts().empty());
}

bool has_control_bytes(const std::string& line) {
  for (char c : line) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) return true;
  }
  return false;
}

void assert_clean_log(const char* must_contain) {
  bool found = false;
  for (const LogLine& line : captured_syslog()) {
    if (has_control_bytes(line.text)) {
      fail_msg("control bytes in a log line: %zu bytes", line.text.size());
    }
    if (line.text.find(must_contain) != std::string::npos) found = true;
  }
  if (!found) fail_msg("no log line contains '%s'", must_contain);
}

void test_log_of_lookup_error_has_no_control_bytes(void** state) {
  const PamFixture& f = pam_fixture(state);
  // A name the network chose, with a newline, on the lookup error path.
  assert_int_equal(f.login("nss-eio\nsshd[1]: Accepted\x01\x1b[2J", "000000"),
                   PAM_AUTHINFO_UNAVAIL);
  assert_clean_log("user lookup failed");
}

void test_log_of_store_error_has_no_control_bytes(void** state) {
  const PamFixture& f = pam_fixture(state);
  // A name from the directory with control bytes, on the store error path: a corrupt recovery
  // code row, whose message quotes the user.
  const std::string odd = "ctl\x1b[1m\x01\rname";
  enroll(f.env, odd, f.secret, f.params);
  give_recovery_codes(f.env, odd, 2);
  sqlite3* db = nullptr;
  assert_int_equal(sqlite3_open(f.env.db_path.c_str(), &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "UPDATE recovery_codes SET mac = x'00'", nullptr, nullptr,
                                nullptr),
                   SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(f.login(odd, "k7q2-9xhm-3bwe"), PAM_AUTHINFO_UNAVAIL);
  assert_clean_log("corrupt recovery code row");
}

}  // namespace

int main() {
#define NAMES_TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown_pam_fixture)
  const struct CMUnitTest tests[] = {
      NAMES_TEST(test_alias_with_wrong_code_is_refused_under_nullok),
      NAMES_TEST(test_alias_with_right_code_uses_the_canonical_enrollment),
      NAMES_TEST(test_unknown_user_is_user_unknown_even_with_nullok),
      NAMES_TEST(test_user_lookup_error_fails_closed),
      NAMES_TEST(test_passwd_entry_over_16k_is_asked),
      NAMES_TEST(test_group_over_16k),
      NAMES_TEST(test_group_lookup_errors_fail_closed),
      NAMES_TEST(test_require_group_member_with_short_group_list_is_asked),
      NAMES_TEST(test_require_group_alias_member_is_asked),
      NAMES_TEST(test_log_of_lookup_error_has_no_control_bytes),
      NAMES_TEST(test_log_of_store_error_has_no_control_bytes),
  };
#undef NAMES_TEST
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
