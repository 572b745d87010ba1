// SPDX-License-Identifier: BSD-3-Clause
// A hardware token's logins through libpam and the built module: carol's enrollment is
// counter-based (RFC 4226, the key and codes of its Appendix D), and a login accepts the code at
// the expected counter or up to hotp_window beyond it, refuses one beyond that and a used one
// (the audit line says why, and method=hotp), takes a YubiKey's token identifier off, and after
// `sshotp-enroll resync`'s transaction (common/hotp_resync.h, two consecutive codes) accepts the
// press after them. The 8-way race on one code is in test_race.
#include <string>

#include "common/crypto.h"
#include "common/hotp.h"
#include "common/hotp_resync.h"
#include "tests/support/pam_harness.h"
#include "tests/support/syslog_capture.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

using namespace sshotp;
using namespace sshotp::test;

namespace {

constexpr OtpParams kToken{Algorithm::sha1, 6, kCounterBased};

int setup(void** state) {
  const PamFixture& f = install_pam_fixture(state, "hotp_window = 3\nmax_failures = 100\n");
  enroll(f.env, "carol", rfc_sha1_key(), kToken, -1);
  captured_syslog().clear();
  return 0;
}

// The last audit line's `reason=` and `method=`, as one string ("reason=replay method=hotp").
bool last_audit_says(const std::string& reason, const std::string& method) {
  for (auto it = captured_syslog().rbegin(); it != captured_syslog().rend(); ++it) {
    if (it->text.find("reason=") == std::string::npos) continue;
    return it->text.find("reason=" + reason) != std::string::npos &&
           it->text.find("method=" + method) != std::string::npos;
  }
  return false;
}

void test_hotp_window_and_replay(void** state) {
  const PamFixture& f = pam_fixture(state);
  assert_int_equal(f.login("carol", kRfc4226Codes[0]), PAM_SUCCESS);  // the expected counter
  assert_true(last_audit_says("ok", "hotp"));
  assert_int_equal(f.login("carol", kRfc4226Codes[0]), PAM_AUTH_ERR);  // used
  assert_true(last_audit_says("replay", "hotp"));
  assert_int_equal(f.login("carol", kRfc4226Codes[2]), PAM_SUCCESS);   // one ahead (1 skipped)
  assert_int_equal(f.login("carol", kRfc4226Codes[1]), PAM_AUTH_ERR);  // passed over: used
  assert_true(last_audit_says("replay", "hotp"));
  // Expected 3, window 3: 7 is beyond it, refused as wrong, and the counter stays.
  assert_int_equal(f.login("carol", kRfc4226Codes[7]), PAM_AUTH_ERR);
  assert_true(last_audit_says("wrong", "hotp"));
  assert_int_equal(f.login("carol", kRfc4226Codes[6]), PAM_SUCCESS);  // the window's edge
  // A YubiKey types its identifier first.
  assert_int_equal(f.login("carol", std::string("ubhe12345678") + kRfc4226Codes[7]), PAM_SUCCESS);
  assert_true(last_audit_says("ok", "hotp"));
}

void test_hotp_after_resync(void** state) {
  const PamFixture& f = pam_fixture(state);
  // The token was pressed 6 times in a pocket: 6 is beyond the window from 0.
  assert_int_equal(f.login("carol", kRfc4226Codes[6]), PAM_AUTH_ERR);
  auto store = open_env_store(f.env);
  auto key = load_key_file(f.env.key_path);
  assert_true(key.ok());
  auto done = resync_hotp(*store, *key,
                          {"carol", kRfc4226Codes[6], kRfc4226Codes[7], fake_time(), false, {}});
  assert_true(done.ok());
  assert_int_equal(done->outcome, ResyncOutcome::resynced);
  store.reset();
  assert_int_equal(f.login("carol", kRfc4226Codes[7]), PAM_AUTH_ERR);  // used by the resync
  assert_true(last_audit_says("replay", "hotp"));
  assert_int_equal(f.login("carol", kRfc4226Codes[8]), PAM_SUCCESS);
}

void test_hotp_lockout_counts_token_failures(void** state) {
  PamFixture& f = install_pam_fixture(state, "hotp_window = 3\nmax_failures = 2\n");
  enroll(f.env, "carol", rfc_sha1_key(), kToken, -1);
  assert_int_equal(f.login("carol", "000000"), PAM_AUTH_ERR);
  assert_int_equal(f.login("carol", "000001"), PAM_MAXTRIES);  // the failure that locks
  // Locked: even the right code is not looked at.
  assert_int_equal(f.login("carol", kRfc4226Codes[0]), PAM_MAXTRIES);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_hotp_window_and_replay, setup, teardown_pam_fixture),
      cmocka_unit_test_setup_teardown(test_hotp_after_resync, setup, teardown_pam_fixture),
      cmocka_unit_test_setup_teardown(test_hotp_lockout_counts_token_failures, setup,
                                      teardown_pam_fixture),
  };
  return cmocka_run_group_tests_name("hotp logins", tests, nullptr, nullptr);
}
