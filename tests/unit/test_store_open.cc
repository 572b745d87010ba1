// SPDX-License-Identifier: BSD-3-Clause
// Opening the SQLite store (common/sqlite_store): the module's OpenMode::existing fails closed
// on anything but an intact, private, current store it can write, and the CLI's
// OpenMode::create sets one up safely; OpenMode::read_only (db copy's source) never writes. Rows
// are tested in test_store.cc.
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>

#include "common/file_checks.h"
#include "common/sqlite_schema.h"
#include "common/sqlite_store.h"
#include "tests/support/env_state.h"
#include "tests/support/fixture.h"
// Last: it includes cmocka, whose macros (fail()) break standard headers included after it.
#include "tests/unit/store_test_support.h"

namespace sshotp {
namespace {

using test::kBusyTimeoutMs;
using test::open_ok;
using test::raw_sql;

// A store path of its own inside the test's temp dir (the directory does not exist yet).
std::string fresh_store_path(void** state) { return test::env_state(state).dir + "/fresh/test.db"; }

void assert_open_refused(const std::string& path, Errc expected, const char* why) {
  auto store = open_sqlite_store(path, OpenMode::existing, kBusyTimeoutMs);
  assert_false(store.ok());
  if (store.error().message.find(why) == std::string::npos) {
    print_error("'%s' does not say '%s'\n", store.error().message.c_str(), why);
  }
  assert_int_equal(store.error().code, expected);
  assert_true(store.error().message.find(why) != std::string::npos);
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

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// `sshotp-enroll db copy`'s source: read as a store is, never written, never migrated.
void test_store_read_only_mode_reads_and_never_writes(void** state) {
  const test::TestEnv& env = test::env_state(state);
  test::enroll(env, "alice", test::rfc_sha1_key());
  raw_sql(env.db_path, "PRAGMA wal_checkpoint(TRUNCATE)");  // the rows in the file itself
  const std::string before = file_bytes(env.db_path);
  {
    auto store = open_ok(env.db_path, OpenMode::read_only);
    auto txn = store->begin_read();
    assert_true(txn.ok());
    auto found = (*txn)->find("alice");
    assert_true(found.ok() && found->has_value());
    txn->reset();
    assert_false(store->begin_write().ok());
  }
  assert_true(file_bytes(env.db_path) == before);
  // An older schema is refused, and left as it is.
  const std::string older = std::to_string(kSchemaVersion - 1);
  raw_sql(env.db_path, ("PRAGMA user_version = " + older).c_str());
  auto store = open_sqlite_store(env.db_path, OpenMode::read_only, kBusyTimeoutMs);
  assert_false(store.ok());
  assert_true(store.error().message.find("not upgraded when only read") != std::string::npos);
  assert_string_equal(raw_query(env.db_path, "PRAGMA user_version").c_str(), older.c_str());
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
      SSHOTP_ENV_TEST(test_store_read_only_file_is_refused),
      SSHOTP_ENV_TEST(test_store_read_only_mode_reads_and_never_writes),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

}  // namespace
}  // namespace sshotp

int main() { return sshotp::run_unit_tests(); }
