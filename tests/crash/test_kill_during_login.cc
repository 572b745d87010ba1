// SPDX-License-Identifier: BSD-3-Clause
// Crash safety: logins through libpam and the built module are killed with SIGKILL at random
// moments (mid-transaction, mid-WAL-write, mid-recovery of an earlier victim) while other logins
// carry on, for at least 1000 rounds on a fake clock that moves one step per round. After every
// round the store must show no step going backwards and no used recovery code coming back; at the
// end it must pass PRAGMA integrity_check, and every code whose success a login reported must be
// refused again.
//
// "Reported" is the strict notion: a child writes one byte to a pipe after pam_authenticate
// returned PAM_SUCCESS. A child killed between its commit and that write has used its code
// without saying so; that is allowed (the code is gone either way), a second success is not.
//
// Each round, at time start + 30 * round:
//   0, 1  alice types the current step's code (they race: at most one may win)
//   2     alice types the previous step's code (a replay if it was reported, else legitimate)
//   3     bob types a fresh recovery code
//   4     bob types an already reported recovery code (or races child 3 when there is none)
// SSHOTP_CRASH_ROUNDS overrides the number of rounds (default 1000); SSHOTP_CRASH_SEED the seed.
//
// The same storm runs against PostgreSQL when tests/fleet/test_fleet_crash.sh runs this program
// with SSHOTP_TEST_STORE=postgresql (tests/support/fixture.h): a killed login's backend must end
// with its socket, taking its open transaction and row locks along. There the clock starts at
// the real now (the TLS certificates are checked against it), SQLite's integrity_check has no
// counterpart, and the script checks the server for leftover sessions afterwards. On both, a
// last login after the storm must work: no store error, no stuck lock.
#include <security/pam_appl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/verifier.h"
#include "tests/crash/tmpfs_scratch.h"
#include "tests/support/pam_harness.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

using namespace sshotp;
using namespace sshotp::test;

namespace {

constexpr int kPeriod = 30;
// The first round's instant: the fixture's now (kFakeNow, or the real now against PostgreSQL).
std::int64_t g_start = 0;
constexpr int kChildren = 5;

// What each child types, and which code that is: a TOTP step or a recovery code index.
struct LoginAttempt {
  std::string user;
  std::string typed;
  bool totp = false;
  std::int64_t identity = -1;  // step for TOTP, index into bob's codes for recovery
};

struct RoundResult {
  std::vector<int> reported;  // children that reported a success
  int killed = 0;             // children that died of our SIGKILL before exiting
  int refused = 0;            // PAM_AUTH_ERR or PAM_MAXTRIES
  int unexpected = 0;         // any other result from a child that was not killed
};

// Runs one round: forks a child per attempt, releases them together, kills one or two of them
// after a random delay of up to `max_delay_us`, and collects what they reported.
RoundResult run_round(const PamFixture& f, const std::vector<LoginAttempt>& attempts,
                      long max_delay_us, std::mt19937& rng) {
  int gate[2];
  int reports[2];
  assert_int_equal(pipe(gate), 0);
  assert_int_equal(pipe(reports), 0);
  std::vector<pid_t> children;
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      close(gate[1]);
      close(reports[0]);
      char byte;
      (void)!read(gate[0], &byte, 1);  // returns 0 once the parent closes the write end
      const int rc = f.login(attempts[i].user, attempts[i].typed);
      if (rc == PAM_SUCCESS) {
        const auto index = static_cast<unsigned char>(i);
        (void)!write(reports[1], &index, 1);  // the success is reported from here on
      }
      _exit(rc == PAM_SUCCESS ? 0 : rc == PAM_AUTH_ERR || rc == PAM_MAXTRIES ? 1 : 2);
    }
    children.push_back(pid);
  }
  close(gate[0]);
  close(reports[1]);
  // One victim, sometimes two, each at its own instant; none when max_delay_us < 0.
  std::vector<std::pair<long, std::size_t>> kills;  // (microseconds after the start, child)
  if (max_delay_us >= 0) {
    std::uniform_int_distribution<std::size_t> pick(0, children.size() - 1);
    std::uniform_int_distribution<long> delay_us(0, max_delay_us);
    kills.emplace_back(delay_us(rng), pick(rng));
    if (rng() % 2 == 0) kills.emplace_back(delay_us(rng), pick(rng));
    std::sort(kills.begin(), kills.end());
  }
  close(gate[1]);  // the starting gun
  long waited_us = 0;
  for (auto [at_us, victim] : kills) {
    const long us = at_us - waited_us;
    const timespec pause{us / 1000000, (us % 1000000) * 1000};
    nanosleep(&pause, nullptr);
    waited_us = at_us;
    kill(children[victim], SIGKILL);
  }

  RoundResult result;
  for (pid_t pid : children) {
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
      ++result.killed;
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) == 2) {
      ++result.unexpected;
    } else if (WEXITSTATUS(status) == 1) {
      ++result.refused;
    }
  }
  unsigned char index;
  while (read(reports[0], &index, 1) == 1) result.reported.push_back(index);
  close(reports[0]);
  return result;
}

