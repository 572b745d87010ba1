// SPDX-License-Identifier: BSD-3-Clause
// Module tests: the BUILT pam_sshotp.so, loaded by the real libpam from a private config
// directory, answering a scripted conversation. Every case asserts the exact PAM return code.
// The clock is this executable's own time(), exported with -rdynamic: the dlopen'ed module binds
// to it, so the shipped .so is driven at any instant without a test hook. The RFC 4226/6238
// vectors check the module against an oracle independent of our own generator.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <ctime>
#include <string>

#include "common/crypto.h"
#include "tests/module/module_fixture.h"

// Interposes libc's time() for the whole process, the module included. Default visibility
// because the build hides everything else.
extern "C" __attribute__((visibility("default"))) time_t time(time_t* out) noexcept {
  const auto now = static_cast<time_t>(sshotp::test::g_fake_now);
  if (out != nullptr) *out = now;
  return now;
}

namespace sshotp::test {
namespace {

void test_fake_clock_reaches_the_module(void** state) {
  Fixture& f = fixture(state);
  struct timespec real {};
  assert_int_equal(clock_gettime(CLOCK_REALTIME, &real), 0);
  const std::string real_code = code_at(f.secret, f.params, real.tv_sec);
  // Move the fake instant until no code in its window happens to equal the real one.
  while (real_code == code(f, -1) || real_code == code(f, 0) || real_code == code(f, 1)) {
    g_fake_now += 300;
  }
  assert_int_equal(try_reply(f, real_code), PAM_AUTH_ERR);
  assert_int_equal(try_reply(f, code(f, 0)), PAM_SUCCESS);
}

void test_correct_code_succeeds(void** state) {
  Fixture& f = fixture(state);
  assert_int_equal(prompted_reply(f, code(f, 0)), PAM_SUCCESS);
}

void test_wrong_code_fails(void** state) {
  Fixture& f = fixture(state);
  assert_int_equal(prompted_reply(f, wrong_code(f)), PAM_AUTH_ERR);
}

void test_replay_is_refused(void** state) {
  Fixture& f = fixture(state);
  assert_int_equal(try_reply(f, code(f, 0)), PAM_SUCCESS);
  assert_int_equal(try_reply(f, code(f, 0)), PAM_AUTH_ERR);
  assert_int_equal(try_reply(f, code(f, -1)), PAM_AUTH_ERR);  // older than the one used
  assert_int_equal(try_reply(f, code(f, 1)), PAM_SUCCESS);    // newer still works
}

// Runs in a forked child, where a failing cmocka assertion would jump into the parent's test
// runner: plain libpam calls only.
int child_login(const std::string& confdir, const std::string& reply) {
  auto conv = FakeConversation::answering({reply});
  const struct pam_conv app_conv { fake_conv, &conv };
  pam_handle_t* pamh = nullptr;
  if (pam_start_confdir(kService, "alice", &app_conv, confdir.c_str(), &pamh) != PAM_SUCCESS) {
    return -1;
  }
  int rc = pam_authenticate(pamh, 0);
  pam_end(pamh, rc);
  return rc;
}

// The same code typed into several sshd connections at once is accepted exactly once: the
// check and the consumption happen in one store transaction.
void test_racing_logins_accept_a_code_once(void** state) {
  Fixture& f = fixture(state);
  const std::string right = code(f, 0);
  constexpr int kRacers = 4;
  int start[2];
  assert_int_equal(pipe(start), 0);
  pid_t racers[kRacers];
  for (pid_t& pid : racers) {
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      close(start[1]);
      char byte;
      if (read(start[0], &byte, 1) < 0) _exit(3);  // EOF: the parent let everyone go
      const int rc = child_login(f.confdir, right);
      _exit(rc == PAM_SUCCESS ? 0 : rc == PAM_AUTH_ERR ? 1 : 2);
    }
  }
  close(start[0]);
  close(start[1]);
  int successes = 0;
  int refusals = 0;
  for (pid_t pid : racers) {
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    successes += WEXITSTATUS(status) == 0 ? 1 : 0;
    refusals += WEXITSTATUS(status) == 1 ? 1 : 0;
  }
  assert_int_equal(successes, 1);
  assert_int_equal(refusals, kRacers - 1);
}

void test_window_one_accepts_adjacent_steps(void** state) {
  Fixture& f = fixture(state);
  assert_int_equal(try_reply(f, code(f, -1)), PAM_SUCCESS);
  assert_int_equal(try_reply(f, code(f, 1)), PAM_SUCCESS);
}

void test_window_one_refuses_two_steps(void** state) {
  Fixture& f = fixture(state);
  assert_int_equal(try_reply(f, code(f, -2)), PAM_AUTH_ERR);
  assert_int_equal(try_reply(f, code(f, 2)), PAM_AUTH_ERR);
  assert_int_equal(try_reply(f, code(f, 0)), PAM_SUCCESS);  // the refusals consumed nothing
}

void test_window_zero_argument(void** state) {
  Fixture& f = fixture(state);
  use_module_args(f, "window=0");
  assert_int_equal(try_reply(f, code(f, -1)), PAM_AUTH_ERR);
  assert_int_equal(try_reply(f, code(f, 1)), PAM_AUTH_ERR);
  assert_int_equal(try_reply(f, code(f, 0)), PAM_SUCCESS);
}

void test_unenrolled_user_is_prompted_and_refused(void** state) {
  Fixture& f = fixture(state);
  assert_int_equal(prompted_reply(f, code(f, 0), "mallory"), PAM_AUTH_ERR);
}

void test_unknown_option_is_a_service_error(void** state) {
  Fixture& f = fixture(state);
  use_module_args(f, "nulok");
  assert_int_equal(unprompted_reply(f, code(f, 0)), PAM_SERVICE_ERR);
}

void test_bad_option_value_is_a_service_error(void** state) {
  Fixture& f = fixture(state);
  use_module_args(f, "window=abc");
  assert_int_equal(unprompted_reply(f, code(f, 0)), PAM_SERVICE_ERR);
}

void test_missing_config_is_unavailable(void** state) {
  Fixture& f = fixture(state);
  write_pam_file(f.confdir, kService,
                 "auth required " + module_path() + " config=" + f.env.dir + "/absent.conf\n");
  assert_int_equal(unprompted_reply(f, code(f, 0)), PAM_AUTHINFO_UNAVAIL);
}

void test_missing_store_is_unavailable(void** state) {
  Fixture& f = fixture(state);
  assert_int_equal(unlink(f.env.db_path.c_str()), 0);
  assert_int_equal(unprompted_reply(f, code(f, 0)), PAM_AUTHINFO_UNAVAIL);
}

void test_corrupt_store_is_unavailable(void** state) {
  Fixture& f = fixture(state);
  write_file(f.env.db_path, std::string(8192, '\x5a'), 0600);
  assert_int_equal(try_reply(f, code(f, 0)), PAM_AUTHINFO_UNAVAIL);
}

void test_store_symlink_is_unavailable(void** state) {
  Fixture& f = fixture(state);
  const std::string real = f.env.db_path + ".real";
  assert_int_equal(rename(f.env.db_path.c_str(), real.c_str()), 0);
  assert_int_equal(symlink(real.c_str(), f.env.db_path.c_str()), 0);
  assert_int_equal(unprompted_reply(f, code(f, 0)), PAM_AUTHINFO_UNAVAIL);
}

void test_readable_key_file_is_unavailable(void** state) {
  Fixture& f = fixture(state);
  assert_int_equal(chmod(f.env.key_path.c_str(), 0644), 0);
  assert_int_equal(unprompted_reply(f, code(f, 0)), PAM_AUTHINFO_UNAVAIL);
}

void test_replaced_key_file_is_unavailable(void** state) {
  Fixture& f = fixture(state);
  // A different random key: the sealed secrets no longer decrypt, which must never look like
  // a wrong code (nor, worse, like a right one).
  assert_int_equal(unlink(f.env.key_path.c_str()), 0);
  assert_true(static_cast<bool>(load_or_create_key_file(f.env.key_path)));
  assert_int_equal(try_reply(f, code(f, 0)), PAM_AUTHINFO_UNAVAIL);
}

void test_conversation_failure(void** state) {
  Fixture& f = fixture(state);
  FakeConversation conv;
  assert_int_equal(login_with_mode(f, FakeConversation::Mode::fail, conv), PAM_CONV_ERR);
  assert_prompted_once(conv, kDefaultPrompt);
}

void test_null_reply_is_refused(void** state) {
  Fixture& f = fixture(state);
  FakeConversation conv;
  assert_int_equal(login_with_mode(f, FakeConversation::Mode::null_reply, conv), PAM_AUTH_ERR);
  assert_prompted_once(conv, kDefaultPrompt);
}

void test_hostile_replies_are_refused(void** state) {
  Fixture& f = fixture(state);
  const std::string right = code(f, 0);
  const std::string hostile[] = {
      std::string(1 << 20, '7'),  // 1 MiB
      "\x01" + right,             // control bytes are not stripped
      right + "\n",
      "\x1b[2J" + right,
      "abcdef",
      right.substr(0, 5) + "x",
      "",
      right + right.substr(0, 1),  // 7 digits
      "   ",
  };
  for (const std::string& reply : hostile) assert_int_equal(try_reply(f, reply), PAM_AUTH_ERR);
  assert_int_equal(try_reply(f, right), PAM_SUCCESS);  // none of them consumed the step
}

void test_config_file_prompt(void** state) {
  Fixture& f = fixture(state);
  append_config(f, "prompt = \"One-time code: \"\n");
  assert_int_equal(prompted_reply(f, code(f, 0), "alice", "One-time code: "), PAM_SUCCESS);
}

void test_module_argument_overrides_file_prompt(void** state) {
  Fixture& f = fixture(state);
  append_config(f, "prompt = \"One-time code: \"\n");
  use_module_args(f, "[prompt=Token please: ]");
  assert_int_equal(prompted_reply(f, code(f, 0), "alice", "Token please: "), PAM_SUCCESS);
}

void test_code_with_inner_space_succeeds(void** state) {
  Fixture& f = fixture(state);
  const std::string right = code(f, 0);
  assert_int_equal(try_reply(f, right.substr(0, 3) + " " + right.substr(3)), PAM_SUCCESS);
}

// RFC 6238 Appendix B: T = 1111111109, 8 digits; keys are the RFC's ASCII seeds.
void test_rfc6238_sha1_vector(void** state) {
  Fixture& f = fixture(state);
  enroll(f.env, "rfc", rfc_sha1_key(), {Algorithm::sha1, 8, 30});
  g_fake_now = 1111111109;
  assert_int_equal(try_reply(f, "07081804", "rfc"), PAM_SUCCESS);
}

void test_rfc6238_sha256_eight_digits(void** state) {
  Fixture& f = fixture(state);
  enroll(f.env, "rfc", bytes_of("12345678901234567890123456789012"), {Algorithm::sha256, 8, 30});
  g_fake_now = 1111111109;
  assert_int_equal(try_reply(f, "680847", "rfc"), PAM_AUTH_ERR);  // 6 of the 8 digits
  assert_int_equal(try_reply(f, "68084774", "rfc"), PAM_SUCCESS);
}

// At any time in [30k, 30k+29] the 6-digit SHA1 TOTP of the RFC key is RFC 4226's HOTP(k).
void test_rfc4226_hotp_table_window(void** state) {
  Fixture& f = fixture(state);
  enroll(f.env, "rfc", rfc_sha1_key(), {Algorithm::sha1, 6, 30});
  g_fake_now = 30 * 5 + 10;
  assert_int_equal(try_reply(f, "520489", "rfc"), PAM_AUTH_ERR);  // HOTP(9): far ahead
  assert_int_equal(try_reply(f, "162583", "rfc"), PAM_AUTH_ERR);  // HOTP(7): two steps ahead
  assert_int_equal(try_reply(f, "969429", "rfc"), PAM_AUTH_ERR);  // HOTP(3): two steps behind
  assert_int_equal(try_reply(f, "254676", "rfc"), PAM_SUCCESS);   // HOTP(5)
  assert_int_equal(try_reply(f, "338314", "rfc"), PAM_AUTH_ERR);  // HOTP(4): now a replay
  assert_int_equal(try_reply(f, "287922", "rfc"), PAM_SUCCESS);   // HOTP(6)
}

void test_account_stack_ignores_the_module(void** state) {
  Fixture& f = fixture(state);
  const std::string account = "account required " + module_path() + "\n";
  FakeConversation conv;
  write_pam_file(f.confdir, kService, account + "account required pam_permit.so\n");
  assert_int_equal(PamSession(f.confdir, "alice", conv).acct_mgmt(), PAM_SUCCESS);
  // Alone, an IGNORE leaves libpam with no verdict: denied, so the module did not say SUCCESS.
  write_pam_file(f.confdir, kService, account);
  assert_int_equal(PamSession(f.confdir, "alice", conv).acct_mgmt(), PAM_PERM_DENIED);
  assert_int_equal(conv.prompts.size(), 0);
}

void test_session_and_password_stacks(void** state) {
  Fixture& f = fixture(state);
  const std::string module = module_path();
  write_pam_file(f.confdir, kService,
                 "session required " + module + "\nsession required pam_permit.so\n" +
                     "password required " + module + "\n");
  FakeConversation conv;
  PamSession session(f.confdir, "alice", conv);
  assert_int_equal(session.open_session(), PAM_SUCCESS);
  assert_int_equal(session.close_session(), PAM_SUCCESS);
  assert_int_equal(session.chauthtok(), PAM_SERVICE_ERR);
  assert_int_equal(conv.prompts.size(), 0);
}

}  // namespace
}  // namespace sshotp::test

