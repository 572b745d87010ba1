// SPDX-License-Identifier: BSD-3-Clause
// `sshotp-enroll db copy`'s rule for one user (enroll/database/copy_merge.h): a new user is added
// whole; one enrollment held on both sides is merged so that nothing consumed, used or counted
// on either side is lost; what differs is a conflict, named, that only --replace settles in the
// file's favour; and copying the result again changes nothing.
#include <string>
#include <vector>

#include "enroll/database/copy_merge.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

using namespace sshotp;
using namespace sshotp::cli;

namespace {

constexpr std::int64_t kThen = 1700000000;

Enrollment active(const char* user, std::uint8_t secret) {
  Enrollment e;
  e.user = user;
  e.sealed_secret = SealedBlob(40, secret);
  e.last_step = 100;
  e.created_at = kThen;
  e.last_used_at = kThen + 10;
  e.last_host = "host-a";
  e.lockout = {2, 0, 1};
  return e;
}

std::vector<RecoveryCodeRow> codes(std::initializer_list<std::optional<std::int64_t>> uses) {
  std::vector<RecoveryCodeRow> rows;
  for (const auto& used : uses) {
    const auto id = static_cast<std::int64_t>(rows.size()) + 1;
    rows.push_back({id, {{static_cast<std::uint8_t>(id)}, std::vector<std::uint8_t>(32, 7)}, used});
  }
  return rows;
}

// The plan applied again to its own result: a second copy must change nothing.
void assert_settled(const StoredUser& from, const UserCopy& copy) {
  const UserCopy again = plan_user_copy(from, copy.result, false);
  assert_true(again.conflicts.empty());
  assert_false(again.changed());
}

void test_a_new_user_is_added_whole(void**) {
  const StoredUser from{active("ann", 1), std::nullopt, codes({std::nullopt, kThen})};
  const UserCopy copy = plan_user_copy(from, {}, false);
  assert_true(copy.conflicts.empty());
  assert_true(copy.active_changed && copy.codes_changed && !copy.pending_changed);
  assert_int_equal(copy.result.active->last_step, 100);
  assert_true(copy.result.codes[1].used_at == kThen);
  assert_settled(from, copy);
}

void test_one_enrollment_on_both_sides_loses_nothing(void**) {
  StoredUser from{active("ann", 1), std::nullopt, codes({kThen + 5, std::nullopt, std::nullopt})};
  StoredUser into{active("ann", 1), std::nullopt, codes({kThen + 3, kThen + 4, std::nullopt})};
  from.active->last_step = 90;  // PostgreSQL's step is newer
  from.active->lockout = {0, kThen + 900, 3};
  from.active->last_used_at = kThen + 20;  // the file's last use is newer
  from.active->last_host = "host-b";
  const UserCopy copy = plan_user_copy(from, into, false);
  assert_true(copy.conflicts.empty());
  const Enrollment& e = *copy.result.active;
  assert_int_equal(e.last_step, 100);
  assert_true(e.lockout == (LockoutState{2, kThen + 900, 3}));
  assert_true(e.last_used_at == kThen + 20 && e.last_host == "host-b");
  // Used on either side is used, since the first use.
  assert_true(copy.result.codes[0].used_at == kThen + 3);
  assert_true(copy.result.codes[1].used_at == kThen + 4);
  assert_false(copy.result.codes[2].used_at.has_value());
  assert_true(copy.active_changed && !copy.codes_changed);
  assert_settled(from, copy);
}

void test_the_same_user_again_changes_nothing(void**) {
  const StoredUser same{active("ann", 1), active("ann", 2), codes({kThen})};
  const UserCopy copy = plan_user_copy(same, same, false);
  assert_true(copy.conflicts.empty());
  assert_false(copy.changed());
}

void test_other_data_is_a_named_conflict(void**) {
  const StoredUser into{active("ann", 1), active("ann", 5), codes({std::nullopt})};
  struct Case {
    StoredUser from;
    const char* why;
  };
  StoredUser params = into;
  params.active->otp.digits = 8;
  StoredUser state = into;
  state.active->state = EnrollmentState::disabled;
  StoredUser other_codes = into;
  other_codes.codes[0].hash.mac[0] ^= 1;
  StoredUser pending = into;
  pending.pending = active("ann", 6);
  const Case cases[] = {{{active("ann", 2), std::nullopt, {}}, "a different secret"},
                        {params, "different code parameters (kind, algorithm, digits or period)"},
                        {state, "a different state"},
                        {other_codes, "a different set of recovery codes"},
                        {pending, "a different pending enrollment"}};
  for (const Case& c : cases) {
    const UserCopy copy = plan_user_copy(c.from, into, false);
    assert_int_equal(copy.conflicts.size(), 1);
    assert_string_equal(copy.conflicts[0].c_str(), c.why);
    const UserCopy replaced = plan_user_copy(c.from, into, true);
    assert_true(replaced.changed());
    assert_settled(c.from, replaced);
  }
}

void test_replace_takes_the_files_secret_with_its_codes(void**) {
  const StoredUser from{active("ann", 2), std::nullopt, {}};
  const StoredUser into{active("ann", 1), std::nullopt, codes({std::nullopt, kThen})};
  const UserCopy copy = plan_user_copy(from, into, true);
  assert_int_equal(copy.conflicts.size(), 1);
  assert_true(copy.result.active->sealed_secret == from.active->sealed_secret);
  // The old secret's codes go with it: the file's (none) replace them.
  assert_true(copy.codes_changed && copy.result.codes.empty());
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_a_new_user_is_added_whole),
      cmocka_unit_test(test_one_enrollment_on_both_sides_loses_nothing),
      cmocka_unit_test(test_the_same_user_again_changes_nothing),
      cmocka_unit_test(test_other_data_is_a_named_conflict),
      cmocka_unit_test(test_replace_takes_the_files_secret_with_its_codes),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
