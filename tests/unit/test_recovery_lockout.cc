// SPDX-License-Identifier: BSD-3-Clause
// Recovery codes (generation, forgiving normalisation, salted keyed hashes), the lockout
// arithmetic, and the policy helpers (group membership, sshd's SSH_AUTH_INFO_0).
#include <map>
#include <set>
#include <string>

#include "common/lockout.h"
#include "common/policy.h"
#include "common/recovery_codes.h"
#include "common/sqlite_store.h"
#include "common/verifier.h"
#include "tests/support/fixture.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

using namespace sshotp;

namespace {

constexpr std::string_view kCrockford = "0123456789abcdefghjkmnpqrstvwxyz";

SecureBytes key_of(std::uint8_t fill) { return SecureBytes(32, fill); }

void test_recovery_generate_format(void**) {
  auto codes = generate_recovery_codes(10);
  assert_true(codes.ok());
  assert_int_equal(codes->size(), 10);
  for (const SecretString& code : *codes) {
    std::string_view c = code.view();
    assert_int_equal(c.size(), 14);  // xxxx-xxxx-xxxx
    assert_int_equal(c[4], '-');
    assert_int_equal(c[9], '-');
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (i == 4 || i == 9) continue;
      assert_true(kCrockford.find(c[i]) != std::string_view::npos);
    }
  }
}

void test_recovery_generate_unique_and_uniform(void**) {
  auto codes = generate_recovery_codes(1000);
  assert_true(codes.ok());
  std::set<std::string> seen;
  std::map<char, int> counts;
  for (const SecretString& code : *codes) {
    seen.emplace(code.view());
    for (char c : code.view()) {
      if (c != '-') counts[c]++;
    }
  }
  assert_int_equal(seen.size(), 1000);
  // 12000 symbols over 32 letters: 375 expected each. A biased mapping (e.g. % 31) or a missing
  // letter lands far outside these bounds.
  assert_int_equal(counts.size(), 32);
  for (const auto& [letter, n] : counts) {
    if (n < 250 || n > 500) fail_msg("letter %c appears %d times", letter, n);
  }
}

void test_recovery_normalise_is_forgiving(void**) {
  auto canonical = normalise_recovery_code("ab12-cd34-ef56");
  assert_true(canonical.has_value());
  assert_string_equal(canonical->c_str(), "ab12cd34ef56");
  auto sloppy = normalise_recovery_code(" AB12 CD34-EF56 ");
  assert_true(sloppy.has_value());
  assert_string_equal(sloppy->c_str(), "ab12cd34ef56");
  auto lookalikes = normalise_recovery_code("OIL0-0000-0000");  // o->0, i->1, l->1
  assert_true(lookalikes.has_value());
  assert_string_equal(lookalikes->c_str(), "011000000000");
}

void test_recovery_normalise_keeps_legacy_scratch_codes(void**) {
  // google-authenticator scratch codes (8 digits) survive migration as they are.
  auto legacy = normalise_recovery_code("12345678");
  assert_true(legacy.has_value());
  assert_string_equal(legacy->c_str(), "12345678");
  assert_false(normalise_recovery_code("1234567").has_value());
  assert_false(normalise_recovery_code("123456789").has_value());
}

