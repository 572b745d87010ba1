// SPDX-License-Identifier: BSD-3-Clause
// Concurrency: real processes race through libpam and the built module with the SAME valid code,
// released at the same instant. google-authenticator-libpam accepted one code in up to 20 of 20
// such logins; here exactly one must win, every round, for TOTP codes and for recovery codes.
// Logins of different users must all succeed (they queue on the store lock, never fail).
#include <security/pam_appl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "tests/support/pam_harness.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

using namespace sshotp;
using namespace sshotp::test;

namespace {

constexpr int kRounds = 100;
constexpr std::int64_t kStart = 1700000000;

struct Tally {
  int successes = 0;
  int refusals = 0;  // PAM_AUTH_ERR
  int other = 0;     // anything else is a bug (a busy store, a crash)
};

struct Attempt {
  std::string user;
  std::string code;
};

// Forks one process per attempt; all block on a pipe until the parent closes it, then call
// pam_authenticate at once. The exit status carries the PAM result class.
Tally race(const std::string& confdir, const std::vector<Attempt>& attempts) {
  int gate[2];
  assert_int_equal(pipe(gate), 0);
  std::vector<pid_t> children;
  for (const Attempt& attempt : attempts) {
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      close(gate[1]);
      char byte;
      (void)!read(gate[0], &byte, 1);  // returns 0 when the parent closes the write end
      AuthRun run;
      run.user = attempt.user;
      run.replies = {attempt.code};
      const int rc = run_authenticate(confdir, run).rc;
      _exit(rc == PAM_SUCCESS ? 0 : rc == PAM_AUTH_ERR ? 1 : 2);
    }
    children.push_back(pid);
  }
  close(gate[0]);
  close(gate[1]);  // the starting gun
  Tally tally;
  for (pid_t pid : children) {
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 2;
    (code == 0 ? tally.successes : code == 1 ? tally.refusals : tally.other)++;
  }
  return tally;
}

struct Fixture {
  TestEnv env;
  std::string confdir;
  SecureBytes secret;
};

int setup(void** state) {
  auto* f = new Fixture;
  // Losers' refusals count as failures; keep the lockout out of the way of 100 rounds.
  f->env = make_test_env("max_failures = 100\n");
  f->confdir = write_service(f->env);
  f->secret = rfc_sha1_key();
  enroll(f->env, "alice", f->secret);
  *state = f;
  return 0;
}

int teardown(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  destroy_test_env(f->env);
  delete f;
  return 0;
}

void expect_one_winner_per_round(const char* label, int ways,
                                 const std::function<std::vector<Attempt>(int)>& round_attempts,
                                 const std::string& confdir, std::int64_t step_seconds) {
  Tally total;
  for (int round = 0; round < kRounds; ++round) {
    set_fake_time(kStart + round * step_seconds);
    Tally t = race(confdir, round_attempts(round));
    if (t.successes != 1 || t.refusals != ways - 1 || t.other != 0) {
      fail_msg("%s round %d: %d successes, %d refusals, %d other", label, round, t.successes,
               t.refusals, t.other);
    }
    total.successes += t.successes;
    total.refusals += t.refusals;
  }
  std::printf("race %s %d-way: %d rounds, %d successes, %d refusals, 0 other\n", label, ways,
              kRounds, total.successes, total.refusals);
}

void race_totp(void** state, int ways) {
  auto* f = static_cast<Fixture*>(*state);
  expect_one_winner_per_round(
      "totp", ways,
      [&](int round) {
        // A fresh step each round, so every round has a valid, never-used code.
        const std::string code = code_at(f->secret, {}, kStart + round * 30);
        return std::vector<Attempt>(static_cast<std::size_t>(ways), Attempt{"alice", code});
      },
      f->confdir, 30);
}

void race_recovery(void** state, int ways) {
  auto* f = static_cast<Fixture*>(*state);
  const std::vector<std::string> codes = give_recovery_codes(f->env, "alice", kRounds);
  expect_one_winner_per_round(
      "recovery", ways,
      [&](int round) {
        return std::vector<Attempt>(static_cast<std::size_t>(ways),
                                    Attempt{"alice", codes[static_cast<std::size_t>(round)]});
      },
      f->confdir, 0);
}

void test_race_totp_2way(void** state) { race_totp(state, 2); }
void test_race_totp_8way(void** state) { race_totp(state, 8); }
void test_race_recovery_2way(void** state) { race_recovery(state, 2); }
void test_race_recovery_8way(void** state) { race_recovery(state, 8); }

void test_race_distinct_users_all_succeed(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  const std::vector<std::string> users = {"u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7"};
  for (const std::string& user : users) enroll(f->env, user, f->secret);
  int successes = 0;
  for (int round = 0; round < 20; ++round) {
    const std::int64_t now = kStart + round * 30;
    set_fake_time(now);
    std::vector<Attempt> attempts;
    for (const std::string& user : users) attempts.push_back({user, code_at(f->secret, {}, now)});
    Tally t = race(f->confdir, attempts);
    if (t.successes != static_cast<int>(users.size())) {
      fail_msg("round %d: only %d of %zu distinct users got in (%d refused, %d other)", round,
               t.successes, users.size(), t.refusals, t.other);
    }
    successes += t.successes;
  }
  std::printf("race distinct users 8-way: 20 rounds, %d successes, 0 failures\n", successes);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_race_totp_2way, setup, teardown),
      cmocka_unit_test_setup_teardown(test_race_totp_8way, setup, teardown),
      cmocka_unit_test_setup_teardown(test_race_recovery_2way, setup, teardown),
      cmocka_unit_test_setup_teardown(test_race_recovery_8way, setup, teardown),
      cmocka_unit_test_setup_teardown(test_race_distinct_users_all_succeed, setup, teardown),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
