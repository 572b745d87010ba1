// SPDX-License-Identifier: BSD-3-Clause
// The one harness for module tests: it drives the BUILT pam_sshotp.so through the real libpam the
// way sshd does. Layers, lowest first:
//   - the fake clock: pam_harness.cc defines time() in the test executable, which is linked with
//     -rdynamic, so the dlopen'ed module's time() binds there (the shipped .so has no test hook);
//   - FakeConversation (scripted answers in, a record of every message out) and PamSession (one
//     handle with sshd's items and environment, every PAM call), for fine-grained cases;
//   - PamFixture: a test's world (config, key, store, alice enrolled, a private PAM config
//     directory read by pam_start_confdir, so no /etc/pam.d and no LD_PRELOAD), whose login()
//     runs one whole sshd login in one call; race_logins() runs many at once; and the cmocka
//     state functions that hold a fixture.
// Nothing here uses cmocka assertions: logins also run in forked children, where a failed
// assertion would jump into a copy of the test runner. Trouble shows up as a return code that no
// exact assertion accepts.
#pragma once

#include <security/pam_appl.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/fixture.h"

namespace sshotp::test {

inline constexpr const char* kService = "sshotp-test";  // libpam lower-cases names: keep it so
inline constexpr const char* kRhost = "127.0.0.1";
inline constexpr const char* kDefaultPrompt = "Verification code: ";
inline constexpr std::int64_t kFakeNow = 1700000000;  // an instant nowhere near the real clock

// What time() returns from now on, in this process and in those forked afterwards.
void set_fake_time(std::int64_t unix_time);
std::int64_t fake_time();

// The module under test: $PAM_SSHOTP_MODULE (set by `make check`); aborts if unset.
std::string module_path();

// `auth required <module> config=<env's config> <args>`, one line.
std::string auth_line(const TestEnv& env, std::string_view module_args = "");

// One message the module sent through the conversation.
struct Message {
  int style;  // PAM_PROMPT_ECHO_OFF/_ON, PAM_TEXT_INFO, PAM_ERROR_MSG
  std::string text;
};

// The application's side: scripted answers in, a record of every message out. Replies answer
// ECHO_OFF/ECHO_ON prompts in order; running out of them is a conversation error, as a closed
// terminal is.
struct FakeConversation {
  enum class Mode {
    script,      // answer from `replies`
    fail,        // record the messages, then return PAM_CONV_ERR
    null_reply,  // answer every prompt with a NULL response
  };
  Mode mode = Mode::script;
  std::vector<std::string> replies;
  std::size_t next_reply = 0;
  std::vector<Message> received;  // every message, prompts and notices, in order
  // Runs while the module waits for the answer to a prompt, before it is given (the user
  // typing: what the world may do meanwhile).
  std::function<void()> while_prompting;

  static FakeConversation answering(std::vector<std::string> answers);

  std::vector<std::string> prompts() const;      // the ECHO_OFF/ECHO_ON texts
  std::vector<std::string> notices() const;      // the TEXT_INFO/ERROR_MSG texts
  bool was_told(std::string_view needle) const;  // some notice contains `needle`
};

// An open handle for `user` on kService with sshd's PAM_RHOST and, when `publickey_done`, the
// SSH_AUTH_INFO_0 that sshd exports after a public key succeeded. pam_end on destruction. If
// the handle could not be opened (reported on stderr), every call returns kNotOpened.
class PamSession {
 public:
  static constexpr int kNotOpened = -1;  // never a PAM code, so no exact assertion accepts it

  PamSession(const std::string& confdir, const std::string& user, FakeConversation& conv,
             bool publickey_done = true);
  ~PamSession();
  PamSession(const PamSession&) = delete;
  PamSession& operator=(const PamSession&) = delete;

  int authenticate(int flags = 0);
  int setcred();
  int acct_mgmt();
  int open_session();
  int close_session();
  int chauthtok();

 private:
  int record(int rc);

  struct pam_conv conv_;
  pam_handle_t* pamh_ = nullptr;
  int last_ = PAM_SUCCESS;
};

struct LoginOptions {
  bool publickey_done = true;  // see PamSession
  int flags = 0;               // pam_authenticate flags (e.g. PAM_SILENT)
};

// A module test's world: a fresh config/key/store with alice enrolled under the RFC key, a
// private PAM config directory whose kService runs the module (and whose `other` service
// denies everything, so a misnamed service can neither pass nor fall back to the system's),
// and the fake clock at kFakeNow.
struct PamFixture {
  TestEnv env;
  std::string confdir;                  // for pam_start_confdir
  SecureBytes secret = rfc_sha1_key();  // alice's, fixed so every code is deterministic
  OtpParams params;

  // Alice's code `steps` periods away from the fake now.
  std::string code(int steps = 0) const;
  // Replaces the kService file (0644, as /etc/pam.d files are) with `stack`.
  void use_stack(std::string_view stack) const;
  // The same with auth_line(env, module_args) alone.
  void use_module_args(std::string_view module_args) const;

  // One whole login as sshd does it: authenticate, and on success establish credentials, which
  // must never fail after a success (sshd would drop the connection): if it does, its code is
  // returned instead of PAM_SUCCESS. `conv` keeps the record of what was asked and told.
  int login(const std::string& user, FakeConversation& conv,
            const LoginOptions& options = {}) const;
  // The same, answering the one prompt with `reply`, when only the return code matters.
  int login(const std::string& user, const std::string& reply,
            const LoginOptions& options = {}) const;
};

struct Attempt {
  std::string user;
  std::string reply;
};

struct Tally {
  int successes = 0;
  int refusals = 0;  // PAM_AUTH_ERR
  int other = 0;     // anything else is a bug: a busy store, a crash, a failed fork
};

// Forks one process per attempt; all wait on a pipe until every one exists, then log in at
// once. Counts the results by class.
Tally race_logins(const PamFixture& f, const std::vector<Attempt>& attempts);
// The same across several hosts of one fleet: attempt i logs in on hosts[i % hosts.size()].
Tally race_logins(const std::vector<const PamFixture*>& hosts,
                  const std::vector<Attempt>& attempts);

// A second host of f's fleet: its own directory, PAM service directory and config file, the
// same settings over the same store (the same SQLite file, or the same PostgreSQL database), its
// own copy of f's key file. Its module arguments are the default ones. destroy_test_env(host.env)
// removes only its own directory.
PamFixture another_host(const PamFixture& f);

// `config_lines` are appended to the config file; `module_args` go on the service's auth line.
PamFixture make_pam_fixture(std::string_view config_lines = "", std::string_view module_args = "");

// cmocka state holding a PamFixture. setup_pam_fixture gives the defaults; a test file wanting
// another config writes its own setup around install_pam_fixture, which also lets one test
// start over with other settings. Teardown runs even after a failed assertion.
int setup_pam_fixture(void** state);
int teardown_pam_fixture(void** state);
PamFixture& install_pam_fixture(void** state, std::string_view config_lines,
                                std::string_view module_args = "");
PamFixture& pam_fixture(void** state);

}  // namespace sshotp::test