void test_recovery_legacy_code_works_beside_8_digit_totp(void**) {
  // An 8-digit TOTP user: an 8-digit input is tried as a TOTP code, then as a scratch code.
  const test::TestEnv env = test::make_test_env();
  const SecureBytes secret = test::rfc_sha1_key();
  OtpParams eight;
  eight.digits = 8;
  test::enroll(env, "alice", secret, eight);
  auto key = load_key_file(env.key_path);
  auto hash = hash_recovery_code(*key, "alice", "87654321");
  {
    auto store = open_sqlite_store(env.db_path, OpenMode::existing, 2000);
    auto txn = (*store)->begin_write();
    assert_true((*txn)->replace_recovery_codes("alice", {*hash}).ok());
    assert_true((*txn)->commit().ok());
  }
  auto verify = [&](const std::string& typed, std::int64_t now) {
    auto store = open_sqlite_store(env.db_path, OpenMode::existing, 2000);
    auto verdict = verify_and_consume(**store, *key, {"alice", typed, now, 1, {}});
    assert_true(verdict.ok());
    return *verdict;
  };
  Verdict scratch = verify("87654321", 1700000000);
  assert_int_equal(scratch.outcome, Outcome::accepted);
  assert_int_equal(scratch.method, Method::recovery);
  assert_int_equal(verify("87654321", 1700000000).outcome, Outcome::wrong_code);  // used up
  const std::string totp = test::code_at(secret, eight, 1700000030);
  Verdict by_totp = verify(totp, 1700000030);
  assert_int_equal(by_totp.outcome, Outcome::accepted);
  assert_int_equal(by_totp.method, Method::totp);
  // A replayed TOTP code is a definite answer: it is not retried as a scratch code.
  assert_int_equal(verify(totp, 1700000030).outcome, Outcome::replayed);
  test::destroy_test_env(env);
}

void test_recovery_normalise_rejects_non_codes(void**) {
  for (const char* bad : {"", "ab12-cd34-ef5", "ab12-cd34-ef567", "ab12-cd34-ef5u",
                          "ab12-cd34-ef5!", "123456", "ab12\ncd34ef56"}) {
    if (normalise_recovery_code(bad).has_value()) fail_msg("accepted '%s'", bad);
  }
  assert_false(normalise_recovery_code(std::string(1 << 20, 'a')).has_value());
  assert_false(normalise_recovery_code(std::string_view("ab12cd34\0ef56", 13)).has_value());
}

void test_recovery_hash_matches_only_same_code_user_key(void**) {
  const SecureBytes key = key_of(7);
  auto hash = hash_recovery_code(key, "alice", "ab12cd34ef56");
  assert_true(hash.ok());
  assert_int_equal(hash->salt.size(), 16);
  assert_int_equal(hash->mac.size(), 32);
  assert_true(*recovery_code_matches(key, "alice", "ab12cd34ef56", *hash));
  assert_false(*recovery_code_matches(key, "alice", "ab12cd34ef57", *hash));
  assert_false(*recovery_code_matches(key, "bob", "ab12cd34ef56", *hash));
  assert_false(*recovery_code_matches(key_of(8), "alice", "ab12cd34ef56", *hash));
  // User and code are separated: ("alice","x...") is not ("alicex", "...").
  auto joined = hash_recovery_code(key, "alicea", "b12cd34ef56");
  assert_true(joined.ok());
  assert_false(*recovery_code_matches(key, "alice", "ab12cd34ef56", *joined));
}

void test_recovery_hash_is_salted(void**) {
  const SecureBytes key = key_of(7);
  auto a = hash_recovery_code(key, "alice", "ab12cd34ef56");
  auto b = hash_recovery_code(key, "alice", "ab12cd34ef56");
  assert_true(a.ok() && b.ok());
  assert_true(a->salt != b->salt);
  assert_true(a->mac != b->mac);
}

void test_lockout_locks_at_max_and_doubles(void**) {
  LockoutPolicy policy;
  policy.max_failures = 3;
  policy.lockout_seconds = 900;
  LockoutState s;
  s = after_failure(s, policy, 1000);
  assert_int_equal(s.failures, 1);
  assert_false(is_locked(s, 1000));
  s = after_failure(s, policy, 1000);
  assert_false(is_locked(s, 1000));
  s = after_failure(s, policy, 1000);
  assert_true(is_locked(s, 1000));
  assert_int_equal(s.locked_until, 1900);
  assert_int_equal(s.failures, 0);
  assert_int_equal(s.lockouts, 1);
  assert_true(is_locked(s, 1899));
  assert_false(is_locked(s, 1900));
  for (int i = 0; i < 3; ++i) s = after_failure(s, policy, 2000);
  assert_int_equal(s.locked_until, 2000 + 1800);
}

