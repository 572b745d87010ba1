// SPDX-License-Identifier: BSD-3-Clause
// Enrollment states in the store (schema v3): a pending enrollment waits beside the active one
// without ever being used for logins, a disabled enrollment refuses every code, and `list`
// walks all of them in one statement. Part of the contract suite (test_pg_contract.sh).
#include <sys/stat.h>

#include <memory>
#include <string>

#include "common/crypto.h"
#include "common/sqlite_store.h"
#include "common/verifier.h"
#include "tests/support/fixture.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/unit/store_test_support.h"

using namespace sshotp;

namespace {

constexpr std::int64_t kNow = 1700000000;

struct Fixture {
  test::TestEnv env = test::make_test_env();
  SecureBytes key;
  std::unique_ptr<Store> store;
};

int setup(void** state) {
  auto* f = new Fixture;
  auto key = load_key_file(f->env.key_path);
  if (!key) return -1;
  f->key = std::move(key).value();
  f->store = test::open_env_store(f->env);
  *state = f;
  return 0;
}

int teardown(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  f->store.reset();
  test::destroy_test_env(f->env);
  delete f;
  return 0;
}

Enrollment sealed_for(const Fixture& f, const std::string& user, const SecureBytes& secret) {
  Enrollment e;
  e.user = user;
  e.sealed_secret = *seal(f.key, secret, secret_aad(user));
  e.created_at = kNow;
  return e;
}

std::unique_ptr<StoreTransaction> begin(Fixture& f) {
  auto txn = f.store->begin_write();
  assert_true(txn.ok());
  return std::move(txn).value();
}

Outcome verify(Fixture& f, const std::string& user, const std::string& code) {
  auto verdict = verify_and_consume(*f.store, f.key, {user, code, kNow, 1, {}});
  assert_true(verdict.ok());
  return verdict->outcome;
}

void test_pending_is_kept_apart_from_active(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  const SecureBytes old_secret = test::rfc_sha1_key();
  const SecureBytes new_secret(20, 0x42);
  test::enroll(f->env, "alice", old_secret);
  {
    auto txn = begin(*f);
    assert_true(txn->put_pending(sealed_for(*f, "alice", new_secret)).ok());
    assert_true(txn->commit().ok());
  }
  // The old secret keeps working; the pending one is never used for a login.
  assert_int_equal(verify(*f, "alice", test::code_at(new_secret, {}, kNow)), Outcome::wrong_code);
  assert_int_equal(verify(*f, "alice", test::code_at(old_secret, {}, kNow)), Outcome::accepted);

  auto txn = begin(*f);
  auto pending = txn->find_pending("alice");
  assert_true(pending.ok() && pending->has_value());
  assert_int_equal((*pending)->created_at, kNow);
  auto listed = test::listings(*txn);  // the active enrollment stands for the user
  assert_true(listed.ok());
  assert_int_equal(listed->size(), 1);
  assert_false((*listed)[0].pending);
  assert_true(*txn->remove_pending("alice"));
  assert_false(*txn->remove_pending("alice"));
  assert_false(txn->find_pending("alice")->has_value());
}

void test_pending_only_user_is_not_enrolled(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  const SecureBytes secret = test::rfc_sha1_key();
  {
    auto txn = begin(*f);
    assert_true(txn->put_pending(sealed_for(*f, "bob", secret)).ok());
    assert_true(txn->commit().ok());
  }
  assert_int_equal(verify(*f, "bob", test::code_at(secret, {}, kNow)), Outcome::not_enrolled);
}

void test_remove_also_removes_pending(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  auto txn = begin(*f);
  assert_true(txn->put_pending(sealed_for(*f, "carol", SecureBytes(20, 1))).ok());
  auto removed = txn->remove("carol");
  assert_true(removed.ok() && *removed);  // pending-only counts as enrolled for removal
  assert_false(txn->find_pending("carol")->has_value());
}

void test_disabled_refuses_right_code_and_enable_restores(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  const SecureBytes secret = test::rfc_sha1_key();
  test::enroll(f->env, "dave", secret);
  {
    auto txn = begin(*f);
    assert_true(*txn->set_state("dave", EnrollmentState::disabled));
    assert_false(*txn->set_state("nobody", EnrollmentState::disabled));
    assert_true(txn->commit().ok());
  }
  const std::string code = test::code_at(secret, {}, kNow);
  assert_int_equal(verify(*f, "dave", code), Outcome::disabled);
  {
    auto txn = begin(*f);
    auto found = txn->find("dave");
    assert_int_equal((*found)->state, EnrollmentState::disabled);
    assert_int_equal((*found)->lockout.failures, 0);  // a refusal while disabled is not counted
    assert_true(*txn->set_state("dave", EnrollmentState::active));
    assert_true(txn->commit().ok());
  }
  assert_int_equal(verify(*f, "dave", code), Outcome::accepted);
}

// Each login is a fresh connection, usually the store's only one. The WAL is kept between them,
// so it must be emptied now and then, or every login re-reads and re-copies all of it
// (bench/FINDINGS.md finding 5: 0.6 s per login after a large import).
void test_wal_stays_small_across_many_connections(void** state) {
  SSHOTP_SQLITE_ONLY();
  auto* f = static_cast<Fixture*>(*state);
  f->store.reset();
  test::enroll(f->env, "erin", test::rfc_sha1_key());
  for (int i = 0; i < 400; ++i) {
    auto store = open_sqlite_store(f->env.db_path, OpenMode::existing, 2000);
    assert_true(store.ok());
    auto txn = (*store)->begin_write();
    assert_true(txn.ok());
    LockoutState counted;
    counted.failures = i % 5;  // a real change, so every commit writes a frame
    assert_true((*txn)->set_lockout("erin", counted).ok());
    assert_true((*txn)->commit().ok());
  }
  struct stat st {};
  assert_int_equal(stat((f->env.db_path + "-wal").c_str(), &st), 0);
  if (st.st_size > 1024 * 1024)
    fail_msg("the WAL grew to %lld bytes", static_cast<long long>(st.st_size));
}

// `list` reads everything in one statement: active users, pending-only users (a pending one
// beside an active enrollment shows as the active one), in user order, each with the count of
// recovery codes still unused; an error from the visitor stops the walk.
void test_listing_merges_states_in_user_order(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  const SecureBytes secret = test::rfc_sha1_key();
  for (const char* user : {"bob", "dora", "al"}) test::enroll(f->env, user, secret);
  {
    auto txn = begin(*f);
    assert_true(txn->put_pending(sealed_for(*f, "carl", secret)).ok());
    assert_true(txn->put_pending(sealed_for(*f, "bob", secret)).ok());
    assert_true(*txn->set_state("dora", EnrollmentState::disabled));
    const RecoveryCodeHash code{{1}, std::vector<std::uint8_t>(32, 2)};
    assert_true(txn->replace_recovery_codes("bob", {code, code, code}).ok());
    assert_true(txn->replace_recovery_codes("carl", {code}).ok());
    assert_true(*txn->consume_recovery_code("bob", 2, kNow));
    assert_true(txn->commit().ok());
  }
  auto txn = begin(*f);
  std::string seen;
  auto walked = txn->for_each_listing([&](const EnrollmentListing& l) -> Status {
    seen += l.enrollment.user + (l.pending ? "/pending/" : "/") + state_name(l.enrollment.state) +
            "/" + std::to_string(l.unused_recovery_codes) + " ";
    return Ok{};
  });
  assert_true(walked.ok());
  assert_string_equal(seen.c_str(),
                      "al/active/0 bob/active/2 carl/pending/active/1 dora/disabled/0 ");
  int visits = 0;
  auto stopped = txn->for_each_listing([&](const EnrollmentListing&) -> Status {
    ++visits;
    return make_error(Errc::io, "reader gone");
  });
  assert_false(stopped.ok());
  assert_int_equal(visits, 1);
}

void test_state_names_are_stable(void**) {
  assert_string_equal(state_name(EnrollmentState::active), "active");
  assert_string_equal(state_name(EnrollmentState::disabled), "disabled");
  assert_string_equal(outcome_reason(Outcome::disabled), "disabled");
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_pending_is_kept_apart_from_active, setup, teardown),
      cmocka_unit_test_setup_teardown(test_pending_only_user_is_not_enrolled, setup, teardown),
      cmocka_unit_test_setup_teardown(test_remove_also_removes_pending, setup, teardown),
      cmocka_unit_test_setup_teardown(test_disabled_refuses_right_code_and_enable_restores, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_wal_stays_small_across_many_connections, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_listing_merges_states_in_user_order, setup, teardown),
      cmocka_unit_test(test_state_names_are_stable),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