// How long a round of logins takes on this machine (build, sanitizers, disk), so that kills
// are spread over the whole of a login rather than landing mostly before or after it.
long calibrate_round_us(const PamFixture& f, std::mt19937& rng) {
  const std::vector<LoginAttempt> strangers(kChildren, {"carol", "000000", false, -1});
  std::vector<long> took_us;
  for (int i = 0; i < 5; ++i) {
    const auto started = std::chrono::steady_clock::now();
    const RoundResult r = run_round(f, strangers, -1, rng);
    if (r.refused != kChildren) fail_msg("calibration: %d of %d refused", r.refused, kChildren);
    took_us.push_back(static_cast<long>(std::chrono::duration_cast<std::chrono::microseconds>(
                                            std::chrono::steady_clock::now() - started)
                                            .count()));
  }
  std::sort(took_us.begin(), took_us.end());
  return took_us[took_us.size() / 2];  // the median: a cold first round is no guide
}

// The store as a login would find it now: alice's last step, bob's unused recovery code ids.
struct Snapshot {
  std::int64_t last_step = -1;
  std::set<std::int64_t> unused_ids;
};

Snapshot read_store(const TestEnv& env) {
  const std::unique_ptr<Store> store = open_env_store(env);  // aborts if the store is unusable
  auto txn = store->begin_read();
  if (!txn) fail_msg("begin_read: %s", txn.error().message.c_str());
  auto alice = (*txn)->find("alice");
  if (!alice || !alice->has_value()) fail_msg("alice's enrollment is gone");
  auto codes = (*txn)->unused_recovery_codes("bob");
  if (!codes) fail_msg("bob's recovery codes unreadable: %s", codes.error().message.c_str());
  Snapshot snapshot;
  snapshot.last_step = (*alice)->last_step;
  for (const RecoveryCodeRow& row : *codes) snapshot.unused_ids.insert(row.id);
  return snapshot;
}

std::string integrity_check(const std::string& db_path) {
  sqlite3* db = nullptr;
  std::string verdict = "cannot open";
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      verdict = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return verdict;
}

int setup(void** state) {
  prefer_tmpfs_for_scratch();
  // Losers and replays count as failures; a short lockout keeps a bad streak from blocking.
  PamFixture& f = install_pam_fixture(state, "max_failures = 100\nlockout_time = 1\n");
  g_start = fake_time();
  enroll(f.env, "bob", f.secret);
  return 0;
}

// Everything reported so far, and the checks each round must pass.
class Ledger {
 public:
  explicit Ledger(Snapshot initial) : last_(std::move(initial)) {}

  // A reported success of a code that was reported before is the failure this test hunts.
  void record(const LoginAttempt& a, int round) {
    std::set<std::int64_t>& seen = a.totp ? steps_ : recovery_;
    if (!seen.insert(a.identity).second) {
      fail_msg("round %d: %s's %s code #%lld was accepted twice", round, a.user.c_str(),
               a.totp ? "TOTP" : "recovery", static_cast<long long>(a.identity));
    }
  }

