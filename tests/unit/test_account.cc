// SPDX-License-Identifier: BSD-3-Clause
// Account and group lookups (common/account.h, common/policy.h) against the test accounts that
// tests/support/with_nss.sh serves through nss_wrapper: canonical names for aliases, entries
// too big for a 16 KiB buffer, and directory errors (nss_fault.so), which must be errors and
// never "no such user" or "not a member". Also the log-line sanitiser (common/audit.h).
#include <string>

#include "common/account.h"
#include "common/audit.h"
#include "common/policy.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

using namespace sshotp;

namespace {

Account account(const char* name) {
  auto found = canonical_account(name);
  if (!found) fail_msg("%s: %s", name, found.error().message.c_str());
  return *found;
}

void assert_errc(Errc got, Errc want) {
  assert_int_equal(static_cast<int>(got), static_cast<int>(want));
}

// Whether `user` is in `group`; the lookups must succeed.
bool member(const char* user, const char* group) {
  auto in = user_in_group(account(user), group);
  if (!in) fail_msg("%s in %s: %s", user, group, in.error().message.c_str());
  return *in;
}

void test_aliases_map_to_the_canonical_name(void**) {
  for (const char* spelling : {"alice", "ALICE", "alice@example.test"}) {
    const Account a = account(spelling);
    assert_string_equal(a.name.c_str(), "alice");
    assert_int_equal(a.uid, 2001);
  }
}

void test_unknown_user_is_not_found(void**) {
  auto none = canonical_account("no-such-user-sshotp");
  assert_false(none.ok());
  assert_errc(none.error().code, Errc::not_found);
}

void test_lookup_errors_are_unavailable(void**) {
  // ENOENT is libnss_sss's "sssd is not running", not "no such user".
  for (const char* name : {"nss-eio-alice", "nss-erange-alice", "nss-enoent-alice"}) {
    auto failed = canonical_account(name);
    assert_false(failed.ok());
    assert_errc(failed.error().code, Errc::unavailable);
  }
}

void test_passwd_entry_over_16k(void**) {
  assert_string_equal(account("longgecos").name.c_str(), "longgecos");
  assert_true(member("longgecos", "sshotp-big"));
}

void test_group_over_16k(void**) {
  auto big = find_group("sshotp-big");
  assert_true(big.ok());
  assert_true(big->has_value());
  assert_true((*big)->members.size() > 4000);
  assert_true(member("ALICE", "sshotp-big"));
  assert_false(member("bob", "sshotp-big"));
}

void test_group_lookup_errors(void**) {
  auto missing = find_group("no-such-group-sshotp");
  assert_true(missing.ok());
  assert_false(missing->has_value());
  auto eio = find_group("nss-eio-group");
  assert_false(eio.ok());
  assert_errc(eio.error().code, Errc::unavailable);
  auto erange = user_in_group(account("alice"), "nss-erange-group");
  assert_false(erange.ok());
  assert_errc(erange.error().code, Errc::unavailable);
  auto no_list = user_in_group(account("nss-nogroups"), "sshotp-small");
  assert_false(no_list.ok());
  assert_errc(no_list.error().code, Errc::unavailable);
}

void test_requirement_fails_closed_on_lookup_errors(void**) {
  const Account alice = account("alice");
  Config config;
  config.exempt_group = "sshotp-big";
  assert_int_equal(static_cast<int>(*code_requirement(config, alice)),
                   static_cast<int>(Requirement::exempt));
  config.exempt_group = "nss-eio-group";  // "exempts nobody" would be a guess: an error
  auto exempt_error = code_requirement(config, alice);
  assert_false(exempt_error.ok());
  assert_errc(exempt_error.error().code, Errc::unavailable);
  config.exempt_group.clear();
  config.require_group = "sshotp-big";
  assert_int_equal(static_cast<int>(*code_requirement(config, alice)),
                   static_cast<int>(Requirement::ask));
  assert_int_equal(static_cast<int>(*code_requirement(config, account("bob"))),
                   static_cast<int>(Requirement::not_in_required));
  config.require_group = "nss-eio-group";
  auto require_error = code_requirement(config, alice);
  assert_false(require_error.ok());
  assert_errc(require_error.error().code, Errc::unavailable);
  config.require_group = "sshotp-small";
  auto no_list = code_requirement(config, account("nss-nogroups"));
  assert_false(no_list.ok());
  assert_errc(no_list.error().code, Errc::unavailable);
}

Requirement requirement(const Config& config, const char* user) {
  auto r = code_requirement(config, account(user));
  if (!r) fail_msg("%s: %s", user, r.error().message.c_str());
  return *r;
}

void assert_requirement(Requirement got, Requirement want) {
  assert_int_equal(static_cast<int>(got), static_cast<int>(want));
}

void test_require_group_does_not_trust_a_short_group_list(void**) {
  // getgrouplist gives only the primary group (glibc skips a failing backend), but the group
  // entry lists the user. Before: not_in_required, so the code was never asked.
  Config config;
  config.require_group = "sshotp-listed";
  assert_requirement(requirement(config, "nss-shortgroups"), Requirement::ask);
  // For exempt_group a short list only means "asked": the safe side.
  config.require_group.clear();
  config.exempt_group = "sshotp-small";
  assert_requirement(requirement(config, "nss-shortgroups"), Requirement::ask);
}

void test_require_group_counts_the_login_entry(void**) {
  // sshd's Match Group asks about the name as typed: DAVE is listed in sshotp-alias, Dave has
  // it as its primary group; their canonical entry dave is in neither.
  Config config;
  config.require_group = "sshotp-alias";
  assert_requirement(requirement(config, "DAVE"), Requirement::ask);
  assert_requirement(requirement(config, "Dave"), Requirement::ask);
  assert_requirement(requirement(config, "dave"), Requirement::not_in_required);
  // Exemption stays with the canonical account: an alias's groups never skip the code.
  config.require_group.clear();
  config.exempt_group = "sshotp-alias";
  assert_requirement(requirement(config, "DAVE"), Requirement::ask);
  assert_requirement(requirement(config, "Dave"), Requirement::ask);
}

void test_log_text_sanitises_and_bounds(void**) {
  assert_string_equal(log_text("user 'a\nb\x01\x1b[2J' x=1").c_str(), "user 'a?b??[2J' x=1");
  assert_string_equal(log_text("\xc3\xa9\x7f").c_str(), "???");
  assert_string_equal(log_text(std::string(2000, 'a'), 10).c_str(), "aaaaaaaaaa...");
  assert_string_equal(audit_value("a b=c\n").c_str(), "a?b?c?");
  assert_string_equal(audit_value("").c_str(), "-");
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_aliases_map_to_the_canonical_name),
      cmocka_unit_test(test_unknown_user_is_not_found),
      cmocka_unit_test(test_lookup_errors_are_unavailable),
      cmocka_unit_test(test_passwd_entry_over_16k),
      cmocka_unit_test(test_group_over_16k),
      cmocka_unit_test(test_group_lookup_errors),
      cmocka_unit_test(test_requirement_fails_closed_on_lookup_errors),
      cmocka_unit_test(test_require_group_does_not_trust_a_short_group_list),
      cmocka_unit_test(test_require_group_counts_the_login_entry),
      cmocka_unit_test(test_log_text_sanitises_and_bounds),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