void test_lockout_duration_is_capped(void**) {
  LockoutPolicy policy;
  policy.max_failures = 1;
  policy.lockout_seconds = 86400;
  LockoutState s;
  s.lockouts = 1000;  // absurd value from a corrupted row: no overflow, just the cap
  s = after_failure(s, policy, 0);
  assert_int_equal(s.locked_until, policy.max_lockout_seconds);
}

void test_policy_auth_info_publickey(void**) {
  assert_true(auth_info_has_publickey("publickey ssh-ed25519 AAAA\n"));
  assert_true(auth_info_has_publickey("password\npublickey ssh-rsa AAAA\n"));
  assert_false(auth_info_has_publickey("keyboard-interactive/pam\n"));
  assert_false(auth_info_has_publickey("publickeyfoo x\n"));
  assert_false(auth_info_has_publickey("password publickey x\n"));
  assert_false(auth_info_has_publickey(""));
}

// Real accounts only (root, nogroup); aliases, huge entries and lookup errors are in
// tests/unit/test_account.cc, under nss_wrapper.
Account root_account() {
  auto root = canonical_account("root");
  assert_true(root.ok());
  return *root;
}

void test_policy_group_membership(void**) {
  auto root_in_root = user_in_group(root_account(), "root");
  assert_true(root_in_root.ok());
  assert_true(*root_in_root);
  auto root_in_nogroup = user_in_group(root_account(), "nogroup");
  assert_true(root_in_nogroup.ok());
  assert_false(*root_in_nogroup);
  auto unknown_group = user_in_group(root_account(), "no-such-group-sshotp");
  assert_false(unknown_group.ok());
  assert_int_equal(static_cast<int>(unknown_group.error().code), static_cast<int>(Errc::not_found));
}

void test_policy_requirement(void**) {
  Config config;
  assert_int_equal(static_cast<int>(*code_requirement(config, root_account())),
                   static_cast<int>(Requirement::ask));
  config.exempt_group = "root";
  assert_int_equal(static_cast<int>(*code_requirement(config, root_account())),
                   static_cast<int>(Requirement::exempt));
  config.exempt_group = "no-such-group-sshotp";  // exempts nobody, never an error
  assert_int_equal(static_cast<int>(*code_requirement(config, root_account())),
                   static_cast<int>(Requirement::ask));
  config.exempt_group.clear();
  config.require_group = "nogroup";
  assert_int_equal(static_cast<int>(*code_requirement(config, root_account())),
                   static_cast<int>(Requirement::not_in_required));
  config.require_group = "no-such-group-sshotp";  // would exempt everyone: fail closed
  auto missing = code_requirement(config, root_account());
  assert_false(missing.ok());
  assert_int_equal(static_cast<int>(missing.error().code), static_cast<int>(Errc::unavailable));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_recovery_generate_format),
      cmocka_unit_test(test_recovery_generate_unique_and_uniform),
      cmocka_unit_test(test_recovery_normalise_is_forgiving),
      cmocka_unit_test(test_recovery_normalise_keeps_legacy_scratch_codes),
      cmocka_unit_test(test_recovery_legacy_code_works_beside_8_digit_totp),
      cmocka_unit_test(test_recovery_normalise_rejects_non_codes),
      cmocka_unit_test(test_recovery_hash_matches_only_same_code_user_key),
      cmocka_unit_test(test_recovery_hash_is_salted),
      cmocka_unit_test(test_lockout_locks_at_max_and_doubles),
      cmocka_unit_test(test_lockout_duration_is_capped),
      cmocka_unit_test(test_policy_auth_info_publickey),
      cmocka_unit_test(test_policy_group_membership),
      cmocka_unit_test(test_policy_requirement),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