  void check_store(const Snapshot& now, int round) {
    if (now.last_step < last_.last_step) {
      fail_msg("round %d: last_step went back from %lld to %lld", round,
               static_cast<long long>(last_.last_step), static_cast<long long>(now.last_step));
    }
    if (!steps_.empty() && now.last_step < *steps_.rbegin()) {
      fail_msg("round %d: step %lld was reported but last_step is %lld", round,
               static_cast<long long>(*steps_.rbegin()), static_cast<long long>(now.last_step));
    }
    for (std::int64_t id : now.unused_ids) {
      if (last_.unused_ids.count(id) == 0) {
        fail_msg("round %d: used recovery code id %lld became unused again", round,
                 static_cast<long long>(id));
      }
      if (recovery_.count(id - 1) != 0) {
        fail_msg("round %d: reported recovery code id %lld is still unused", round,
                 static_cast<long long>(id));
      }
    }
    last_ = now;
  }

  const std::set<std::int64_t>& steps() const { return steps_; }
  const std::set<std::int64_t>& recovery() const { return recovery_; }
  std::optional<std::int64_t> some_used_recovery(std::mt19937& rng) const {
    if (recovery_.empty()) return std::nullopt;
    auto it = recovery_.begin();
    std::advance(it, static_cast<long>(rng() % recovery_.size()));
    return *it;
  }

 private:
  std::set<std::int64_t> steps_;
  std::set<std::int64_t> recovery_;
  Snapshot last_;
};

// With a 6-digit code, two steps in one window can share a code; such a round would make
// "which step was used" ambiguous, so it leaves TOTP out.
bool step_code_unique(const SecureBytes& secret, std::int64_t step) {
  const std::string code = code_at(secret, {}, step * kPeriod);
  for (std::int64_t other = step - 2; other <= step + 2; ++other) {
    if (other != step && code_at(secret, {}, other * kPeriod) == code) return false;
  }
  return true;
}

// `recovery` holds bob's codes as typed; code i has id i + 1.
std::vector<LoginAttempt> round_attempts(const PamFixture& f,
                                         const std::vector<std::string>& recovery,
                                         const Ledger& ledger, int round, std::mt19937& rng) {
  const std::int64_t step = (g_start + round * kPeriod) / kPeriod;
  std::vector<LoginAttempt> attempts;
  if (step_code_unique(f.secret, step) && step_code_unique(f.secret, step - 1)) {
    const LoginAttempt current{"alice", code_at(f.secret, {}, step * kPeriod), true, step};
    attempts = {
        current, current, {"alice", code_at(f.secret, {}, (step - 1) * kPeriod), true, step - 1}};
  }
  const auto fresh = static_cast<std::int64_t>(round);
  const std::int64_t replayed = ledger.some_used_recovery(rng).value_or(fresh);
  for (std::int64_t index : {fresh, replayed}) {
    attempts.push_back({"bob", recovery[static_cast<std::size_t>(index)], false, index});
  }
  return attempts;
}

// After the storm: every reported code, tried once more through the core with the lockout
// cleared (as `sshotp-enroll unlock` would), must be refused as used (TOTP: replayed; recovery:
// wrong, it no longer exists).
void retry_every_reported_code(const PamFixture& f, const std::vector<std::string>& recovery,
                               const Ledger& ledger) {
  const std::unique_ptr<Store> store = open_env_store(f.env);
  auto key = load_key_file(f.env.key_path);
  assert_true(key.ok());
  {
    auto txn = store->begin_write();
    assert_true(txn.ok());
    for (const char* user : {"alice", "bob"}) {
      assert_true((*txn)->set_lockout(user, LockoutState{}).ok());
    }
    assert_true((*txn)->commit().ok());
  }
  auto verify = [&](const char* user, const std::string& typed, std::int64_t now) {
    VerifyRequest request{user, typed, now, 1, {}};
    request.lockout.max_failures = UINT_MAX;  // the retries themselves must not lock anyone out
    auto verdict = verify_and_consume(*store, *key, request);
    if (!verdict) fail_msg("verify after the storm: %s", verdict.error().message.c_str());
    return verdict->outcome;
  };
  for (std::int64_t step : ledger.steps()) {
    const Outcome outcome = verify("alice", code_at(f.secret, {}, step * kPeriod), step * kPeriod);
    if (outcome != Outcome::replayed) {
      fail_msg("reported TOTP step %lld: %s on retry, expected replay",
               static_cast<long long>(step), outcome_reason(outcome));
    }
  }
  for (std::int64_t index : ledger.recovery()) {
    const Outcome outcome = verify("bob", recovery[static_cast<std::size_t>(index)], g_start);
    if (outcome != Outcome::wrong_code) {
      fail_msg("reported recovery code #%lld: %s on retry, expected wrong",
               static_cast<long long>(index), outcome_reason(outcome));
    }
  }
}

