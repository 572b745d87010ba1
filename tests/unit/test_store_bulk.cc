// SPDX-License-Identifier: BSD-3-Clause
// StoreTransaction::insert_many, the bulk path of `sshotp-enroll import --batch`: every row is
// stored exactly as put() stores it, an already enrolled user is never overwritten (the call
// reports its index and the caller drops the transaction), and the interface's find()+put()
// default behaves the same as the backend's override; and a set of recovery codes moves as it is
// (put_recovery_codes, all_recovery_codes: `db copy`). Part of the contract suite
// (test_pg_contract.sh runs it against PostgreSQL too).
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "common/crypto.h"
#include "tests/support/fixture.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

using namespace sshotp;

namespace {

constexpr std::int64_t kCreated = 1700000000;

using Bulk = test::OpenTestStore;

int open_bulk(void** state) {
  *state = test::open_test_store().release();
  return 0;
}

int close_bulk(void** state) {
  test::close_test_store(std::unique_ptr<Bulk>(static_cast<Bulk*>(*state)));
  return 0;
}

Bulk& bulk_of(void** state) { return *static_cast<Bulk*>(*state); }

// A row with every field away from its default, so that a dropped column would show.
Enrollment row_for(const Bulk& b, const std::string& user, const SecureBytes& secret) {
  Enrollment e;
  e.user = user;
  e.state = EnrollmentState::disabled;
  e.otp = {Algorithm::sha256, 8, 60};
  e.sealed_secret = *seal(b.key, secret, secret_aad(user));
  e.last_step = 12345;
  e.created_at = kCreated;
  e.last_used_at = kCreated + 7;
  e.lockout = {3, kCreated + 900, 2};
  return e;
}

std::unique_ptr<StoreTransaction> write_txn(Bulk& b) {
  auto txn = b.store->begin_write();
  assert_true(txn.ok());
  return std::move(txn).value();
}

// Every field of a row, comparable as one value.
auto fields_of(const Enrollment& e) {
  return std::tie(e.user, e.state, e.otp.algorithm, e.otp.digits, e.otp.period, e.sealed_secret,
                  e.last_step, e.created_at, e.last_used_at, e.lockout.failures,
                  e.lockout.locked_until, e.lockout.lockouts);
}

void assert_same_row(const Enrollment& want, const Enrollment& got) {
  assert_string_equal(got.user.c_str(), want.user.c_str());
  assert_true(fields_of(got) == fields_of(want));
}

// The SQLite override, or the interface's default when `use_default` is set.
Result<std::optional<std::size_t>> insert(StoreTransaction& txn, std::span<const Enrollment> rows,
                                          bool use_default) {
  return use_default ? txn.StoreTransaction::insert_many(rows) : txn.insert_many(rows);
}

void stores_every_field(void** state, bool use_default) {
  Bulk& b = bulk_of(state);
  const std::vector<Enrollment> rows = {row_for(b, "ann", SecureBytes(20, 1)),
                                        row_for(b, "ben", SecureBytes(32, 2))};
  {
    auto txn = write_txn(b);
    auto added = insert(*txn, rows, use_default);
    assert_true(added.ok());
    assert_false(added->has_value());
    assert_true(txn->commit().ok());
  }
  auto txn = write_txn(b);
  for (const Enrollment& want : rows) {
    auto found = txn->find(want.user);
    assert_true(found.ok() && found->has_value());
    assert_same_row(want, **found);
  }
}

void test_insert_many_stores_every_field(void** state) { stores_every_field(state, false); }
void test_default_insert_many_stores_every_field(void** state) { stores_every_field(state, true); }

void stops_at_an_enrolled_user(void** state, bool use_default) {
  Bulk& b = bulk_of(state);
  test::enroll(b.env, "bob", test::rfc_sha1_key());
  SealedBlob existing_blob;
  {
    auto txn = write_txn(b);
    existing_blob = (*txn->find("bob"))->sealed_secret;
  }
  const std::vector<Enrollment> rows = {row_for(b, "alice", SecureBytes(20, 3)),
                                        row_for(b, "bob", SecureBytes(20, 4)),
                                        row_for(b, "carol", SecureBytes(20, 5))};
  {
    auto txn = write_txn(b);
    auto added = insert(*txn, rows, use_default);
    assert_true(added.ok() && added->has_value());
    assert_int_equal(**added, 1);
    auto bob = txn->find("bob");
    assert_true((*bob)->sealed_secret == existing_blob);  // never overwritten
    assert_false(txn->find("carol")->has_value());        // it stopped at bob
  }                                                       // dropped uncommitted, as the caller must
  auto txn = write_txn(b);
  assert_false(txn->find("alice")->has_value());
  assert_int_equal(test::listings(*txn)->size(), 1);
}

void test_insert_many_stops_at_an_enrolled_user(void** state) {
  stops_at_an_enrolled_user(state, false);
}
void test_default_insert_many_stops_at_an_enrolled_user(void** state) {
  stops_at_an_enrolled_user(state, true);
}

void test_insert_many_refuses_a_user_twice_in_one_call(void** state) {
  Bulk& b = bulk_of(state);
  const std::vector<Enrollment> rows = {row_for(b, "dora", SecureBytes(20, 6)),
                                        row_for(b, "dora", SecureBytes(20, 7))};
  auto txn = write_txn(b);
  auto added = txn->insert_many(rows);
  assert_true(added.ok() && added->has_value());
  assert_int_equal(**added, 1);
  assert_true((*txn->find("dora"))->sealed_secret == rows[0].sealed_secret);
}

void test_insert_many_of_nothing_adds_nothing(void** state) {
  Bulk& b = bulk_of(state);
  auto txn = write_txn(b);
  auto added = txn->insert_many({});
  assert_true(added.ok());
  assert_false(added->has_value());
  assert_int_equal(test::listings(*txn)->size(), 0);
}

void test_insert_many_takes_ten_thousand_rows_in_one_call(void** state) {
  Bulk& b = bulk_of(state);
  std::vector<Enrollment> rows;
  const Enrollment model = row_for(b, "model", SecureBytes(20, 8));
  for (int i = 0; i < 10000; ++i) {
    rows.push_back(model);
    rows.back().user = "user" + std::to_string(i);
  }
  {
    auto txn = write_txn(b);
    auto added = txn->insert_many(rows);
    assert_true(added.ok());
    assert_false(added->has_value());
    assert_true(txn->commit().ok());
  }
  auto txn = write_txn(b);
  assert_int_equal(test::listings(*txn)->size(), rows.size());
  assert_same_row(rows[9999], **txn->find("user9999"));
}

// What `sshotp-enroll db copy` moves: a set of recovery codes as it is, ids and uses included,
// so that a code used on one store stays used on the other.
void test_recovery_codes_are_put_as_they_are(void** state) {
  Bulk& b = bulk_of(state);
  const RecoveryCodeHash first{{1, 2}, std::vector<std::uint8_t>(32, 3)};
  const RecoveryCodeHash second{{4}, std::vector<std::uint8_t>(32, 5)};
  const std::vector<RecoveryCodeRow> rows{{3, first, std::nullopt}, {7, second, kCreated + 9}};
  {
    auto txn = write_txn(b);
    assert_true(txn->put(row_for(b, "alice", test::rfc_sha1_key())).ok());
    assert_true(txn->replace_recovery_codes("alice", {second, second}).ok());
    assert_true(txn->put_recovery_codes("alice", rows).ok());
    assert_true(txn->commit().ok());
  }
  auto txn = write_txn(b);
  auto all = txn->all_recovery_codes("alice");
  assert_true(all.ok());
  assert_int_equal(all->size(), 2);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    assert_int_equal((*all)[i].id, rows[i].id);
    assert_true((*all)[i].hash.salt == rows[i].hash.salt && (*all)[i].hash.mac == rows[i].hash.mac);
    assert_true((*all)[i].used_at == rows[i].used_at);
  }
  auto unused = txn->unused_recovery_codes("alice");
  assert_true(unused.ok());
  assert_int_equal(unused->size(), 1);
  assert_int_equal(unused->front().id, 3);
  assert_false(*txn->consume_recovery_code("alice", 7, kCreated + 10));  // used stays used
  // A fresh set is fresh: numbered from 1, nothing used.
  assert_true(txn->replace_recovery_codes("alice", {second}).ok());
  all = txn->all_recovery_codes("alice");
  assert_true(all.ok() && all->size() == 1 && all->front().id == 1 && !all->front().used_at);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_insert_many_stores_every_field, open_bulk, close_bulk),
      cmocka_unit_test_setup_teardown(test_default_insert_many_stores_every_field, open_bulk,
                                      close_bulk),
      cmocka_unit_test_setup_teardown(test_insert_many_stops_at_an_enrolled_user, open_bulk,
                                      close_bulk),
      cmocka_unit_test_setup_teardown(test_default_insert_many_stops_at_an_enrolled_user, open_bulk,
                                      close_bulk),
      cmocka_unit_test_setup_teardown(test_insert_many_refuses_a_user_twice_in_one_call, open_bulk,
                                      close_bulk),
      cmocka_unit_test_setup_teardown(test_recovery_codes_are_put_as_they_are, open_bulk,
                                      close_bulk),
      cmocka_unit_test_setup_teardown(test_insert_many_of_nothing_adds_nothing, open_bulk,
                                      close_bulk),
      cmocka_unit_test_setup_teardown(test_insert_many_takes_ten_thousand_rows_in_one_call,
                                      open_bulk, close_bulk),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
