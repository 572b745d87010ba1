// SPDX-License-Identifier: BSD-3-Clause
// Who waits for whom in the PostgreSQL store: one user's row lock makes another host wait,
// within the bound, and holds up nobody else; a host that goes silent holding a lock loses it
// to the server's idle_in_transaction_session_timeout (roles.sql), and cannot then commit; and
// the refusals of unenrolled names do not queue on one row fleet-wide (schema_001.sql shards
// their counter), while the counter still counts each; and two hosts with different keys that
// make a new store's first writes at once cannot both record their key. Run by test_pg_store.sh.
#include <chrono>
#include <string>
#include <thread>

#include "common/crypto.h"
#include "common/key_check.h"
#include "tests/postgresql/pg_test_support.h"

namespace sshotp {
namespace {

using Clock = std::chrono::steady_clock;
constexpr unsigned kShortMs = test::kPgShortMs;
constexpr auto kSlack = test::kPgSlack;

void put_sample(Store& store, const std::string& user) {
  auto txn = store.begin_write();
  assert_true(txn.ok() && (*txn)->put(test::pg_sample(user)).ok() && (*txn)->commit().ok());
}

void test_pg_row_lock_makes_another_host_wait_within_the_bound(void**) {
  test::pg_reset_store();
  auto first = test::pg_open_ok();
  put_sample(*first, "bob");
  auto held = first->begin_write();
  assert_true(held.ok() && (*held)->find("bob").ok());  // FOR UPDATE: bob's row is locked
  auto second = test::pg_open_ok(kShortMs);
  auto waiting = second->begin_write();
  assert_true(waiting.ok());
  const auto started = Clock::now();
  auto blocked = (*waiting)->find("bob");
  const auto took = Clock::now() - started;
  assert_false(blocked.ok());
  assert_true(blocked.error().message.find("timed out") != std::string::npos);
  assert_true(took < std::chrono::milliseconds(kShortMs) + kSlack);
  // Other users are not held up by bob's lock.
  auto third = test::pg_open_ok();
  auto other = third->begin_write();
  assert_true(other.ok() && (*other)->find("carol").ok());
}

void test_pg_silent_hosts_lock_expires(void**) {
  // roles.sql's value, put back afterwards; the test uses a short one so as not to wait 15 s.
  const std::string shipped = test::pg_super_sql(
      "SELECT substr(s, length('idle_in_transaction_session_timeout=') + 1)"
      " FROM pg_db_role_setting, unnest(setconfig) AS s"
      " WHERE setrole = 'sshotp_host'::regrole AND setdatabase = 0"
      " AND s LIKE 'idle_in_transaction_session_timeout=%'");
  assert_false(shipped.empty());
  test::pg_reset_store();
  put_sample(*test::pg_open_ok(), "bob");
  test::pg_super_sql("ALTER ROLE sshotp_host SET idle_in_transaction_session_timeout = '1s'");
  auto silent = test::pg_open_ok();  // a session that has the short timeout
  auto held = silent->begin_write();
  const bool locked = held.ok() && (*held)->find("bob").ok();
  // The silent session's idle timer runs from here, so the wait is measured from here too.
  const auto started = Clock::now();
  // From here on the silent host says nothing; another host waits for bob's row, and gets it
  // once the server has ended the silent one's session.
  auto other = test::pg_open_ok(5000);
  auto waiting = other->begin_write();
  const bool got_it = waiting.ok() && (*waiting)->find("bob").ok();
  const auto took = Clock::now() - started;
  test::pg_super_sql("ALTER ROLE sshotp_host SET idle_in_transaction_session_timeout = '" +
                     shipped + "'");
  assert_true(locked);
  assert_true(got_it);
  assert_true(took >= std::chrono::milliseconds(500));           // it did wait for the lock...
  assert_true(took < std::chrono::milliseconds(1000) + kSlack);  // ...not much past the timeout
  // The silent host, awake again, cannot believe its transaction went through.
  assert_false((*held)->commit().ok());
}

// The superuser's count of refused unenrolled attempts, and over how many of its rows.
std::string refused_unenrolled() {
  return test::pg_super_sql(
      "SELECT sum(value) || ' in ' || count(*) FILTER (WHERE value > 0)"
      " FROM sshotp.store_meta WHERE key = 'refused_unenrolled'");
}

// Whether the host role's open sessions all add to different shards of the counter.
bool sessions_use_different_shards() {
  return test::pg_super_sql(
             "SELECT count(DISTINCT pid % 64) = count(*) FROM pg_stat_activity"
             " WHERE usename = 'sshotp_host'") == "t";
}

void test_pg_unenrolled_refusals_do_not_queue_on_one_row(void**) {
  test::pg_reset_store();
  auto first = test::pg_open_ok();
  auto held = first->begin_write();  // a refusal whose COMMIT has not come back yet
  assert_true(held.ok() && (*held)->record_unenrolled_attempt().ok());
  // Another host's refusal goes through meanwhile. (Two backends whose numbers agree modulo
  // 64 do share a shard: then the test takes another connection.)
  // Each transaction has a connection of its own, so the check is made with both open.
  std::unique_ptr<Store> second = test::pg_open_ok(kShortMs);
  auto other = second->begin_write();
  bool distinct = false;
  for (int tries = 0; tries < 5 && other.ok(); ++tries) {
    if ((distinct = sessions_use_different_shards())) break;
    (*other).reset();  // ends the transaction and closes its connection
    other = second->begin_write();
  }
  assert_true(other.ok());
  assert_true(distinct);
  const auto started = Clock::now();
  assert_true((*other)->record_unenrolled_attempt().ok());
  assert_true((*other)->record_unenrolled_attempt().ok());
  assert_true((*other)->commit().ok());
  assert_true(Clock::now() - started < std::chrono::milliseconds(kShortMs) + kSlack);
  assert_true((*held)->commit().ok());
  // Each refusal counted once: three, over the two shards of the two sessions.
  assert_string_equal(refused_unenrolled().c_str(), "3 in 2");
}

// A configuration-management roll-out: two hosts, each with its own (wrong for the other) key,
// write first to a new fleet store at the same moment. The second must wait for the first's
// decision and then refuse, not record its own key over it and seal users under it.
void test_pg_two_keys_cannot_both_take_a_new_store(void**) {
  test::pg_reset_store();
  auto key_a = random_bytes(kKeyBytes);
  auto key_b = random_bytes(kKeyBytes);
  assert_true(key_a.ok() && key_b.ok());
  const KeyCheckNames names{"key", "the PostgreSQL store"};
  auto host_a = test::pg_open_ok();
  auto host_b = test::pg_open_ok();
  auto first = host_a->begin_write();
  assert_true(first.ok());
  assert_true(check_and_record_store_key(**first, *key_a, names).ok());
  assert_true((*first)->put(test::pg_sample("bob")).ok());
  // Host B starts while A's transaction is open, and must still be waiting when A commits.
  Status second_said = Ok{};
  bool second_began = false;
  std::thread second([&] {
    auto txn = host_b->begin_write();
    second_began = txn.ok();
    if (second_began) second_said = check_and_record_store_key(**txn, *key_b, names);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  assert_true((*first)->commit().ok());
  second.join();
  assert_true(second_began);
  assert_false(second_said.ok());
  if (second_said.error().message.find("is not the key") == std::string::npos) {
    print_error("host B said: %s\n", second_said.error().message.c_str());
  }
  assert_true(second_said.error().message.find("is not the key") != std::string::npos);
}

}  // namespace
}  // namespace sshotp

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(sshotp::test_pg_row_lock_makes_another_host_wait_within_the_bound),
      cmocka_unit_test(sshotp::test_pg_silent_hosts_lock_expires),
      cmocka_unit_test(sshotp::test_pg_unenrolled_refusals_do_not_queue_on_one_row),
      cmocka_unit_test(sshotp::test_pg_two_keys_cannot_both_take_a_new_store),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