void test_sigkill_during_logins(void** state) {
  const PamFixture& f = pam_fixture(state);
  const int rounds = env_int("SSHOTP_CRASH_ROUNDS", 1000);
  const std::vector<std::string> recovery =
      give_recovery_codes(f.env, "bob", static_cast<unsigned>(rounds));
  const auto seed = static_cast<unsigned>(env_int("SSHOTP_CRASH_SEED", static_cast<int>(getpid())));
  std::printf("crash loop: %d rounds, seed %u (SSHOTP_CRASH_SEED=%u reproduces the kill pattern)\n",
              rounds, seed, seed);
  std::mt19937 rng(seed);
  const long max_delay_us = calibrate_round_us(f, rng);
  std::printf("crash loop: a round of %d logins takes %ld us here; kills land within that\n",
              kChildren, max_delay_us);
  Ledger ledger(read_store(f.env));
  RoundResult total;
  int logins = 0;
  int totp_rounds = 0;
  const auto started = std::chrono::steady_clock::now();
  for (int round = 0; round < rounds; ++round) {
    set_fake_time(g_start + round * kPeriod);
    const std::vector<LoginAttempt> attempts = round_attempts(f, recovery, ledger, round, rng);
    totp_rounds += attempts.size() == kChildren ? 1 : 0;
    const RoundResult r = run_round(f, attempts, max_delay_us, rng);
    if (r.unexpected != 0) fail_msg("round %d: %d logins failed abnormally", round, r.unexpected);
    for (int child : r.reported) ledger.record(attempts[static_cast<std::size_t>(child)], round);
    ledger.check_store(read_store(f.env), round);
    logins += static_cast<int>(attempts.size());
    total.killed += r.killed;
    total.refused += r.refused;
    total.reported.insert(total.reported.end(), r.reported.begin(), r.reported.end());
  }
  const std::string integrity =
      store_is_postgresql() ? "ok (not applicable)" : integrity_check(f.env.db_path);
  if (integrity.rfind("ok", 0) != 0) fail_msg("PRAGMA integrity_check: %s", integrity.c_str());
  retry_every_reported_code(f, recovery, ledger);
  // No store error remains: a new login through the module, at a step no round used, works.
  set_fake_time(g_start + (rounds + 2) * kPeriod);
  const int last_login = f.login("alice", f.code());
  if (last_login != PAM_SUCCESS) fail_msg("the login after the storm returned %d", last_login);
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "crash loop: %d rounds (%d with TOTP) in %.1f s: %d logins, %d killed before exiting, "
      "%zu successes reported (%zu TOTP steps, %zu recovery codes), %d refused\n"
      "crash loop: no code accepted twice, last_step never went back, no used recovery code "
      "came back, integrity_check %s, all %zu reported codes refused on retry, the next login "
      "works\n",
      rounds, totp_rounds, seconds, logins, total.killed, total.reported.size(),
      ledger.steps().size(), ledger.recovery().size(), total.refused, integrity.c_str(),
      ledger.steps().size() + ledger.recovery().size());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_sigkill_during_logins, setup, teardown_pam_fixture),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
