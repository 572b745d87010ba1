// SPDX-License-Identifier: BSD-3-Clause
// Unit tests of the SQLite store (common/sqlite_store): that the module's OpenMode::existing
// fails closed on anything but an intact, private, current store; that the CLI's
// OpenMode::create sets one up safely; the row round trip; the conditional consume_step that is
// the replay guard; rollback on destruction; lock contention between two stores; and that rows
// altered behind our back are refused by name.
#include <linux/capability.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/file_checks.h"
#include "common/sqlite_store.h"
#include "common/store.h"
#include "tests/support/env_state.h"
#include "tests/support/fixture.h"

// Last: cmocka defines macros such as fail() that break standard headers included after it.
#include "tests/support/cmocka.h"

namespace sshotp {
namespace {

constexpr unsigned kBusyTimeoutMs = 2000;

// A store path of its own inside the test's temp dir (the directory does not exist yet).
std::string fresh_store_path(void** state) { return test::env_state(state).dir + "/fresh/test.db"; }

std::unique_ptr<Store> open_ok(const std::string& path, OpenMode mode,
                               unsigned busy_timeout_ms = kBusyTimeoutMs) {
  auto store = open_sqlite_store(path, mode, busy_timeout_ms);
  if (!store) print_error("open %s: %s\n", path.c_str(), store.error().message.c_str());
  assert_true(store.ok());
  return std::move(store).value();
}

void assert_open_refused(const std::string& path, Errc expected, const char* why) {
  auto store = open_sqlite_store(path, OpenMode::existing, kBusyTimeoutMs);
  assert_false(store.ok());
  if (store.error().message.find(why) == std::string::npos) {
    print_error("'%s' does not say '%s'\n", store.error().message.c_str(), why);
  }
  assert_int_equal(store.error().code, expected);
  assert_true(store.error().message.find(why) != std::string::npos);
}

std::unique_ptr<StoreTransaction> begin(Store& store) {
  auto txn = store.begin_write();
  if (!txn) print_error("begin_write: %s\n", txn.error().message.c_str());
  assert_true(txn.ok());
  return std::move(txn).value();
}

// Runs SQL on the store file behind the store's back, the way an attacker or a bug would.
void raw_sql(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) print_error("%s: %s\n", sql, sqlite3_errmsg(db));
  sqlite3_close(db);
  assert_int_equal(rc, SQLITE_OK);
}

// The first column of the first row of a query, as text.
std::string raw_query(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_stmt* stmt = nullptr;
  std::string out;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    out = text != nullptr ? reinterpret_cast<const char*>(text) : "";
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  assert_int_equal(lstat(path.c_str(), &st), 0);
  return st.st_mode & 07777;
}

Enrollment sample(std::string_view user, std::int64_t last_step = -1) {
  Enrollment e;
  e.user = std::string(user);
  e.totp = TotpParams{Algorithm::sha256, 8, 60};
  for (std::uint8_t i = 0; i < 45; ++i) e.sealed_secret.push_back(static_cast<std::uint8_t>(i * 7));
  e.last_step = last_step;
  e.created_at = 1700000000;
  return e;
}

void assert_same(const Enrollment& a, const Enrollment& b) {
  assert_string_equal(a.user.c_str(), b.user.c_str());
  assert_int_equal(a.totp.algorithm, b.totp.algorithm);
  assert_int_equal(a.totp.digits, b.totp.digits);
  assert_int_equal(a.totp.period, b.totp.period);
  assert_true(a.sealed_secret == b.sealed_secret);
  assert_int_equal(a.last_step, b.last_step);
  assert_int_equal(a.created_at, b.created_at);
  assert_int_equal(a.last_used_at.has_value(), b.last_used_at.has_value());
  if (a.last_used_at) assert_int_equal(*a.last_used_at, *b.last_used_at);
}

Enrollment find_existing(StoreTransaction& txn, std::string_view user) {
  auto found = txn.find(user);
  assert_true(found.ok());
  assert_true(found->has_value());
  return std::move(**found);
}

// Makes the directory of a path by hand (0700), for files the tests plant before opening.
std::string planted_dir(void** state) {
  const std::string dir = test::env_state(state).dir + "/planted";
  assert_int_equal(mkdir(dir.c_str(), 0700), 0);
  return dir;
}

void test_store_existing_missing_file_is_unavailable(void** state) {
  const std::string path = fresh_store_path(state);
  assert_open_refused(path, Errc::unavailable, "fresh");  // no directory either
  assert_int_equal(access(path.c_str(), F_OK), -1);       // and nothing was created
  const std::string in_existing_dir = planted_dir(state) + "/missing.db";
  assert_open_refused(in_existing_dir, Errc::unavailable, "missing.db");
  assert_int_equal(access(in_existing_dir.c_str(), F_OK), -1);
}

void test_store_existing_empty_file_is_unavailable(void** state) {
  // A zero-byte file must not silently become an empty store that lets nobody in (or, with a
  // nullok-style policy, everybody).
  const std::string path = planted_dir(state) + "/empty.db";
  test::write_file(path, "", 0600);
  assert_open_refused(path, Errc::unavailable, "not initialised");
}

void test_store_existing_garbage_file_is_unavailable(void** state) {
  const std::string path = planted_dir(state) + "/garbage.db";
  std::string garbage;
  for (int i = 0; i < 200; ++i) garbage += "this is not an SQLite database. ";
  test::write_file(path, garbage, 0600);
  assert_open_refused(path, Errc::unavailable, "garbage.db");
}

void test_store_symlink_is_unavailable(void** state) {
  const test::TestEnv& env = test::env_state(state);
  const std::string link = env.dir + "/store/link.db";
  assert_int_equal(symlink(env.db_path.c_str(), link.c_str()), 0);
  (void)open_ok(env.db_path, OpenMode::existing);  // the target itself is fine
  assert_open_refused(link, Errc::unavailable, "symbolic link");
}

void test_store_file_mode_is_checked(void** state) {
  const test::TestEnv& env = test::env_state(state);
  for (mode_t mode : {0644U, 0640U, 0604U, 0660U}) {
    assert_int_equal(chmod(env.db_path.c_str(), mode), 0);
    assert_open_refused(env.db_path, Errc::unavailable, "mode 0600");
  }
  assert_int_equal(chmod(env.db_path.c_str(), 0600), 0);
  (void)open_ok(env.db_path, OpenMode::existing);
}

void test_store_directory_mode_is_checked(void** state) {
  // Whoever can write the directory can swap the store for one of their own.
  const test::TestEnv& env = test::env_state(state);
  const std::string dir = env.dir + "/store";
  for (mode_t mode : {0777U, 0770U, 0757U, 0720U}) {
    assert_int_equal(chmod(dir.c_str(), mode), 0);
    assert_open_refused(env.db_path, Errc::unavailable, "writable by group or others");
  }
  assert_int_equal(chmod(dir.c_str(), 0755), 0);
  (void)open_ok(env.db_path, OpenMode::existing);
}

void test_store_newer_schema_is_unavailable(void** state) {
  const test::TestEnv& env = test::env_state(state);
  raw_sql(env.db_path, "PRAGMA user_version = 99");
  assert_open_refused(env.db_path, Errc::unavailable, "schema version 99");
  // Create mode must not "migrate" it either.
  auto store = open_sqlite_store(env.db_path, OpenMode::create, kBusyTimeoutMs);
  assert_false(store.ok());
  assert_int_equal(store.error().code, Errc::unavailable);
}

void test_store_create_makes_private_wal_store(void** state) {
  const std::string path = fresh_store_path(state);
  (void)open_ok(path, OpenMode::create);
  assert_int_equal(mode_of(parent_directory(path)), 0700);
  assert_int_equal(mode_of(path), 0600);
  assert_string_equal(raw_query(path, "PRAGMA journal_mode").c_str(), "wal");
  assert_string_equal(raw_query(path, "PRAGMA user_version").c_str(),
                      std::to_string(kSchemaVersion).c_str());
  // Once created, the module's mode opens it, and create mode again is harmless.
  (void)open_ok(path, OpenMode::existing);
  (void)open_ok(path, OpenMode::create);
}

void test_store_put_find_list_remove_round_trip(void** state) {
  const test::TestEnv& env = test::env_state(state);
  Enrollment alice = sample("alice");
  Enrollment bob = sample("bob", 1234);
  bob.totp = TotpParams{};
  bob.last_used_at = 1700000100;
  {
    auto store = open_ok(env.db_path, OpenMode::existing);
    auto txn = begin(*store);
    assert_true(txn->put(bob).ok());
    assert_true(txn->put(alice).ok());
    assert_true(txn->commit().ok());
  }
  // A new connection sees the committed rows.
  auto store = open_ok(env.db_path, OpenMode::existing);
  auto txn = begin(*store);
  assert_same(find_existing(*txn, "alice"), alice);
  assert_same(find_existing(*txn, "bob"), bob);
  auto nobody = txn->find("carol");
  assert_true(nobody.ok());
  assert_false(nobody->has_value());
  // User names are matched exactly.
  auto upper = txn->find("Alice");
  assert_true(upper.ok());
  assert_false(upper->has_value());

  auto all = txn->list();
  assert_true(all.ok());
  assert_int_equal(all->size(), 2);
  assert_same((*all)[0], alice);  // ordered by user
  assert_same((*all)[1], bob);

  auto removed = txn->remove("alice");
  assert_true(removed.ok());
  assert_true(*removed);
  removed = txn->remove("alice");
  assert_true(removed.ok());
  assert_false(*removed);
  auto gone = txn->find("alice");
  assert_true(gone.ok());
  assert_false(gone->has_value());
  assert_true(txn->commit().ok());
}

void test_store_put_replaces_enrollment(void** state) {
  // Re-enrolling resets the replay state along with the secret.
  auto store = open_ok(test::env_state(state).db_path, OpenMode::existing);
  auto txn = begin(*store);
  Enrollment old = sample("alice", 999);
  old.last_used_at = 5;
  assert_true(txn->put(old).ok());
  Enrollment fresh = sample("alice");
  fresh.totp = TotpParams{Algorithm::sha512, 6, 30};
  fresh.sealed_secret.assign(3, 0xee);
  assert_true(txn->put(fresh).ok());
  assert_same(find_existing(*txn, "alice"), fresh);
  auto all = txn->list();
  assert_true(all.ok());
  assert_int_equal(all->size(), 1);
}

void test_store_consume_step_is_conditional(void** state) {
  auto store = open_ok(test::env_state(state).db_path, OpenMode::existing);
  auto txn = begin(*store);
  assert_true(txn->put(sample("alice", 5)).ok());

  auto consumed = txn->consume_step("alice", 5, 100);  // the same step again: a replay
  assert_true(consumed.ok());
  assert_false(*consumed);
  consumed = txn->consume_step("alice", 4, 100);  // an older step
  assert_true(consumed.ok());
  assert_false(*consumed);
  assert_int_equal(find_existing(*txn, "alice").last_step, 5);
  assert_false(find_existing(*txn, "alice").last_used_at.has_value());

  consumed = txn->consume_step("alice", 6, 1700000180);
  assert_true(consumed.ok());
  assert_true(*consumed);
  const Enrollment after = find_existing(*txn, "alice");
  assert_int_equal(after.last_step, 6);
  assert_true(after.last_used_at.has_value());
  assert_int_equal(*after.last_used_at, 1700000180);

  consumed = txn->consume_step("alice", 6, 1700000181);
  assert_true(consumed.ok());
  assert_false(*consumed);
  consumed = txn->consume_step("nobody", 7, 1);  // no row, nothing changed
  assert_true(consumed.ok());
  assert_false(*consumed);
  assert_true(txn->commit().ok());
}

void test_store_uncommitted_transaction_rolls_back(void** state) {
  auto store = open_ok(test::env_state(state).db_path, OpenMode::existing);
  {
    auto txn = begin(*store);
    assert_true(txn->put(sample("alice", 5)).ok());
    assert_true(txn->commit().ok());
  }
  {
    auto txn = begin(*store);
    assert_true(txn->put(sample("bob")).ok());
    auto consumed = txn->consume_step("alice", 9, 1);
    assert_true(consumed.ok());
    assert_true(*consumed);
    // destroyed without commit()
  }
  auto txn = begin(*store);  // would fail if the old transaction were still open
  auto bob = txn->find("bob");
  assert_true(bob.ok());
  assert_false(bob->has_value());
  assert_int_equal(find_existing(*txn, "alice").last_step, 5);
}

void test_store_second_writer_gets_busy(void** state) {
  // Two logins of one user race: while one holds the write transaction (between checking and
  // consuming a step), the other must wait and then fail cleanly, never proceed unlocked.
  const std::string& path = test::env_state(state).db_path;
  auto first = open_ok(path, OpenMode::existing);
  constexpr unsigned kShortTimeoutMs = 150;
  auto second = open_ok(path, OpenMode::existing, kShortTimeoutMs);
  {
    auto held = begin(*first);
    const auto started = std::chrono::steady_clock::now();
    auto blocked = second->begin_write();
    const auto waited = std::chrono::steady_clock::now() - started;
    assert_false(blocked.ok());
    assert_int_equal(blocked.error().code, Errc::busy);
    // It waited for the busy timeout rather than failing at once.
    assert_true(waited >= std::chrono::milliseconds(kShortTimeoutMs - 20));
    assert_true(held->put(sample("alice")).ok());
    assert_true(held->commit().ok());
  }
  // Once the first is done, the second gets in and sees its commit.
  auto txn = begin(*second);
  (void)find_existing(*txn, "alice");
}

void test_store_corrupt_rows_name_the_user(void** state) {
  // Rows edited behind the store's back are refused (fail closed) and the message says whose.
  const std::string& path = test::env_state(state).db_path;
  struct Corruption {
    const char* user;
    const char* insert;
  };
  const Corruption corruptions[] = {
      {"mallory_md5",
       "INSERT INTO enrollments (user, algorithm, digits, period, sealed_secret, last_step, "
       "created_at, last_used_at) VALUES ('mallory_md5', 'MD5', 6, 30, X'0102', -1, 1, NULL)"},
      {"mallory_digits",
       "INSERT INTO enrollments (user, algorithm, digits, period, sealed_secret, last_step, "
       "created_at, last_used_at) VALUES ('mallory_digits', 'SHA1', 7, 30, X'0102', -1, 1, NULL)"},
      {"mallory_period",
       "INSERT INTO enrollments (user, algorithm, digits, period, sealed_secret, last_step, "
       "created_at, last_used_at) VALUES ('mallory_period', 'SHA1', 6, 0, X'0102', -1, 1, NULL)"},
      {"mallory_blob",
       "INSERT INTO enrollments (user, algorithm, digits, period, sealed_secret, last_step, "
       "created_at, last_used_at) VALUES ('mallory_blob', 'SHA1', 6, 30, X'', -1, 1, NULL)"},
  };
  for (const Corruption& c : corruptions) {
    raw_sql(path, "DELETE FROM enrollments");
    raw_sql(path, c.insert);
    auto store = open_ok(path, OpenMode::existing);
    auto txn = begin(*store);
    auto found = txn->find(c.user);
    assert_false(found.ok());
    assert_int_equal(found.error().code, Errc::unavailable);
    if (found.error().message.find(c.user) == std::string::npos) {
      print_error("'%s' does not name %s\n", found.error().message.c_str(), c.user);
    }
    assert_true(found.error().message.find(c.user) != std::string::npos);
    auto all = txn->list();
    assert_false(all.ok());
    assert_int_equal(all.error().code, Errc::unavailable);
  }
}

// Root ignores file modes (CAP_DAC_OVERRIDE), so a 0400 store would still open read-write for
// it. The child gives that capability up before opening, as if the file system were read-only;
// its exit status is the Errc it got, or kOpened.
constexpr int kOpened = 100;

[[noreturn]] void open_without_dac_override(const std::string& path) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, caps) != 0) _exit(kOpened + 1);
  caps[0].effective &= ~((1U << CAP_DAC_OVERRIDE) | (1U << CAP_DAC_READ_SEARCH));
  if (syscall(SYS_capset, &header, caps) != 0) _exit(kOpened + 2);
  auto store = open_sqlite_store(path, OpenMode::existing, kBusyTimeoutMs);
  if (store) {
    // Opening is not enough to prove anything: show whether a write would go through.
    auto txn = (*store)->begin_write();
    _exit(txn ? kOpened : static_cast<int>(txn.error().code));
  }
  _exit(static_cast<int>(store.error().code));
}

