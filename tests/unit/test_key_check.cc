// SPDX-License-Identifier: BSD-3-Clause
// The key check (common/key_check): the value itself, refusing a key that is not the store's
// before anything is written, refusing to create a key while users are enrolled, recording
// the value in stores made before it existed (schema 3), and the checks on the directories
// holding the key file and the config.
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "common/config.h"
#include "common/crypto.h"
#include "common/key_check.h"
#include "common/sqlite_store.h"
#include "tests/support/env_state.h"
#include "tests/support/fixture.h"
// Last: it includes cmocka, whose macros (fail()) break standard headers included after it.
#include "tests/unit/store_test_support.h"

namespace sshotp {
namespace {

using test::open_ok;
using test::raw_sql;

SecureBytes key_of(const test::TestEnv& env) {
  auto key = load_key_file(env.key_path);
  assert_true(key.ok());
  return std::move(key).value();
}

SecureBytes other_key() {
  auto key = random_bytes(kKeyBytes);
  assert_true(key.ok());
  return std::move(key).value();
}

KeyCheckNames names_of(const test::TestEnv& env) { return {env.key_path, env.db_path}; }

KeyCheckFacts facts_of(Store& store) {
  auto txn = store.begin_read();
  assert_true(txn.ok());
  auto facts = (*txn)->key_check_facts();
  assert_true(facts.ok());
  return std::move(facts).value();
}

// One write through a key-checked store; returns its status (commit included).
Status write_with(const test::TestEnv& env, const SecureBytes& key) {
  auto store = key_checked_store(open_ok(env.db_path, OpenMode::create), key, names_of(env));
  auto txn = store->begin_write();
  if (!txn) return std::move(txn).error();
  if (auto st = (*txn)->record_unenrolled_attempt(); !st) return st;
  return (*txn)->commit();
}

void assert_refused(const Status& st, const char* why) {
  assert_false(st.ok());
  if (st.error().message.find(why) == std::string::npos) {
    print_error("'%s' does not say '%s'\n", st.error().message.c_str(), why);
  }
  assert_int_equal(st.error().code, Errc::unavailable);
  assert_true(st.error().message.find(why) != std::string::npos);
}

std::string refused_count(const test::TestEnv& env) {
  sqlite3* db = nullptr;
  sqlite3_stmt* s = nullptr;
  std::string out;
  if (sqlite3_open_v2(env.db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "SELECT value FROM store_meta WHERE key = 'refused_unenrolled'", -1,
                         &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

void test_check_value_is_keyed(void**) {
  const SecureBytes a = other_key();
  const SecureBytes b = other_key();
  auto va = key_check_value(a);
  auto va2 = key_check_value(a);
  auto vb = key_check_value(b);
  assert_true(va.ok() && va2.ok() && vb.ok());
  assert_int_equal(va->size(), kMacBytes);
  assert_true(*va == *va2);
  assert_false(*va == *vb);
  assert_false(std::equal(a.begin(), a.end(), va->begin()));  // not the key itself
  assert_false(key_check_value(SecureBytes(16)).ok());
}

void test_first_write_records_the_value(void** state) {
  const test::TestEnv& env = test::env_state(state);
  const SecureBytes key = key_of(env);
  assert_false(facts_of(*open_ok(env.db_path, OpenMode::existing)).check_value.has_value());
  assert_true(write_with(env, key).ok());
  const KeyCheckFacts facts = facts_of(*open_ok(env.db_path, OpenMode::existing));
  assert_true(facts.check_value.has_value());
  assert_true(*facts.check_value == *key_check_value(key));
  assert_true(write_with(env, key).ok());  // and the same key goes on writing
}

void test_matching_value_does_not_count(void** state) {
  // A write under the recorded key reads the value alone: counting the enrollments would scan
  // both tables in every transaction of a batched import. With a table the count needs gone,
  // the matching key still writes, and only a key that differs reaches the count.
  const test::TestEnv& env = test::env_state(state);
  assert_true(write_with(env, key_of(env)).ok());
  raw_sql(env.db_path, "ALTER TABLE pending_enrollments RENAME TO hidden;");
  assert_true(write_with(env, key_of(env)).ok());
  assert_false(write_with(env, other_key()).ok());
  raw_sql(env.db_path, "ALTER TABLE hidden RENAME TO pending_enrollments;");
}

void test_wrong_key_is_refused_before_writing(void** state) {
  const test::TestEnv& env = test::env_state(state);
  test::enroll(env, "alice", test::rfc_sha1_key());
  assert_true(write_with(env, key_of(env)).ok());
  const std::string before = refused_count(env);
  const SecureBytes wrong = other_key();
  const Status refused = write_with(env, wrong);
  assert_refused(refused, "is not the key of");
  assert_refused(refused, env.key_path.c_str());
  assert_refused(refused, "its 1 enrollment(s) are sealed under another key");
  assert_refused(refused, "No enrollment was changed");
  assert_string_equal(refused_count(env).c_str(), before.c_str());  // nothing written
  auto store = open_ok(env.db_path, OpenMode::existing);
  auto txn = store->begin_read();
  assert_true(txn.ok());
  assert_refused(check_store_key(**txn, wrong, names_of(env)), "1 enrollment(s)");
  assert_true(check_store_key(**txn, key_of(env), names_of(env)).ok());
  assert_true(store_key_differs(**txn, wrong));
  assert_false(store_key_differs(**txn, key_of(env)));
}

void test_empty_store_takes_a_new_key(void** state) {
  // Nothing is sealed under the recorded key, so nothing is lost by replacing it.
  const test::TestEnv& env = test::env_state(state);
  assert_true(write_with(env, key_of(env)).ok());
  const SecureBytes fresh = other_key();
  assert_true(write_with(env, fresh).ok());
  assert_true(*facts_of(*open_ok(env.db_path, OpenMode::existing)).check_value ==
              *key_check_value(fresh));
}

void test_no_new_key_while_users_are_enrolled(void** state) {
  const test::TestEnv& env = test::env_state(state);
  auto store = open_ok(env.db_path, OpenMode::existing);
  {
    auto txn = store->begin_read();
    assert_true(txn.ok());
    assert_true(check_key_may_be_created(**txn, names_of(env)).ok());
  }
  test::enroll(env, "alice", test::rfc_sha1_key());
  test::enroll(env, "bob", test::rfc_sha1_key());
  auto txn = store->begin_read();
  assert_true(txn.ok());
  const Status st = check_key_may_be_created(**txn, names_of(env));
  assert_refused(st, " is missing, but ");
  assert_refused(st, "holds 2 enrollment(s)");
  assert_refused(st, env.db_path.c_str());
}

void test_pending_enrollments_count(void** state) {
  const test::TestEnv& env = test::env_state(state);
  auto store = open_ok(env.db_path, OpenMode::existing);
  auto sealed = seal(key_of(env), test::rfc_sha1_key(), secret_aad("carol"));
  assert_true(sealed.ok());
  Enrollment pending;
  pending.user = "carol";
  pending.sealed_secret = *sealed;
  {
    auto txn = store->begin_write();
    assert_true(txn.ok());
    assert_true((*txn)->put_pending(pending).ok());
    assert_true((*txn)->commit().ok());
  }
  const KeyCheckFacts facts = facts_of(*store);
  assert_int_equal(facts.enrollments, 1);
  assert_true(facts.sample.has_value());
  assert_refused(write_with(env, other_key()), "1 enrollment(s)");
  assert_true(write_with(env, key_of(env)).ok());  // carol's secret opens: proven, recorded
}

// A store as the release before the key check made it: schema 3, no key_check table.
void make_schema_3(const test::TestEnv& env) {
  raw_sql(env.db_path,
          "DROP TABLE key_check; ALTER TABLE enrollments DROP COLUMN last_host;"
          " PRAGMA user_version = 3;");
}

void test_store_without_check_value_keeps_working(void** state) {
  const test::TestEnv& env = test::env_state(state);
  test::enroll(env, "alice", test::rfc_sha1_key());
  make_schema_3(env);
  {
    // The module opens it (migrating to the current schema) and finds alice as before.
    auto store = open_ok(env.db_path, OpenMode::existing);
    auto txn = store->begin_read();
    assert_true(txn.ok());
    auto found = (*txn)->find("alice");
    assert_true(found.ok() && found->has_value());
    assert_false((*txn)->key_check_facts()->check_value.has_value());
  }
  // A key that does not open alice's secret is refused and records nothing. Only that one
  // secret was tried, and the message claims no more; the migration did write (the empty
  // key_check table), so it says no enrollment, rather than nothing, was changed.
  const Status refused = write_with(env, other_key());
  assert_refused(refused, "is not the key of");
  assert_refused(refused, "could not open an enrollment there, one of 1 enrollment(s)");
  assert_refused(refused, "No enrollment was changed");
  assert_false(facts_of(*open_ok(env.db_path, OpenMode::existing)).check_value.has_value());
  // The right key opens it: the value is recorded with the first write.
  make_schema_3(env);
  assert_true(write_with(env, key_of(env)).ok());
  assert_true(*facts_of(*open_ok(env.db_path, OpenMode::existing)).check_value ==
              *key_check_value(key_of(env)));
}

void test_key_and_config_directories_are_checked(void** state) {
  // Both live in the env's directory; the rule is the store directory's (check_directory).
  const test::TestEnv& env = test::env_state(state);
  for (mode_t mode : {0770U, 0757U, 0720U}) {
    assert_int_equal(chmod(env.dir.c_str(), mode), 0);
    auto key = load_key_file(env.key_path);
    assert_false(key.ok());
    assert_true(key.error().message.find("writable by group or others") != std::string::npos);
    assert_false(load_config_file(env.config_path).ok());
    assert_false(load_or_create_key_file(env.dir + "/new.key").ok());
    assert_int_equal(access((env.dir + "/new.key").c_str(), F_OK), -1);  // not created
  }
  assert_int_equal(chmod(env.dir.c_str(), 0755), 0);
  assert_true(load_key_file(env.key_path).ok());
  assert_true(load_config_file(env.config_path).ok());
  if (geteuid() != 0) return;  // chown to another uid needs root
  assert_int_equal(chown(env.dir.c_str(), 65534, static_cast<gid_t>(-1)), 0);
  auto key = load_key_file(env.key_path);
  assert_false(key.ok());
  assert_true(key.error().message.find("owned by another user") != std::string::npos);
  assert_false(load_config_file(env.config_path).ok());
  assert_int_equal(chown(env.dir.c_str(), 0, static_cast<gid_t>(-1)), 0);
}

int run_unit_tests() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_check_value_is_keyed),
      SSHOTP_ENV_TEST(test_first_write_records_the_value),
      SSHOTP_ENV_TEST(test_matching_value_does_not_count),
      SSHOTP_ENV_TEST(test_wrong_key_is_refused_before_writing),
      SSHOTP_ENV_TEST(test_empty_store_takes_a_new_key),
      SSHOTP_ENV_TEST(test_no_new_key_while_users_are_enrolled),
      SSHOTP_ENV_TEST(test_pending_enrollments_count),
      SSHOTP_ENV_TEST(test_store_without_check_value_keeps_working),
      SSHOTP_ENV_TEST(test_key_and_config_directories_are_checked),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

}  // namespace
}  // namespace sshotp

int main() { return sshotp::run_unit_tests(); }
