// SPDX-License-Identifier: BSD-3-Clause
// Driving the BUILT pam_sshotp.so through the real libpam, the way sshd does: a service file in
// a temporary PAM config dir (pam_start_confdir), a scripted conversation, sshd's items and
// environment (PAM_RHOST, SSH_AUTH_INFO_0), and a fake clock.
//
// The clock: this file defines time() in the test executable, which is linked with -rdynamic,
// so the dlopen'ed module's call to time() binds here. The shipped .so has no test hook.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/fixture.h"

namespace sshotp::test {

// What time() returns from now on (also in processes forked afterwards).
void set_fake_time(std::int64_t unix_time);
std::int64_t fake_time();

// The module under test: $PAM_SSHOTP_MODULE (set by `make check`); aborts if unset.
std::string module_path();

// Writes `<env.dir>/pam.d/sshotp-test` = "auth required <module> config=<env config> <args>"
// plus an `other` file that denies, and returns the directory for pam_start_confdir.
std::string write_service(const TestEnv& env, std::string_view extra_args = "");

struct AuthRun {
  std::string user;
  std::vector<std::string> replies;  // one per prompt, in order; missing ones answer NULL
  bool publickey_done = true;        // put "publickey ..." into SSH_AUTH_INFO_0 like sshd
  bool conversation_fails = false;   // the application returns PAM_CONV_ERR
  int flags = 0;                     // pam_authenticate flags (e.g. PAM_SILENT)
};

struct AuthOutcome {
  int rc = -1;
  std::vector<std::string> prompts;   // PAM_PROMPT_ECHO_OFF/ON texts, in order
  std::vector<std::string> messages;  // PAM_TEXT_INFO / PAM_ERROR_MSG texts, in order
  bool echo_on_seen = false;
};

AuthOutcome run_authenticate(const std::string& confdir, const AuthRun& run);

}  // namespace sshotp::test
