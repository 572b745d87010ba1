// SPDX-License-Identifier: BSD-3-Clause
// Concurrency: real processes race through libpam and the built module with the SAME valid code,
// released at the same instant. google-authenticator-libpam accepted one code in up to 20 of 20
// such logins; here exactly one must win, every round, for TOTP codes, hardware tokens' HOTP
// codes and recovery codes.
// Logins of different users must all succeed (they queue on the store lock, never fail).
// The racers are split across two "hosts" (two configs, two key file copies, two PAM service
// directories) over one store: one SQLite file here, and one PostgreSQL database when
// tests/fleet/test_fleet_race.sh runs this program with SSHOTP_TEST_STORE=postgresql, the
// issue's race across hosts.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "common/hotp.h"
#include "tests/support/pam_harness.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

using namespace sshotp;
using namespace sshotp::test;

namespace {

// 100 rounds by default; tests/fleet/test_fleet_pgbouncer.sh runs fewer through PgBouncer.
int rounds() {
  static const int count = env_int("SSHOTP_TEST_RACE_ROUNDS", 100);
  return count > 0 ? count : 100;
}

// Host A (the fixture: alice enrolled) and host B (another_host) of one fleet, and the instant
// the rounds start from: the fixture's now (the real one against PostgreSQL, whose TLS checks
// the harness's certificates against the clock).
struct Fleet {
  PamFixture a;
  PamFixture b;
  std::int64_t start = 0;
};

int setup(void** state) {
  // Losers' refusals count as failures; keep the lockout out of the way of the rounds.
  auto* fleet = new Fleet{make_pam_fixture("max_failures = 100\n"), {}, 0};
  fleet->start = fake_time();
  fleet->b = another_host(fleet->a);
  *state = fleet;
  return 0;
}

int teardown(void** state) {
  auto* fleet = static_cast<Fleet*>(*state);
  destroy_test_env(fleet->b.env);
  destroy_test_env(fleet->a.env);
  delete fleet;
  return 0;
}

Fleet& fleet_of(void** state) { return *static_cast<Fleet*>(*state); }

void expect_one_winner_per_round(const char* label, int ways,
                                 const std::function<std::vector<Attempt>(int)>& round_attempts,
                                 const Fleet& fleet, std::int64_t step_seconds,
                                 int round_count = rounds()) {
  Tally total;
  for (int round = 0; round < round_count; ++round) {
    set_fake_time(fleet.start + round * step_seconds);
    const Tally t = race_logins({&fleet.a, &fleet.b}, round_attempts(round));
    if (t.successes != 1 || t.refusals != ways - 1 || t.other != 0) {
      fail_msg("%s round %d: %d successes, %d refusals, %d other", label, round, t.successes,
               t.refusals, t.other);
    }
    total.successes += t.successes;
    total.refusals += t.refusals;
  }
  std::printf("race %s %d-way across 2 hosts (%s): %d rounds, %d successes, %d refusals, 0 other\n",
              label, ways, store_is_postgresql() ? "postgresql" : "sqlite", round_count,
              total.successes, total.refusals);
}

void race_totp(void** state, int ways) {
  const Fleet& fleet = fleet_of(state);
  expect_one_winner_per_round(
      "totp", ways,
      [&](int round) {
        // A fresh step each round, so every round has a valid, never-used code.
        const std::string code = code_at(fleet.a.secret, fleet.a.params, fleet.start + round * 30);
        return std::vector<Attempt>(static_cast<std::size_t>(ways), Attempt{"alice", code});
      },
      fleet, 30);
}

void race_recovery(void** state, int ways) {
  const Fleet& fleet = fleet_of(state);
  const std::vector<std::string> codes =
      give_recovery_codes(fleet.a.env, "alice", static_cast<unsigned>(rounds()));
  expect_one_winner_per_round(
      "recovery", ways,
      [&](int round) {
        return std::vector<Attempt>(static_cast<std::size_t>(ways),
                                    Attempt{"alice", codes[static_cast<std::size_t>(round)]});
      },
      fleet, 0);
}

// A hardware token: every racer types the code of the token's next press, a fresh counter each
// round. The store's decision is the one a TOTP code meets (the conditional update on the last
// used counter), so against PostgreSQL, where test_race_totp already races it 100 times across
// hosts, 25 rounds show that HOTP takes the same path there.
void race_hotp(void** state, int ways) {
  const Fleet& fleet = fleet_of(state);
  const OtpParams token{Algorithm::sha1, 6, kCounterBased};
  enroll(fleet.a.env, "carol", fleet.a.secret, token, -1);
  expect_one_winner_per_round(
      "hotp", ways,
      [&](int round) {
        auto code = hotp_code(fleet.a.secret, token, round);
        if (!code) fail_msg("hotp_code: %s", code.error().message.c_str());
        return std::vector<Attempt>(static_cast<std::size_t>(ways),
                                    Attempt{"carol", std::string(code->view())});
      },
      fleet, 0, store_is_postgresql() ? std::min(25, rounds()) : rounds());
}

void test_race_totp_2way(void** state) { race_totp(state, 2); }
void test_race_hotp_8way(void** state) { race_hotp(state, 8); }
void test_race_totp_8way(void** state) { race_totp(state, 8); }
void test_race_recovery_2way(void** state) { race_recovery(state, 2); }
void test_race_recovery_8way(void** state) { race_recovery(state, 8); }

void test_race_distinct_users_all_succeed(void** state) {
  const Fleet& fleet = fleet_of(state);
  const PamFixture& f = fleet.a;
  const std::vector<std::string> users = {"u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7"};
  for (const std::string& user : users) enroll(f.env, user, f.secret, f.params);
  int successes = 0;
  const int user_rounds = std::min(20, rounds());
  for (int round = 0; round < user_rounds; ++round) {
    set_fake_time(fleet.start + round * 30);
    std::vector<Attempt> attempts;
    for (const std::string& user : users) attempts.push_back({user, f.code()});
    const Tally t = race_logins({&fleet.a, &fleet.b}, attempts);
    if (t.successes != static_cast<int>(users.size())) {
      fail_msg("round %d: only %d of %zu distinct users got in (%d refused, %d other)", round,
               t.successes, users.size(), t.refusals, t.other);
    }
    successes += t.successes;
  }
  std::printf("race distinct users 8-way across 2 hosts: %d rounds, %d successes, 0 failures\n",
              user_rounds, successes);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_race_totp_8way, setup, teardown),
      cmocka_unit_test_setup_teardown(test_race_recovery_8way, setup, teardown),
      cmocka_unit_test_setup_teardown(test_race_distinct_users_all_succeed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_race_hotp_8way, setup, teardown),
      cmocka_unit_test_setup_teardown(test_race_totp_2way, setup, teardown),
      cmocka_unit_test_setup_teardown(test_race_recovery_2way, setup, teardown),
  };
  // Against PostgreSQL every login is a TLS connection: the 8-way races, the distinct
  // users and the token are what the fleet needs shown, the 2-way races add time and nothing
  // more.
  const std::size_t count = store_is_postgresql() ? 4 : sizeof tests / sizeof tests[0];
  return _cmocka_run_group_tests("test_race", tests, count, nullptr, nullptr);
}
