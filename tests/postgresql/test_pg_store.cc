// SPDX-License-Identifier: BSD-3-Clause
// What only the PostgreSQL store has to prove (the Store contract itself is the contract suite's,
// tests/postgresql/test_pg_contract.sh): one deadline bounds connecting and querying across
// every host, also against a server that accepts TCP and never answers, and only the time spent
// waiting for the server counts; a refused first host
// falls through to the next; TLS and schema problems fail closed and say why, never with the
// password; a COMMIT that draws a warning (as a cancelled wait for synchronous replication does)
// is a failure. (Row locks: test_pg_locks.cc; the real replication wait: test_pg_durability.cc.)
// Run by test_pg_store.sh against the harness's server.
#include <unistd.h>

#include <chrono>
#include <string>

#include "tests/postgresql/pg_test_support.h"

namespace sshotp {
namespace {

using Clock = std::chrono::steady_clock;
using test::ClosedPort;
using test::SilentServer;
using test::with_setting;
constexpr unsigned kShortMs = test::kPgShortMs;
constexpr auto kSlack = test::kPgSlack;

// The host conninfo without `key=value`.
std::string without_setting(std::string conninfo, const std::string& key) {
  const auto at = conninfo.find(key + "=");
  if (at == std::string::npos) return conninfo;
  const auto end = conninfo.find(' ', at);
  return conninfo.erase(at, end == std::string::npos ? std::string::npos : end - at + 1);
}

// Opens the store and begins a read transaction (it connects only then), as a login does.
Result<std::unique_ptr<Store>> open_timed(const std::string& conninfo, Clock::duration& took) {
  const auto started = Clock::now();
  auto store = test::pg_open_connected(conninfo, kShortMs);
  took = Clock::now() - started;
  return store;
}

void assert_refused_within_bound(const Result<std::unique_ptr<Store>>& store, Clock::duration took,
                                 const char* says) {
  print_message(
      "refused after %lld ms (pg_timeout_ms %u): %s\n",
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()),
      kShortMs, says);
  assert_false(store.ok());
  if (store.error().message.find(says) == std::string::npos) {
    print_error("'%s' does not say '%s'\n", store.error().message.c_str(), says);
  }
  assert_true(store.error().message.find(says) != std::string::npos);
  assert_true(took < std::chrono::milliseconds(kShortMs) + kSlack);
}

void test_pg_silent_server_is_refused_within_the_deadline(void**) {
  SilentServer silent;
  Clock::duration took{};
  auto store =
      open_timed(with_setting(test::pg_host_conninfo(), "port", std::to_string(silent.port)), took);
  assert_refused_within_bound(store, took, "timed out");
  assert_true(took >= std::chrono::milliseconds(kShortMs - 50));
}

void test_pg_time_between_calls_is_not_the_databases(void**) {
  // A login's user types the code between the look before the prompt and the verification:
  // only the time spent waiting for the server counts against pg_timeout_ms.
  // Each transaction connects anew (pg_store.h): four TLS connections must fit the bound on a
  // loaded machine, while the pauses between them add up to more than it.
  constexpr unsigned kBoundMs = 1500;
  auto store = test::pg_open_ok(kBoundMs);
  for (int call = 0; call < 3; ++call) {
    usleep(kBoundMs * 1000 / 2);
    auto txn = store->begin_read();
    assert_true(txn.ok());
    auto found = (*txn)->find("nobody");
    if (!found) print_error("%s\n", found.error().message.c_str());
    assert_true(found.ok());
  }
}

void test_pg_one_deadline_covers_every_host(void**) {
  // libpq's connect_timeout would give each host its own; two silent hosts must not double it.
  SilentServer first;
  SilentServer second;
  std::string conninfo = with_setting(test::pg_host_conninfo(), "host", "127.0.0.1,127.0.0.1");
  conninfo = with_setting(conninfo, "port",
                          std::to_string(first.port) + "," + std::to_string(second.port));
  Clock::duration took{};
  auto store = open_timed(with_setting(conninfo, "connect_timeout", "10"), took);
  assert_refused_within_bound(store, took, "timed out");
}

void test_pg_refused_first_host_falls_through_to_the_next(void**) {
  ClosedPort down;
  const std::string real = test::pg_host_conninfo();
  const std::string real_port = test::setting_of(real, "port");
  std::string conninfo = with_setting(real, "host", "127.0.0.1,127.0.0.1");
  conninfo = with_setting(conninfo, "port", std::to_string(down.port) + "," + real_port);
  (void)test::pg_open_ok(3000, conninfo);
}

// Refused before any connection is tried, with an error that must not hold `secret`.
void assert_conninfo_refused(const std::string& conninfo, const char* says, const char* secret) {
  Clock::duration took{};
  auto refused = open_timed(conninfo, took);
  assert_refused_within_bound(refused, took, says);
  if (refused.error().message.find(secret) != std::string::npos) {
    print_error("'%s' holds the secret '%s'\n", refused.error().message.c_str(), secret);
  }
  assert_true(refused.error().message.find(secret) == std::string::npos);
}

void test_pg_conninfo_errors_never_echo_the_password(void**) {
  // libpq's parse errors quote the token they stumble on, and the message reaches syslog and the
  // setuid CLI's terminal: an unquoted password with a space, a URI's bad percent-encoding.
  const std::string host = test::pg_host_conninfo();
  assert_conninfo_refused(host + " password=correct horse", "not valid libpq syntax", "horse");
  assert_conninfo_refused("postgresql://sshotp_host:correct%ZZhorse@127.0.0.1/sshotp",
                          "not valid libpq syntax", "horse");
  // Well-formed, a password is still refused (pg_conninfo is in world-readable files).
  assert_conninfo_refused(host + " password='correct horse'", "password", "horse");
  assert_conninfo_refused("postgresql://sshotp_host:correct%20horse@127.0.0.1/sshotp", "password",
                          "horse");
  // The client key's passphrase is a password too.
  assert_conninfo_refused(host + " sslpassword='correct horse'", "sslpassword", "horse");
}

void test_pg_errors_name_the_cause_never_the_password(void**) {
  ClosedPort down;
  const std::string conninfo = test::pg_host_conninfo();
  Clock::duration took{};
  auto refused = open_timed(with_setting(conninfo, "port", std::to_string(down.port)), took);
  assert_refused_within_bound(refused, took, "refused");

  // A server certificate that the configured CA did not sign: TLS fails, closed.
  const auto cert_at = conninfo.find("sslcert=") + 8;
  const std::string client_cert = conninfo.substr(cert_at, conninfo.find(' ', cert_at) - cert_at);
  const std::string wrong_ca = with_setting(conninfo, "sslrootcert", client_cert);
  auto untrusted = open_timed(wrong_ca, took);
  assert_refused_within_bound(untrusted, took, "certificate");
}

void test_pg_standbys_are_never_asked(void**) {
  // A standby may not have the newest enrollment or used code yet: only the primary is read.
  const std::string host = test::pg_host_conninfo();
  for (const char* attrs : {"any", "standby", "prefer-standby", "read-only"}) {
    assert_conninfo_refused(with_setting(host, "target_session_attrs", attrs),
                            "target_session_attrs", "horse");
  }
  auto primary =
      test::pg_open_connected(with_setting(host, "target_session_attrs", "primary"), 3000);
  assert_true(primary.ok());
}

void test_pg_transport_defaults_fail_safe(void**) {
  // libpq's own default (prefer) would take an unverified server, which could answer every
  // login "never used, no failures": without sslmode the server must still be verified.
  const std::string conninfo = test::pg_host_conninfo();
  const auto cert_at = conninfo.find("sslcert=") + 8;
  const std::string client_cert = conninfo.substr(cert_at, conninfo.find(' ', cert_at) - cert_at);
  Clock::duration took{};
  auto untrusted = open_timed(
      with_setting(without_setting(conninfo, "sslmode"), "sslrootcert", client_cert), took);
  assert_refused_within_bound(untrusted, took, "certificate");
  (void)test::pg_open_ok(3000, without_setting(conninfo, "sslmode"));

  // An explicit weaker sslmode on a TCP host is refused before connecting; verify-ca is enough.
  for (const char* weak : {"require", "prefer", "allow", "disable"}) {
    auto refused = open_timed(with_setting(conninfo, "sslmode", weak), took);
    assert_refused_within_bound(refused, took, "sslmode");
    assert_true(refused.error().message.find("verify-ca") != std::string::npos);
  }
  assert_conninfo_refused(with_setting(conninfo, "sslmode", "correct-horse"), "sslmode", "horse");
  auto uri = open_timed("postgresql://sshotp_host@127.0.0.1/sshotp?sslmode=require", took);
  assert_refused_within_bound(uri, took, "sslmode");
  (void)test::pg_open_ok(3000, with_setting(conninfo, "sslmode", "verify-ca"));
}

void test_pg_schema_must_be_the_one_this_build_knows(void**) {
  test::pg_super_sql("INSERT INTO sshotp.schema_version (version) VALUES (99)");
  auto newer = test::pg_open_connected(test::pg_host_conninfo(), 3000);
  test::pg_super_sql("DELETE FROM sshotp.schema_version WHERE version = 99");
  assert_false(newer.ok());
  assert_true(newer.error().message.find("schema version 99 is newer") != std::string::npos);

  test::pg_super_sql("ALTER TABLE sshotp.schema_version RENAME TO schema_version_away");
  auto missing = test::pg_open_connected(test::pg_host_conninfo(), 3000);
  test::pg_super_sql("ALTER TABLE sshotp.schema_version_away RENAME TO schema_version");
  assert_false(missing.ok());
  assert_true(missing.error().message.find("not initialised") != std::string::npos);
}

void test_pg_column_of_another_type_is_refused(void**) {
  // Eight bytes of a float8 are not an int8: a column whose type is not the schema's is a
  // corrupt row, never reinterpreted (5.0 read as an integer is a step far in the future).
  test::pg_reset_store();
  auto store = test::pg_open_ok();
  Enrollment e = test::pg_sample("alice");
  e.last_step = 5;
  {
    auto txn = store->begin_write();
    assert_true(txn.ok() && (*txn)->put(e).ok() && (*txn)->commit().ok());
  }
  test::pg_super_sql("ALTER TABLE sshotp.enrollments ALTER COLUMN last_step TYPE float8");
  auto txn = store->begin_read();
  assert_true(txn.ok());
  auto found = (*txn)->find("alice");
  txn->reset();
  test::pg_super_sql("ALTER TABLE sshotp.enrollments ALTER COLUMN last_step TYPE bigint");
  if (found.ok() && found->has_value())
    print_error("last_step read as %lld\n", static_cast<long long>((*found)->last_step));
  assert_false(found.ok());
  assert_true(found.error().message.find("alice") != std::string::npos);
}

void test_pg_commit_with_a_warning_is_a_failure(void**) {
  // The server's WARNING when a wait for synchronous replication is cancelled arrives during
  // COMMIT, after the commit is local. A deferred constraint trigger warns at the same moment.
  test::pg_reset_store();
  test::pg_super_sql(
      "CREATE FUNCTION sshotp.warn_at_commit() RETURNS trigger LANGUAGE plpgsql AS"
      " $$ BEGIN RAISE WARNING 'canceling wait for synchronous replication (simulated)';"
      " RETURN NULL; END $$;"
      "CREATE CONSTRAINT TRIGGER warn_at_commit AFTER UPDATE ON sshotp.enrollments"
      " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sshotp.warn_at_commit()");
  auto store = test::pg_open_ok();
  {
    auto txn = store->begin_write();
    assert_true(txn.ok() && (*txn)->put(test::pg_sample("alice")).ok() && (*txn)->commit().ok());
  }
  auto txn = store->begin_write();
  assert_true(txn.ok());
  auto consumed = (*txn)->consume_step("alice", 7, 1700000001);
  assert_true(consumed.ok() && *consumed);
  const Status committed = (*txn)->commit();
  test::pg_super_sql(
      "DROP TRIGGER warn_at_commit ON sshotp.enrollments;"
      " DROP FUNCTION sshotp.warn_at_commit()");
  assert_false(committed.ok());
  assert_true(committed.error().message.find("synchronous replication") != std::string::npos);
}

}  // namespace
}  // namespace sshotp

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(sshotp::test_pg_silent_server_is_refused_within_the_deadline),
      cmocka_unit_test(sshotp::test_pg_time_between_calls_is_not_the_databases),
      cmocka_unit_test(sshotp::test_pg_one_deadline_covers_every_host),
      cmocka_unit_test(sshotp::test_pg_refused_first_host_falls_through_to_the_next),
      cmocka_unit_test(sshotp::test_pg_conninfo_errors_never_echo_the_password),
      cmocka_unit_test(sshotp::test_pg_errors_name_the_cause_never_the_password),
      cmocka_unit_test(sshotp::test_pg_standbys_are_never_asked),
      cmocka_unit_test(sshotp::test_pg_transport_defaults_fail_safe),
      cmocka_unit_test(sshotp::test_pg_schema_must_be_the_one_this_build_knows),
      cmocka_unit_test(sshotp::test_pg_column_of_another_type_is_refused),
      cmocka_unit_test(sshotp::test_pg_commit_with_a_warning_is_a_failure),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
