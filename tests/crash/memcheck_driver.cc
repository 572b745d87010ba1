// SPDX-License-Identifier: BSD-3-Clause
// Drives the built pam_sshotp.so through the real libpam along one path per invocation, for
// test_memcheck.sh to run under valgrind: every way a login can end (success, wrong, replay,
// recovery code, bad input, not enrolled, conversation error, lockout, bad argument, missing
// store) gets its own process, so a leak or a bad read is pinned to the path that caused it.
// Exit status 0 when the path gave the PAM result it should; `--list` prints the path names,
// `--sanitized` says whether this build uses a sanitizer (valgrind cannot run those).
#include <security/pam_appl.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "tests/support/pam_harness.h"

using namespace sshotp;
using namespace sshotp::test;

namespace {

// Each path returns the PAM results it saw; the expected list sits beside it.
struct Path {
  const char* name;
  std::vector<int> expected;
  std::function<std::vector<int>(PamFixture&)> run;
};

const std::vector<Path>& paths() {
  static const std::vector<Path> all = {
      {"success",
       {PAM_SUCCESS},
       [](PamFixture& f) { return std::vector{f.login("alice", f.code())}; }},
      {"wrong",
       {PAM_AUTH_ERR},
       [](PamFixture& f) {
         return std::vector{f.login("alice", wrong_code(f.secret, f.params, fake_time()))};
       }},
      {"replay",
       {PAM_SUCCESS, PAM_AUTH_ERR},
       [](PamFixture& f) {
         return std::vector{f.login("alice", f.code()), f.login("alice", f.code())};
       }},
      {"recovery",
       {PAM_SUCCESS, PAM_AUTH_ERR},
       [](PamFixture& f) {
         const std::string code = give_recovery_codes(f.env, "alice", 3).front();
         return std::vector{f.login("alice", code), f.login("alice", code)};
       }},
      {"bad-input",
       {PAM_AUTH_ERR},
       [](PamFixture& f) { return std::vector{f.login("alice", std::string(600, 'x'))}; }},
      {"not-enrolled",
       {PAM_AUTH_ERR},
       [](PamFixture& f) { return std::vector{f.login("carol", "123456")}; }},
      {"conv-error",
       {PAM_CONV_ERR},
       [](PamFixture& f) {
         FakeConversation conv;
         conv.mode = FakeConversation::Mode::fail;
         return std::vector{f.login("alice", conv)};
       }},
      {"lockout",
       {PAM_AUTH_ERR, PAM_MAXTRIES, PAM_MAXTRIES},
       [](PamFixture& f) {
         f.use_module_args("max_failures=2");
         std::vector<int> rcs;
         for (int i = 0; i < 3; ++i) rcs.push_back(f.login("alice", "k7q2-9xhm-3bwe"));
         return rcs;
       }},
      {"bad-argument",
       {PAM_SERVICE_ERR},
       [](PamFixture& f) {
         f.use_module_args("window=eleven");
         return std::vector{f.login("alice", f.code())};
       }},
      {"missing-store",
       {PAM_AUTHINFO_UNAVAIL},
       [](PamFixture& f) {
         f.use_module_args("db=" + f.env.dir + "/nowhere.db");
         return std::vector{f.login("alice", f.code())};
       }},
  };
  return all;
}

bool sanitized() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#endif
#endif
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--sanitized") == 0) {
    std::puts(sanitized() ? "yes" : "no");
    return 0;
  }
  if (argc == 2 && std::strcmp(argv[1], "--list") == 0) {
    for (const Path& path : paths()) std::puts(path.name);
    return 0;
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s --list | --sanitized | PATH\n", argv[0]);
    return 2;
  }
  for (const Path& path : paths()) {
    if (std::strcmp(argv[1], path.name) != 0) continue;
    PamFixture fixture = make_pam_fixture();
    const std::vector<int> got = path.run(fixture);
    destroy_test_env(fixture.env);
    bool as_expected = got == path.expected;
    for (std::size_t i = 0; i < got.size(); ++i) {
      std::printf("%s: login %zu -> %s%s\n", path.name, i + 1, pam_strerror(nullptr, got[i]),
                  i < path.expected.size() && got[i] == path.expected[i] ? "" : " (unexpected)");
    }
    return as_expected ? 0 : 1;
  }
  std::fprintf(stderr, "unknown path %s\n", argv[1]);
  return 2;
}