void test_store_read_only_file_is_refused(void** state) {
  // A store we cannot write would let a used code be accepted again (the consume would not
  // stick), so it must be refused up front: io or unavailable, both fail closed.
  const test::TestEnv& env = test::env_state(state);
  assert_int_equal(chmod(env.db_path.c_str(), 0400), 0);
  const pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) open_without_dac_override(env.db_path);
  int status = 0;
  assert_int_equal(waitpid(child, &status, 0), child);
  assert_true(WIFEXITED(status));
  const int code = WEXITSTATUS(status);
  if (code >= kOpened) print_error("child status %d (100: opened read-write)\n", code);
  assert_true(code == static_cast<int>(Errc::io) || code == static_cast<int>(Errc::unavailable));
  assert_int_equal(chmod(env.db_path.c_str(), 0600), 0);
}

int run_unit_tests() {
  const CMUnitTest tests[] = {
      SSHOTP_ENV_TEST(test_store_existing_missing_file_is_unavailable),
      SSHOTP_ENV_TEST(test_store_existing_empty_file_is_unavailable),
      SSHOTP_ENV_TEST(test_store_existing_garbage_file_is_unavailable),
      SSHOTP_ENV_TEST(test_store_symlink_is_unavailable),
      SSHOTP_ENV_TEST(test_store_file_mode_is_checked),
      SSHOTP_ENV_TEST(test_store_directory_mode_is_checked),
      SSHOTP_ENV_TEST(test_store_newer_schema_is_unavailable),
      SSHOTP_ENV_TEST(test_store_create_makes_private_wal_store),
      SSHOTP_ENV_TEST(test_store_put_find_list_remove_round_trip),
      SSHOTP_ENV_TEST(test_store_put_replaces_enrollment),
      SSHOTP_ENV_TEST(test_store_consume_step_is_conditional),
      SSHOTP_ENV_TEST(test_store_uncommitted_transaction_rolls_back),
      SSHOTP_ENV_TEST(test_store_second_writer_gets_busy),
      SSHOTP_ENV_TEST(test_store_corrupt_rows_name_the_user),
      SSHOTP_ENV_TEST(test_store_read_only_file_is_refused),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

}  // namespace
}  // namespace sshotp

int main() { return sshotp::run_unit_tests(); }
