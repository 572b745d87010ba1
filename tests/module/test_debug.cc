// SPDX-License-Identifier: BSD-3-Clause
// The `debug` setting through the real libpam: with it, the module logs its decision points at
// LOG_DEBUG (where the settings came from, the account, the group policy, what it saw before the
// prompt, the verdict); without it, not one LOG_DEBUG line. No line, debug or not, ever carries
// what the user typed (a TOTP or recovery code) or the TOTP secret.
#include <security/pam_appl.h>
#include <syslog.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/base32.h"
#include "tests/support/pam_harness.h"
#include "tests/support/syslog_capture.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

using namespace sshotp::test;

namespace {

int setup(void** state) {
  install_pam_fixture(state, "max_failures = 2\nlockout_time = 600\n");
  return 0;
}

std::vector<std::string> debug_lines() {
  std::vector<std::string> lines;
  for (const LogLine& line : captured_syslog()) {
    if (line.priority == LOG_DEBUG) lines.push_back(line.text);
  }
  return lines;
}

bool some_debug_line_has(std::string_view needle) {
  for (const std::string& line : debug_lines()) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

// No captured line, at any level, contains `typed`.
void assert_never_logged(std::string_view typed) {
  for (const LogLine& line : captured_syslog()) {
    if (line.text.find(typed) != std::string::npos) {
      fail_msg("a log line carries '%.*s': %s", static_cast<int>(typed.size()), typed.data(),
               line.text.c_str());
    }
  }
}

// Right, wrong and recovery codes, and a lockout: every decision point the module has. Returns
// every code typed, with what the capture holds of these logins alone.
std::vector<std::string> run_logins(const PamFixture& f) {
  captured_syslog().clear();
  const std::string wrong = wrong_code(f.secret, f.params, kFakeNow);
  auto recovery = give_recovery_codes(f.env, "alice", 2);
  assert_int_equal(f.login("alice", f.code()), PAM_SUCCESS);
  assert_int_equal(f.login("ALICE", recovery[0]), PAM_SUCCESS);
  assert_int_equal(f.login("alice", wrong), PAM_AUTH_ERR);
  assert_int_equal(f.login("alice", wrong), PAM_MAXTRIES);
  assert_int_equal(f.login("alice", recovery[1]), PAM_MAXTRIES);  // locked: not even asked
  return {f.code(), wrong, recovery[0], recovery[1]};
}

void assert_no_secret_logged(const PamFixture& f, const std::vector<std::string>& typed) {
  for (const std::string& code : typed) assert_never_logged(code);
  assert_never_logged(std::string(f.secret.begin(), f.secret.end()));
  auto encoded = sshotp::base32_encode(f.secret);
  assert_true(static_cast<bool>(encoded));
  assert_never_logged(encoded->view());
}

void test_debug_logs_each_decision_point_and_no_code(void** state) {
  const PamFixture& f = pam_fixture(state);
  f.use_module_args("debug");
  const auto typed = run_logins(f);
  const std::string source =
      "config: file " + f.env.config_path + "; overridden by module arguments: debug";
  for (std::string_view expected : {
           std::string_view(source),
           std::string_view("account: 'ALICE' is 'alice' (uid 2001)"),
           std::string_view("group policy: ask"),
           std::string_view("publickey evidence (SSH_AUTH_INFO_0): yes"),
           std::string_view("before the prompt: enrolled yes, disabled no, locked no"),
           std::string_view("before the prompt: enrolled yes, disabled no, locked yes"),
           std::string_view("verdict: ok, method totp"),
           std::string_view("verdict: ok, method recovery"),
           std::string_view("verdict: wrong, method totp, locked now"),
       }) {
    if (!some_debug_line_has(expected)) {
      fail_msg("no debug line has '%.*s'", static_cast<int>(expected.size()), expected.data());
    }
  }
  assert_no_secret_logged(f, typed);
}

void test_debug_from_the_config_file_logs_group_exemption(void** state) {
  PamFixture& f = install_pam_fixture(state, "debug = yes\nexempt_group = sshotp-big\n");
  // A stack of PAM_IGNORE alone is a failure in libpam: pam_permit gives the stack its verdict.
  f.use_stack(auth_line(f.env) + "auth required pam_permit.so\n");
  captured_syslog().clear();
  auto conv = FakeConversation::answering({f.code()});
  assert_int_equal(f.login("alice", conv), PAM_SUCCESS);
  assert_true(conv.prompts().empty());
  assert_true(some_debug_line_has("overridden by module arguments: none"));
  assert_true(some_debug_line_has("group policy: exempt-group"));
  assert_false(some_debug_line_has("before the prompt"));  // it never got that far
}

void test_without_debug_no_debug_line(void** state) {
  const PamFixture& f = pam_fixture(state);
  const auto typed = run_logins(f);
  assert_false(captured_syslog().empty());  // the audit lines are there: the capture works
  assert_true(debug_lines().empty());
  assert_no_secret_logged(f, typed);
}

}  // namespace

int main() {
#define DEBUG_TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown_pam_fixture)
  const struct CMUnitTest tests[] = {
      DEBUG_TEST(test_debug_logs_each_decision_point_and_no_code),
      DEBUG_TEST(test_debug_from_the_config_file_logs_group_exemption),
      DEBUG_TEST(test_without_debug_no_debug_line),
  };
#undef DEBUG_TEST
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
