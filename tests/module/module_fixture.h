// SPDX-License-Identifier: BSD-3-Clause
// The per-test world of the module tests: a fresh config/key/store with alice enrolled under a
// fixed secret, a PAM confdir whose service runs the built module, the fake clock the module
// reads, and shorthands for one login. Header-only, included by test_pam_module.cc alone.
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "tests/module/pam_harness.h"

namespace sshotp::test {

inline constexpr std::int64_t kFakeNow = 1700000000;  // an instant nowhere near the real clock

// What time() returns in this process, the dlopen'ed module included (test_pam_module.cc
// interposes time()).
inline std::int64_t g_fake_now = kFakeNow;

inline constexpr const char* kDefaultPrompt = "Verification code: ";

struct Fixture {
  TestEnv env;
  std::string confdir;
  SecureBytes secret;  // alice's: fixed, so every code below is deterministic
  TotpParams params;
};

inline SecureBytes bytes_of(std::string_view ascii) {
  return SecureBytes(ascii.begin(), ascii.end());
}

inline int setup(void** state) {
  auto* f = new Fixture;
  f->env = make_test_env();
  f->confdir = make_pam_confdir(f->env);
  f->secret = bytes_of("pam_sshotp module ts");
  enroll(f->env, "alice", f->secret, f->params);
  write_pam_file(f->confdir, kService, auth_line(f->env));
  g_fake_now = kFakeNow;
  *state = f;
  return 0;
}

inline int teardown(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  destroy_test_env(f->env);
  delete f;
  return 0;
}

inline Fixture& fixture(void** state) { return *static_cast<Fixture*>(*state); }

// Alice's code `steps` periods away from the fake now.
inline std::string code(const Fixture& f, int steps) {
  return code_at(f.secret, f.params, g_fake_now + steps * std::int64_t{30});
}

// One login answering `reply`; `conv` keeps the record of what was asked.
inline int reply_recorded(const Fixture& f, const std::string& reply, const char* user,
                          FakeConversation& conv) {
  conv = FakeConversation::answering({reply});
  return login(f.confdir, user, conv);
}

inline int try_reply(const Fixture& f, const std::string& reply, const char* user = "alice") {
  FakeConversation conv;
  return reply_recorded(f, reply, user, conv);
}

// The same, asserting the module asked exactly once, hidden, with `prompt`.
inline int prompted_reply(const Fixture& f, const std::string& reply, const char* user = "alice",
                          const char* prompt = kDefaultPrompt) {
  FakeConversation conv;
  int rc = reply_recorded(f, reply, user, conv);
  assert_prompted_once(conv, prompt);
  return rc;
}

// The same, asserting the module refused before asking anything (nothing to type into a login
// that cannot succeed).
inline int unprompted_reply(const Fixture& f, const std::string& reply) {
  FakeConversation conv;
  int rc = reply_recorded(f, reply, "alice", conv);
  assert_int_equal(conv.prompts.size(), 0);
  return rc;
}

inline int login_with_mode(const Fixture& f, FakeConversation::Mode mode, FakeConversation& conv) {
  conv.mode = mode;
  return login(f.confdir, "alice", conv);
}

inline void use_module_args(const Fixture& f, const std::string& args) {
  write_pam_file(f.confdir, kService, auth_line(f.env, args));
}

inline void append_config(const Fixture& f, const std::string& lines) {
  std::ifstream in(f.env.config_path);
  std::stringstream text;
  text << in.rdbuf() << lines;
  write_file(f.env.config_path, text.str(), 0644);
}

// A well-formed code that matches no step in [-2, +2]: the right code with its last digit moved.
inline std::string wrong_code(const Fixture& f) {
  std::string wrong = code(f, 0);
  wrong.back() = static_cast<char>('0' + (wrong.back() - '0' + 1) % 10);
  for (int step = -2; step <= 2; ++step) {
    assert_string_not_equal(wrong.c_str(), code(f, step).c_str());
  }
  return wrong;
}

}  // namespace sshotp::test
