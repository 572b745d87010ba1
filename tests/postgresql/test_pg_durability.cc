// SPDX-License-Identifier: BSD-3-Clause
// "A consumed code never comes back", on a real server: the store refuses a session whose
// COMMIT would be acknowledged before it is durable (synchronous_commit off, or local while
// standbys are named), and a login whose COMMIT waits for a synchronous standby that never
// answers is denied however the wait ends (pg_cancel_backend: a WARNING, then "COMMIT";
// pg_terminate_backend: a WARNING, then the connection closes), although the primary has
// committed it: so the code is used up and nobody got in with it. Run by test_pg_durability.sh
// against the harness's server; every case puts the server's settings back as it found them.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/verifier.h"
#include "tests/support/fixture.h"
// Last: it brings cmocka, whose macros clash with standard headers included after it.
#include "tests/postgresql/pg_test_support.h"

namespace sshotp {
namespace {

using Clock = std::chrono::steady_clock;

// Polls the superuser's `sql` until it answers `want`, for up to 15 s; returns the last answer.
std::string await_value(const std::string& sql, const std::string& want) {
  std::string value;
  for (const auto until = Clock::now() + std::chrono::seconds(15); Clock::now() < until;) {
    value = test::pg_super_sql(sql);
    if (value == want) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return value;
}

// synchronous_standby_names can only be set server-wide: ALTER SYSTEM, a reload, and then a
// wait until new sessions see it (the postmaster re-reads the file asynchronously).
void set_standbys(const std::string& names) {
  test::pg_super_sql("ALTER SYSTEM SET synchronous_standby_names = '" + names + "'");
  test::pg_super_sql("SELECT pg_reload_conf()");
  assert_string_equal(await_value("SHOW synchronous_standby_names", names).c_str(), names.c_str());
}

void assert_open_refused(const std::string& conninfo, const char* says) {
  auto store = test::pg_open_connected(conninfo, 3000);
  assert_false(store.ok());
  if (store.error().message.find(says) == std::string::npos) {
    print_error("'%s' does not say '%s'\n", store.error().message.c_str(), says);
  }
  assert_true(store.error().message.find(says) != std::string::npos);
  assert_int_equal(store.error().code, Errc::unavailable);  // a login: AUTHINFO_UNAVAIL
}

void test_pg_commit_that_is_not_durable_is_refused(void**) {
  const std::string host = test::pg_host_conninfo();
  (void)test::pg_open_ok();  // the default (on) is durable

  test::pg_super_sql("ALTER ROLE sshotp_host SET synchronous_commit = off");
  auto by_role = test::pg_open_connected(host, 3000);
  test::pg_super_sql("ALTER ROLE sshotp_host RESET synchronous_commit");
  assert_false(by_role.ok());
  assert_true(by_role.error().message.find("synchronous_commit is off") != std::string::npos);
  // The conninfo's own options are the session's too.
  assert_open_refused(host + " options='-c synchronous_commit=off'", "synchronous_commit is off");

  // local: durable on this server, which is all there is without standbys...
  test::pg_super_sql("ALTER ROLE sshotp_host SET synchronous_commit = local");
  (void)test::pg_open_ok();
  // ...and not on the standby a failover would promote, once standbys are named.
  set_standbys("absent");
  auto with_standbys = test::pg_open_connected(host, 3000);
  // The superuser's own COMMIT would wait for the absent standby too.
  test::pg_super_sql(
      "SET synchronous_commit = local; ALTER ROLE sshotp_host RESET synchronous_commit");
  auto on_with_standbys = test::pg_open_connected(host, 3000);
  set_standbys("");
  assert_false(with_standbys.ok());
  assert_true(with_standbys.error().message.find("synchronous_standby_names") != std::string::npos);
  assert_true(on_with_standbys.ok());
}

constexpr const char* kUser = "alice";
constexpr std::size_t kMaxReport = 512;

// A login in a child process, as sshd's PAM child would run it: its verdict, or the store's
// error, written to `report`, within `timeout_ms` (pg_timeout_ms). No cmocka here: a child must
// only report and exit.
[[noreturn]] void login_in_child(int report, const SecureBytes& key, const std::string& code,
                                 std::int64_t now, unsigned timeout_ms) {
  std::string said = "cannot open the store";
  if (auto store = pg::open_store({test::pg_host_conninfo(), timeout_ms, false})) {
    const VerifyRequest request{kUser, code, now, 1, LockoutPolicy{}};
    auto verdict = verify_and_consume(**store, key, request);
    said = verdict ? std::string("verdict: ") + outcome_reason(verdict->outcome)
                   : "error: " + verdict.error().message;
  }
  (void)!write(report, said.data(), std::min(said.size(), kMaxReport));
  _exit(0);
}

// Everything the child reported, once it has exited.
std::string child_report(pid_t child, int report) {
  std::string said;
  char buffer[kMaxReport];
  for (ssize_t n; (n = read(report, buffer, sizeof buffer)) > 0;)
    said.append(buffer, static_cast<std::size_t>(n));
  close(report);
  int status = 0;
  waitpid(child, &status, 0);
  return said;
}

// Enrolls kUser, starts a login with the right code, waits until its COMMIT waits for the
// absent standby, then ends the wait with `ender` (pg_cancel_backend or pg_terminate_backend;
// nullptr: the login's own deadline, `timeout_ms`, ends it). Returns what the login reported.
// The login's deadline is long unless the deadline is the ender: the server, not the
// deadline, must end the wait.
std::string login_ended_while_waiting_for_the_standby(const char* ender, std::int64_t& step,
                                                      unsigned timeout_ms = 20000) {
  test::pg_reset_store();
  auto key = random_bytes(32);
  auto secret = random_bytes(20);
  assert_true(key.ok() && secret.ok());
  Enrollment e;
  e.user = kUser;
  auto sealed = seal(*key, *secret, secret_aad(kUser));
  assert_true(sealed.ok());
  e.sealed_secret = std::move(sealed).value();
  e.created_at = now_unix();
  {
    auto store = test::pg_open_ok();
    auto txn = store->begin_write();
    assert_true(txn.ok() && (*txn)->put(e).ok() && (*txn)->commit().ok());
  }
  const std::int64_t now = now_unix();
  step = now / e.otp.period;
  const std::string code = test::code_at(*secret, e.otp, now);

  set_standbys("absent");
  int pipe_fds[2];
  assert_int_equal(pipe(pipe_fds), 0);
  const pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    close(pipe_fds[0]);
    login_in_child(pipe_fds[1], *key, code, now, timeout_ms);
  }
  close(pipe_fds[1]);
  const std::string waiter =
      "SELECT count(*) FROM pg_stat_activity"
      " WHERE usename = 'sshotp_host' AND wait_event = 'SyncRep'";
  const bool waited = await_value(waiter, "1") == "1";
  std::string ended = waited ? "t" : "";
  if (waited && ender != nullptr) {
    ended = test::pg_super_sql(std::string("SELECT ") + ender +
                               "(pid) FROM pg_stat_activity WHERE usename = 'sshotp_host'"
                               " AND wait_event = 'SyncRep'");
  }
  if (!waited) kill(child, SIGKILL);
  const std::string said = child_report(child, pipe_fds[0]);
  // Before any assertion: the next case must not wait for a standby. Emptying the list also
  // releases a backend still waiting after its client gave up (the deadline case).
  set_standbys("");
  assert_true(waited);
  assert_string_equal(ended.c_str(), "t");
  return said;
}

// What the superuser sees of kUser's replay mark: the primary committed the consume. Polled: a
// backend released from its wait by the emptied standby list shows its commit a moment later.
void assert_code_used_up(std::int64_t step) {
  assert_string_equal(
      await_value("SELECT last_step FROM sshotp.enrollments WHERE username = 'alice'",
                  std::to_string(step))
          .c_str(),
      std::to_string(step).c_str());
}

void test_pg_cancelled_wait_for_the_standby_denies(void**) {
  std::int64_t step = 0;
  const std::string said = login_ended_while_waiting_for_the_standby("pg_cancel_backend", step);
  print_message("the login reported: %s\n", said.c_str());
  assert_true(said.rfind("error: ", 0) == 0);
  assert_true(said.find("synchronous replication") != std::string::npos);
  assert_code_used_up(step);
}

void test_pg_terminated_wait_for_the_standby_denies(void**) {
  std::int64_t step = 0;
  const auto started = Clock::now();
  const std::string said = login_ended_while_waiting_for_the_standby("pg_terminate_backend", step);
  print_message("the login reported: %s\n", said.c_str());
  assert_true(said.rfind("error: ", 0) == 0);
  // Ended by the server, not by the child's own 20 s deadline.
  assert_true(said.find("timed out") == std::string::npos);
  assert_true(Clock::now() - started < std::chrono::seconds(15));
  // The server's warning before it closed the connection says what was cut short; "the
  // connection closed" alone would send an administrator after the network.
  assert_true(said.find("synchronous replication") != std::string::npos);
  assert_code_used_up(step);
}

// The wait that nobody ends: the login's own deadline (pg_timeout_ms) does, and its error names
// the synchronous standby, which is what an administrator must look at (a timeout alone reads
// as a slow or frozen primary).
void test_pg_deadline_while_waiting_for_the_standby_denies(void**) {
  std::int64_t step = 0;
  const std::string said = login_ended_while_waiting_for_the_standby(nullptr, step, 3000);
  print_message("the login reported: %s\n", said.c_str());
  assert_true(said.rfind("error: ", 0) == 0);
  assert_true(said.find("timed out") != std::string::npos);
  assert_true(said.find("synchronous standby") != std::string::npos);
  assert_true(said.find("absent") != std::string::npos);  // synchronous_standby_names
  assert_code_used_up(step);
}

}  // namespace
}  // namespace sshotp

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(sshotp::test_pg_commit_that_is_not_durable_is_refused),
      cmocka_unit_test(sshotp::test_pg_cancelled_wait_for_the_standby_denies),
      cmocka_unit_test(sshotp::test_pg_terminated_wait_for_the_standby_denies),
      cmocka_unit_test(sshotp::test_pg_deadline_while_waiting_for_the_standby_denies),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
