// SPDX-License-Identifier: BSD-3-Clause
// Module tests: the BUILT pam_sshotp.so, loaded by the real libpam from a private config
// directory, answering a scripted conversation. Every case asserts the exact PAM return code.
// The clock is the harness's fake time(), which the module binds to, so the shipped .so is driven
// at any instant without a test hook. The RFC 4226/6238 vectors check the module against an
// oracle independent of our own generator.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/sqlite_store.h"
#include "tests/support/pam_harness.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

namespace sshotp::test {
namespace {

// One login as alice (or `user`) answering `reply`; `conv` keeps the record of what was asked.
int reply_recorded(const PamFixture& f, const std::string& reply, const char* user,
                   FakeConversation& conv) {
  conv = FakeConversation::answering({reply});
  return f.login(user, conv);
}

// Asserts the conversation was asked exactly once, hidden, with `text`, and told nothing else.
void assert_prompted_once(const FakeConversation& conv, const char* text) {
  assert_int_equal(conv.received.size(), 1);
  assert_int_equal(conv.received[0].style, PAM_PROMPT_ECHO_OFF);
  assert_string_equal(conv.received[0].text.c_str(), text);
}

// One login, asserting the module asked exactly once, hidden, with `prompt`.
int prompted_reply(const PamFixture& f, const std::string& reply, const char* user = "alice",
                   const char* prompt = kDefaultPrompt) {
  FakeConversation conv;
  int rc = reply_recorded(f, reply, user, conv);
  assert_prompted_once(conv, prompt);
  return rc;
}

// One login, asserting the module refused before sending anything (nothing to type into a
// login that cannot succeed).
int unprompted_reply(const PamFixture& f, const std::string& reply) {
  FakeConversation conv;
  int rc = reply_recorded(f, reply, "alice", conv);
  assert_int_equal(conv.received.size(), 0);
  return rc;
}

int login_with_mode(const PamFixture& f, FakeConversation::Mode mode, FakeConversation& conv) {
  conv.mode = mode;
  return f.login("alice", conv);
}

void test_fake_clock_reaches_the_module(void** state) {
  PamFixture& f = pam_fixture(state);
  struct timespec real {};
  assert_int_equal(clock_gettime(CLOCK_REALTIME, &real), 0);
  const std::string real_code = code_at(f.secret, f.params, real.tv_sec);
  // Move the fake instant until no code in its window happens to equal the real one.
  while (real_code == f.code(-1) || real_code == f.code(0) || real_code == f.code(1)) {
    set_fake_time(fake_time() + 300);
  }
  assert_int_equal(f.login("alice", real_code), PAM_AUTH_ERR);
  assert_int_equal(f.login("alice", f.code(0)), PAM_SUCCESS);
}

void test_correct_code_succeeds(void** state) {
  PamFixture& f = pam_fixture(state);
  assert_int_equal(prompted_reply(f, f.code(0)), PAM_SUCCESS);
}

void test_wrong_code_fails(void** state) {
  PamFixture& f = pam_fixture(state);
  assert_int_equal(prompted_reply(f, wrong_code(f.secret, f.params, fake_time())), PAM_AUTH_ERR);
}

void test_replay_is_refused(void** state) {
  PamFixture& f = pam_fixture(state);
  assert_int_equal(f.login("alice", f.code(0)), PAM_SUCCESS);
  assert_int_equal(f.login("alice", f.code(0)), PAM_AUTH_ERR);
  assert_int_equal(f.login("alice", f.code(-1)), PAM_AUTH_ERR);  // older than the one used
  assert_int_equal(f.login("alice", f.code(1)), PAM_SUCCESS);    // newer still works
}

// The same code typed into several sshd connections at once is accepted exactly once: the
// check and the consumption happen in one store transaction (test_race does many rounds).
void test_racing_logins_accept_a_code_once(void** state) {
  PamFixture& f = pam_fixture(state);
  constexpr int kRacers = 4;
  const Tally tally = race_logins(f, std::vector<Attempt>(kRacers, Attempt{"alice", f.code(0)}));
  assert_int_equal(tally.other, 0);
  assert_int_equal(tally.successes, 1);
  assert_int_equal(tally.refusals, kRacers - 1);
}

void test_window_one_accepts_adjacent_steps(void** state) {
  PamFixture& f = pam_fixture(state);
  assert_int_equal(f.login("alice", f.code(-1)), PAM_SUCCESS);
  assert_int_equal(f.login("alice", f.code(1)), PAM_SUCCESS);
}

void test_window_one_refuses_two_steps(void** state) {
  PamFixture& f = pam_fixture(state);
  assert_int_equal(f.login("alice", f.code(-2)), PAM_AUTH_ERR);
  assert_int_equal(f.login("alice", f.code(2)), PAM_AUTH_ERR);
  assert_int_equal(f.login("alice", f.code(0)), PAM_SUCCESS);  // the refusals consumed nothing
}

void test_window_zero_argument(void** state) {
  PamFixture& f = pam_fixture(state);
  f.use_module_args("window=0");
  assert_int_equal(f.login("alice", f.code(-1)), PAM_AUTH_ERR);
  assert_int_equal(f.login("alice", f.code(1)), PAM_AUTH_ERR);
  assert_int_equal(f.login("alice", f.code(0)), PAM_SUCCESS);
}

void test_unenrolled_user_is_prompted_and_refused(void** state) {
  PamFixture& f = pam_fixture(state);
  assert_int_equal(prompted_reply(f, f.code(0), "mallory"), PAM_AUTH_ERR);
}

void test_unknown_option_is_a_service_error(void** state) {
  PamFixture& f = pam_fixture(state);
  f.use_module_args("nulok");
  assert_int_equal(unprompted_reply(f, f.code(0)), PAM_SERVICE_ERR);
}

void test_bad_option_value_is_a_service_error(void** state) {
  PamFixture& f = pam_fixture(state);
  f.use_module_args("window=abc");
  assert_int_equal(unprompted_reply(f, f.code(0)), PAM_SERVICE_ERR);
}

void test_missing_config_is_unavailable(void** state) {
  PamFixture& f = pam_fixture(state);
  f.use_stack("auth required " + module_path() + " config=" + f.env.dir + "/absent.conf\n");
  assert_int_equal(unprompted_reply(f, f.code(0)), PAM_AUTHINFO_UNAVAIL);
}

void test_missing_store_is_unavailable(void** state) {
  PamFixture& f = pam_fixture(state);
  assert_int_equal(unlink(f.env.db_path.c_str()), 0);
  assert_int_equal(unprompted_reply(f, f.code(0)), PAM_AUTHINFO_UNAVAIL);
}

void test_corrupt_store_is_unavailable(void** state) {
  PamFixture& f = pam_fixture(state);
  // The store is the database file and its write-ahead log together (the WAL is kept between
  // logins and holds the newest pages), so both are overwritten; the -shm index is rebuilt.
  write_file(f.env.db_path, std::string(8192, '\x5a'), 0600);
  write_file(f.env.db_path + "-wal", std::string(8192, '\x5a'), 0600);
  unlink((f.env.db_path + "-shm").c_str());
  assert_int_equal(f.login("alice", f.code(0)), PAM_AUTHINFO_UNAVAIL);
}

void test_store_symlink_is_unavailable(void** state) {
  PamFixture& f = pam_fixture(state);
  const std::string real = f.env.db_path + ".real";
  assert_int_equal(rename(f.env.db_path.c_str(), real.c_str()), 0);
  assert_int_equal(symlink(real.c_str(), f.env.db_path.c_str()), 0);
  assert_int_equal(unprompted_reply(f, f.code(0)), PAM_AUTHINFO_UNAVAIL);
}

void test_readable_key_file_is_unavailable(void** state) {
  PamFixture& f = pam_fixture(state);
  assert_int_equal(chmod(f.env.key_path.c_str(), 0644), 0);
  assert_int_equal(unprompted_reply(f, f.code(0)), PAM_AUTHINFO_UNAVAIL);
}

void test_replaced_key_file_is_unavailable(void** state) {
  PamFixture& f = pam_fixture(state);
  // A different random key: the sealed secrets no longer decrypt, which must never look like
  // a wrong code (nor, worse, like a right one).
  assert_int_equal(unlink(f.env.key_path.c_str()), 0);
  assert_true(static_cast<bool>(load_or_create_key_file(f.env.key_path)));
  assert_int_equal(f.login("alice", f.code(0)), PAM_AUTHINFO_UNAVAIL);
}

// Each way our files can be unsafe, through the module: refused before any prompt, even with
// nullok (fail closed never means "treat as not enrolled").
void test_unsafe_files_are_unavailable_even_with_nullok(void** state) {
  PamFixture& f = pam_fixture(state);
  f.use_module_args("nullok");
  const std::string store_dir = f.env.db_path.substr(0, f.env.db_path.rfind('/'));
  struct Case {
    const char* what;
    std::function<void()> spoil;
    std::function<void()> mend;
  };
  std::vector<Case> cases = {
      {"group-writable config", [&] { chmod(f.env.config_path.c_str(), 0664); },
       [&] { chmod(f.env.config_path.c_str(), 0644); }},
      {"world-readable store", [&] { chmod(f.env.db_path.c_str(), 0604); },
       [&] { chmod(f.env.db_path.c_str(), 0600); }},
      {"world-writable store directory", [&] { chmod(store_dir.c_str(), 0777); },
       [&] { chmod(store_dir.c_str(), 0700); }},
      {"group-readable key file", [&] { chmod(f.env.key_path.c_str(), 0640); },
       [&] { chmod(f.env.key_path.c_str(), 0600); }},
  };
  if (getuid() == 0) {  // only root can give our files away
    cases.push_back({"store owned by another user",
                     [&] { (void)!chown(f.env.db_path.c_str(), 65534, 65534); },
                     [&] { (void)!chown(f.env.db_path.c_str(), 0, 0); }});
    cases.push_back({"config owned by another user",
                     [&] { (void)!chown(f.env.config_path.c_str(), 65534, 65534); },
                     [&] { (void)!chown(f.env.config_path.c_str(), 0, 0); }});
  }
  for (const Case& c : cases) {
    c.spoil();
    const int rc = unprompted_reply(f, f.code(0));
    c.mend();
    if (rc != PAM_AUTHINFO_UNAVAIL) fail_msg("%s: got %d", c.what, rc);
  }
  assert_int_equal(f.login("alice", f.code(0)), PAM_SUCCESS);  // mended: all works again
}

void test_empty_store_file_is_unavailable_and_left_alone(void** state) {
  PamFixture& f = pam_fixture(state);
  write_file(f.env.db_path, "", 0600);
  assert_int_equal(unprompted_reply(f, f.code(0)), PAM_AUTHINFO_UNAVAIL);
  struct stat st {};
  assert_int_equal(stat(f.env.db_path.c_str(), &st), 0);
  assert_int_equal(st.st_size, 0);  // not silently turned into an empty store
}

void test_busy_store_is_unavailable_after_the_timeout(void** state) {
  PamFixture& f = pam_fixture(state);
  f.use_module_args("busy_timeout_ms=200");
  auto holder = open_sqlite_store(f.env.db_path, OpenMode::existing, 1000);
  assert_true(holder.ok());
  auto held = (*holder)->begin_write();  // another login's transaction that never ends
  assert_true(held.ok());
  assert_int_equal(f.login("alice", f.code(0)), PAM_AUTHINFO_UNAVAIL);
  held = make_error(Errc::busy, "released");  // rolls the holder back
  assert_int_equal(f.login("alice", f.code(0)), PAM_SUCCESS);  // the code was not consumed
}

void test_conversation_failure(void** state) {
  PamFixture& f = pam_fixture(state);
  FakeConversation conv;
  assert_int_equal(login_with_mode(f, FakeConversation::Mode::fail, conv), PAM_CONV_ERR);
  assert_prompted_once(conv, kDefaultPrompt);
}

void test_null_reply_is_refused(void** state) {
  PamFixture& f = pam_fixture(state);
  FakeConversation conv;
  assert_int_equal(login_with_mode(f, FakeConversation::Mode::null_reply, conv), PAM_AUTH_ERR);
  assert_prompted_once(conv, kDefaultPrompt);
}

void test_hostile_replies_are_refused(void** state) {
  PamFixture& f = pam_fixture(state);
  const std::string right = f.code(0);
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
  for (const std::string& reply : hostile) assert_int_equal(f.login("alice", reply), PAM_AUTH_ERR);
  assert_int_equal(f.login("alice", right), PAM_SUCCESS);  // none of them consumed the step
}

void test_config_file_prompt(void** state) {
  PamFixture& f = pam_fixture(state);
  append_config(f.env, "prompt = \"One-time code: \"\n");
  assert_int_equal(prompted_reply(f, f.code(0), "alice", "One-time code: "), PAM_SUCCESS);
}

void test_module_argument_overrides_file_prompt(void** state) {
  PamFixture& f = pam_fixture(state);
  append_config(f.env, "prompt = \"One-time code: \"\n");
  f.use_module_args("[prompt=Token please: ]");
  assert_int_equal(prompted_reply(f, f.code(0), "alice", "Token please: "), PAM_SUCCESS);
}

void test_code_with_inner_space_succeeds(void** state) {
  PamFixture& f = pam_fixture(state);
  const std::string right = f.code(0);
  assert_int_equal(f.login("alice", right.substr(0, 3) + " " + right.substr(3)), PAM_SUCCESS);
}

// RFC 6238 Appendix B: T = 1111111109, 8 digits; keys are the RFC's ASCII seeds.
void test_rfc6238_sha1_vector(void** state) {
  PamFixture& f = pam_fixture(state);
  enroll(f.env, "rfc", rfc_sha1_key(), {Algorithm::sha1, 8, 30});
  set_fake_time(1111111109);
  assert_int_equal(f.login("rfc", "07081804"), PAM_SUCCESS);
}

void test_rfc6238_sha256_eight_digits(void** state) {
  PamFixture& f = pam_fixture(state);
  enroll(f.env, "rfc", rfc6238_key(Algorithm::sha256), {Algorithm::sha256, 8, 30});
  set_fake_time(1111111109);
  assert_int_equal(f.login("rfc", "680847"), PAM_AUTH_ERR);  // 6 of the 8 digits
  assert_int_equal(f.login("rfc", "68084774"), PAM_SUCCESS);
}

// At any time in [30k, 30k+29] the 6-digit SHA1 TOTP of the RFC key is RFC 4226's HOTP(k).
void test_rfc4226_hotp_table_window(void** state) {
  PamFixture& f = pam_fixture(state);
  enroll(f.env, "rfc", rfc_sha1_key(), {Algorithm::sha1, 6, 30});
  set_fake_time(30 * 5 + 10);
  assert_int_equal(f.login("rfc", "520489"), PAM_AUTH_ERR);  // HOTP(9): far ahead
  assert_int_equal(f.login("rfc", "162583"), PAM_AUTH_ERR);  // HOTP(7): two steps ahead
  assert_int_equal(f.login("rfc", "969429"), PAM_AUTH_ERR);  // HOTP(3): two steps behind
  assert_int_equal(f.login("rfc", "254676"), PAM_SUCCESS);   // HOTP(5)
  assert_int_equal(f.login("rfc", "338314"), PAM_AUTH_ERR);  // HOTP(4): now a replay
  assert_int_equal(f.login("rfc", "287922"), PAM_SUCCESS);   // HOTP(6)
}

void test_account_stack_ignores_the_module(void** state) {
  PamFixture& f = pam_fixture(state);
  const std::string account = "account required " + module_path() + "\n";
  FakeConversation conv;
  f.use_stack(account + "account required pam_permit.so\n");
  assert_int_equal(PamSession(f.confdir, "alice", conv).acct_mgmt(), PAM_SUCCESS);
  // Alone, an IGNORE leaves libpam with no verdict: denied, so the module did not say SUCCESS.
  f.use_stack(account);
  assert_int_equal(PamSession(f.confdir, "alice", conv).acct_mgmt(), PAM_PERM_DENIED);
  assert_int_equal(conv.received.size(), 0);
}

void test_session_and_password_stacks(void** state) {
  PamFixture& f = pam_fixture(state);
  const std::string module = module_path();
  f.use_stack("session required " + module + "\nsession required pam_permit.so\n" +
              "password required " + module + "\n");
  FakeConversation conv;
  PamSession session(f.confdir, "alice", conv);
  assert_int_equal(session.open_session(), PAM_SUCCESS);
  assert_int_equal(session.close_session(), PAM_SUCCESS);
  assert_int_equal(session.chauthtok(), PAM_SERVICE_ERR);
  assert_int_equal(conv.received.size(), 0);
}

}  // namespace
}  // namespace sshotp::test

int main() {
  using namespace sshotp::test;
#define MODULE_TEST(name) \
  cmocka_unit_test_setup_teardown(name, setup_pam_fixture, teardown_pam_fixture)
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
      MODULE_TEST(test_unsafe_files_are_unavailable_even_with_nullok),
      MODULE_TEST(test_empty_store_file_is_unavailable_and_left_alone),
      MODULE_TEST(test_busy_store_is_unavailable_after_the_timeout),
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
