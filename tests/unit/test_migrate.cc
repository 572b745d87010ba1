// SPDX-License-Identifier: BSD-3-Clause
// Storing a migrated user (from either parser): a second run changes nothing, another key is
// only replaced when asked, scratch codes become recovery codes that log in once, and the last
// used step (or a token's counter) carries over so a code used before the migration stays used. The
// parsers are in test_migrate_ga.cc and test_migrate_oath.cc.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto.h"
#include "common/sqlite_store.h"
#include "common/verifier.h"
#include "enroll/migrate/migrated_user.h"
#include "tests/support/fixture.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

using namespace sshotp;
using namespace sshotp::cli;

namespace {

constexpr std::int64_t kNow = 1700000000;  // step 56666666 of 30 s

// A private config, key and store for one test, removed again at the end of it.
struct Fixture {
  Fixture() {
    auto opened_key = load_key_file(env.key_path);
    auto opened_store = open_sqlite_store(env.db_path, OpenMode::existing, 2000);
    if (!opened_key || !opened_store) fail_msg("cannot open the test store");
    key = std::move(opened_key).value();
    store = std::move(opened_store).value();
  }
  ~Fixture() {
    store.reset();
    test::destroy_test_env(env);
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  test::TestEnv env = test::make_test_env();
  SecureBytes key;
  std::unique_ptr<Store> store;
};

std::vector<SecretString> codes_of(std::initializer_list<std::string_view> codes) {
  std::vector<SecretString> out;
  for (std::string_view c : codes) out.emplace_back(c);
  return out;
}

MigratedUser migrated_alice(const SecureBytes& secret,
                            std::optional<std::vector<SecretString>> codes) {
  MigratedUser m;
  m.user = "alice";
  m.secret = secret;
  m.last_step = 56666665;
  m.recovery_codes = std::move(codes);
  return m;
}

MigrationResult store(Fixture& f, const MigratedUser& m, bool replace) {
  auto txn = f.store->begin_write();
  assert_true(txn.ok());
  auto result = store_migrated_user(**txn, f.key, m, replace, kNow);
  assert_true(result.ok());
  assert_true((*txn)->commit().ok());
  return *result;
}

Enrollment current(Fixture& f) {
  auto txn = f.store->begin_read();
  auto found = (*txn)->find("alice");
  assert_true(found.ok() && found->has_value());
  return **found;
}

std::size_t codes_left(Fixture& f) {
  auto txn = f.store->begin_read();
  return (*txn)->unused_recovery_codes("alice")->size();
}

Outcome login(Fixture& f, const std::string& typed) {
  auto verdict = verify_and_consume(*f.store, f.key, {"alice", typed, kNow, 1, {}});
  assert_true(verdict.ok());
  return verdict->outcome;
}

void test_store_is_idempotent(void**) {
  Fixture f;
  const SecureBytes secret = test::rfc_sha1_key();
  const MigratedUser m = migrated_alice(secret, codes_of({"18385179", "10069582"}));
  assert_int_equal(store(f, m, false), MigrationResult::imported);
  const Enrollment first = current(f);
  assert_int_equal(first.last_step, 56666665);
  assert_int_equal(codes_left(f), 2);
  assert_int_equal(store(f, m, false), MigrationResult::unchanged);
  const Enrollment second = current(f);
  assert_true(second.sealed_secret == first.sealed_secret);  // not even resealed
  assert_int_equal(second.created_at, first.created_at);
  assert_int_equal(codes_left(f), 2);

  // A scratch code logs in once; running the migration again brings the file's set back.
  assert_int_equal(login(f, "18385179"), Outcome::accepted);
  assert_int_equal(login(f, "18385179"), Outcome::wrong_code);
  assert_int_equal(codes_left(f), 1);
  assert_int_equal(store(f, m, false), MigrationResult::codes_updated);
  assert_int_equal(codes_left(f), 2);
  // The TOTP code of the carried-over last step is a replay; the current one is not.
  assert_int_equal(login(f, test::code_at(secret, {}, 56666665LL * 30)), Outcome::replayed);
  assert_int_equal(login(f, test::code_at(secret, {}, kNow)), Outcome::accepted);
}

// A token's counter: the next press logs in, the carried-over one is a replay; a second run
// with a file whose counter moved on since (the old module accepted more codes) moves it on,
// one with an older counter never moves it back.
void test_store_moves_a_token_counter_on_only(void**) {
  Fixture f;
  MigratedUser m = migrated_alice(test::rfc_sha1_key(), std::nullopt);
  m.params.period = kCounterBased;
  m.last_step = 3;
  assert_int_equal(store(f, m, false), MigrationResult::imported);
  assert_string_equal(describe_migrated(m).c_str(),
                      "SHA1, 6 digits, counter-based, next counter 4");
  assert_int_equal(login(f, "969429"), Outcome::replayed);  // RFC 4226 Appendix D, counter 3
  assert_int_equal(login(f, "338314"), Outcome::accepted);  // counter 4
  m.last_step = 7;
  assert_int_equal(store(f, m, false), MigrationResult::counter_advanced);
  assert_int_equal(current(f).last_step, 7);
  assert_int_equal(login(f, "162583"), Outcome::replayed);  // counter 7
  m.last_step = 5;
  assert_int_equal(store(f, m, false), MigrationResult::unchanged);
  assert_int_equal(current(f).last_step, 7);
  assert_int_equal(login(f, "399871"), Outcome::accepted);  // counter 8
}

void test_store_keeps_own_codes_without_a_set(void**) {
  Fixture f;
  const SecureBytes secret = test::rfc_sha1_key();
  assert_int_equal(store(f, migrated_alice(secret, std::nullopt), false),
                   MigrationResult::imported);
  assert_int_equal(codes_left(f), 0);
  test::give_recovery_codes(f.env, "alice", 4);
  // pam_oath has no codes: a second run leaves the user's own set alone.
  assert_int_equal(store(f, migrated_alice(secret, std::nullopt), false),
                   MigrationResult::unchanged);
  assert_int_equal(codes_left(f), 4);
}

void test_store_replaces_only_when_asked(void**) {
  Fixture f;
  const SecureBytes own(20, 0x42);
  test::enroll(f.env, "alice", own);
  {
    auto txn = f.store->begin_write();
    assert_true((*txn)->set_state("alice", EnrollmentState::disabled).ok());
    assert_true((*txn)->set_lockout("alice", LockoutState{3, 0, 1}).ok());
    assert_true((*txn)->commit().ok());
  }
  const MigratedUser m = migrated_alice(test::rfc_sha1_key(), codes_of({"18385179"}));
  assert_int_equal(store(f, m, false), MigrationResult::conflict);
  auto after_conflict = unseal(f.key, current(f).sealed_secret, secret_aad("alice"));
  assert_true(*after_conflict == own);
  assert_int_equal(store(f, m, true), MigrationResult::replaced);
  const Enrollment replaced = current(f);
  assert_true(*unseal(f.key, replaced.sealed_secret, secret_aad("alice")) == test::rfc_sha1_key());
  assert_int_equal(static_cast<int>(replaced.state), static_cast<int>(EnrollmentState::disabled));
  assert_int_equal(replaced.lockout.failures, 3);
  assert_int_equal(codes_left(f), 1);
  // Other parameters are another key too.
  MigratedUser slower = migrated_alice(test::rfc_sha1_key(), std::nullopt);
  slower.params.period = 60;
  assert_int_equal(store(f, slower, false), MigrationResult::conflict);
}

void test_carried_last_step(void**) {
  assert_int_equal(carried_last_step(std::nullopt, 30, kNow), -1);
  assert_int_equal(carried_last_step(56666660, 30, kNow), 56666660);
  assert_int_equal(carried_last_step(99999999, 30, kNow), 56666666);  // capped at now's step
  const SecureBytes key = test::rfc_sha1_key();
  const OtpParams params;
  const std::string used = test::code_at(key, params, kNow + 60);  // two steps after the time
  auto step = oath_used_step(key, params, kNow, SecretString(used));
  assert_int_equal(*step, 56666668);
  assert_int_equal(*oath_used_step(key, params, kNow, SecretString("000000x")), 56666666);
  assert_false(oath_used_step(key, params, std::nullopt, SecretString(used)).has_value());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_store_is_idempotent),
      cmocka_unit_test(test_store_moves_a_token_counter_on_only),
      cmocka_unit_test(test_store_keeps_own_codes_without_a_set),
      cmocka_unit_test(test_store_replaces_only_when_asked),
      cmocka_unit_test(test_carried_last_step),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