int main() {
  using namespace sshotp::test;
#define MODULE_TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
      MODULE_TEST(test_fake_clock_reaches_the_module),
      MODULE_TEST(test_correct_code_succeeds),
      MODULE_TEST(test_wrong_code_fails),
      MODULE_TEST(test_replay_is_refused),
      MODULE_TEST(test_racing_logins_accept_a_code_once),
      MODULE_TEST(test_window_one_accepts_adjacent_steps),
      MODULE_TEST(test_window_one_refuses_two_steps),
      MODULE_TEST(test_window_zero_argument),
      MODULE_TEST(test_unenrolled_user_is_prompted_and_refused),
      MODULE_TEST(test_unknown_option_is_a_service_error),
      MODULE_TEST(test_bad_option_value_is_a_service_error),
      MODULE_TEST(test_missing_config_is_unavailable),
      MODULE_TEST(test_missing_store_is_unavailable),
      MODULE_TEST(test_corrupt_store_is_unavailable),
      MODULE_TEST(test_store_symlink_is_unavailable),
      MODULE_TEST(test_readable_key_file_is_unavailable),
      MODULE_TEST(test_replaced_key_file_is_unavailable),
      MODULE_TEST(test_conversation_failure),
      MODULE_TEST(test_null_reply_is_refused),
      MODULE_TEST(test_hostile_replies_are_refused),
      MODULE_TEST(test_config_file_prompt),
      MODULE_TEST(test_module_argument_overrides_file_prompt),
      MODULE_TEST(test_code_with_inner_space_succeeds),
      MODULE_TEST(test_rfc6238_sha1_vector),
      MODULE_TEST(test_rfc6238_sha256_eight_digits),
      MODULE_TEST(test_rfc4226_hotp_table_window),
      MODULE_TEST(test_account_stack_ignores_the_module),
      MODULE_TEST(test_session_and_password_stacks),
  };
#undef MODULE_TEST
  return cmocka_run_group_tests_name("pam_sshotp module", tests, nullptr, nullptr);
}
