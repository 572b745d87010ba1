// SPDX-License-Identifier: BSD-3-Clause
// The migration parsers (google-authenticator state files, pam_oath users files) on real and
// hostile input, and storing a migrated user: a second run changes nothing, another key is
// only replaced when asked, and scratch codes become recovery codes that log in once.
// tests/cli/test_migrate.sh drives the same code through the CLI with files made by the real
// google-authenticator tool.
#include <cstdlib>
#include <memory>
#include <string>

#include "common/base32.h"
#include "common/crypto.h"
#include "common/sqlite_store.h"
#include "common/verifier.h"
#include "enroll/migrate_ga.h"
#include "enroll/migrate_oath.h"
#include "enroll/migrate_support.h"
#include "tests/support/fixture.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

using namespace sshotp;
using namespace sshotp::cli;

namespace {

constexpr std::int64_t kNow = 1700000000;  // step 56666666 of 30 s

// As `google-authenticator -t -d -f -r 3 -R 30 -w 3 -e 3` writes it (a throwaway key).
constexpr std::string_view kGaFile =
    "EKE27Q7AF5BAT7OU377WLR2WWM\n"
    "\" RATE_LIMIT 3 30 1699999990\n"
    "\" WINDOW_SIZE 3\n"
    "\" DISALLOW_REUSE 56666660 56666665\n"
    "\" TOTP_AUTH\n"
    "18385179\n"
    "10069582\n"
    "22565624\n";

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

bool any_contains(const std::vector<std::string>& texts, std::string_view part) {
  for (const std::string& t : texts) {
    if (contains(t, part)) return true;
  }
  return false;
}

GaFile parsed_ga(std::string_view text) {
  auto file = parse_google_authenticator(text);
  if (!file) fail_msg("parse failed: %s", file.error().message.c_str());
  return std::move(file).value();
}

// The error of a file that must be refused, checked to name `line_text` and never to quote
// the file's first line (the key).
void expect_ga_refused(std::string_view text, std::string_view message_part) {
  auto file = parse_google_authenticator(text);
  if (file) {
    fail_msg("accepted a file that should be refused (%s)", std::string(message_part).c_str());
  }
  if (!contains(file.error().message, message_part)) {
    fail_msg("message '%s' lacks '%s'", file.error().message.c_str(),
             std::string(message_part).c_str());
  }
  assert_false(contains(file.error().message, "EKE27Q7AF5BAT7OU"));
}

std::string ga_with(std::string_view options_and_codes) {
  return "EKE27Q7AF5BAT7OU377WLR2WWM\n" + std::string(options_and_codes);
}

void test_ga_real_file(void**) {
  GaFile file = parsed_ga(kGaFile);
  assert_int_equal(file.secret.size(), 16);
  assert_true(file.totp_auth);
  assert_false(file.hotp);
  assert_int_equal(file.step_size, 30);
  assert_int_equal(file.window_size, 3);
  assert_int_equal(*file.rate_limit_line, 2);
  assert_int_equal(*file.disallow_reuse_line, 4);
  assert_int_equal(*file.newest_used_step, 56666665);
  assert_int_equal(file.scratch_codes.size(), 3);
  assert_string_equal(std::string(file.scratch_codes[1].view()).c_str(), "10069582");

  auto plan = plan_google_authenticator(file, 1);
  assert_true(plan.ok());
  assert_int_equal(static_cast<int>(plan->params.algorithm), static_cast<int>(Algorithm::sha1));
  assert_int_equal(plan->params.digits, 6);
  assert_int_equal(plan->params.period, 30);
  assert_true(any_contains(plan->warnings, "RATE_LIMIT (line 2)"));
  assert_true(any_contains(plan->warnings, "DISALLOW_REUSE (line 4)"));
  assert_false(any_contains(plan->warnings, "WINDOW_SIZE"));  // 3 codes = one step either side
  assert_int_equal(plan->warnings.size(), 2);
}

void test_ga_crlf_and_blank_lines(void**) {
  GaFile file = parsed_ga("EKE27Q7AF5BAT7OU377WLR2WWM\r\n\r\n\" TOTP_AUTH\r\n18385179\r\n\r\n");
  assert_true(file.totp_auth);
  assert_int_equal(file.scratch_codes.size(), 1);
}

void test_ga_step_and_window(void**) {
  GaFile file = parsed_ga(ga_with("\" WINDOW_SIZE 17\n\" STEP_SIZE 45\n\" TOTP_AUTH\n"));
  auto plan = plan_google_authenticator(file, 1);
  assert_true(plan.ok());
  assert_int_equal(plan->params.period, 45);
  assert_true(any_contains(plan->warnings, "WINDOW_SIZE 17"));
  assert_true(any_contains(plan->warnings, "8 steps before to 8 after"));
  assert_true(any_contains(plan->warnings, "further off will be refused"));
  assert_true(any_contains(plan->warnings, "no scratch codes"));
  // A wider window here than there is still a difference worth a word, without the threat.
  auto wide = plan_google_authenticator(parsed_ga(ga_with("\" TOTP_AUTH\n")), 2);
  assert_true(any_contains(wide->warnings, "accepts 2 either side"));
  assert_false(any_contains(wide->warnings, "further off"));
}

void test_ga_unsupported_setups(void**) {
  auto hotp = plan_google_authenticator(parsed_ga(ga_with("\" HOTP_COUNTER 1\n12345678\n")), 1);
  assert_false(hotp.ok());
  assert_true(contains(hotp.error().message, "HOTP_COUNTER"));
  // HOTP wins over TOTP_AUTH, as in the module.
  auto both = plan_google_authenticator(parsed_ga(ga_with("\" TOTP_AUTH\n\" HOTP_COUNTER 4\n")), 1);
  assert_false(both.ok());
  auto neither = plan_google_authenticator(parsed_ga(ga_with("12345678\n")), 1);
  assert_false(neither.ok());
  assert_true(contains(neither.error().message, "TOTP_AUTH"));
  auto short_step =
      plan_google_authenticator(parsed_ga(ga_with("\" STEP_SIZE 10\n\" TOTP_AUTH\n")), 1);
  assert_false(short_step.ok());
  assert_true(contains(short_step.error().message, "STEP_SIZE 10"));
}

void test_ga_key_length(void**) {
  auto weak = plan_google_authenticator(parsed_ga("GEZDGNBVGY3TQOJQ\n\" TOTP_AUTH\n"), 1);  // 80
  assert_true(weak.ok());
  assert_true(any_contains(weak->warnings, "80 bits"));
  auto too_short = plan_google_authenticator(parsed_ga("GEZDGNBVGY3TQ\n\" TOTP_AUTH\n"), 1);
  assert_false(too_short.ok());
  assert_true(contains(too_short.error().message, "at least 80"));
}

void test_ga_hostile_files(void**) {
  expect_ga_refused("", "empty");
  expect_ga_refused(std::string_view("EKE27Q7AF5BAT7OU\0\n", 18), "NUL");
  expect_ga_refused("EKE27Q7AF5BAT7OU1!\n\" TOTP_AUTH\n", "line 1: not a base32 key");
  expect_ga_refused("\n\" TOTP_AUTH\n", "line 1");
  expect_ga_refused("\xff\xfe\x01garbage\n", "line 1");
  expect_ga_refused(ga_with("\" TOTP_AUTH\n1234abcd\n"), "line 3: neither an option nor");
  expect_ga_refused(ga_with("01234567\n"), "line 2");  // the module reads it as 1234567
  expect_ga_refused(ga_with("1234567\n"), "line 2");
  expect_ga_refused(ga_with("123456789\n"), "line 2");
  expect_ga_refused(ga_with(" 12345678\n"), "line 2");
  expect_ga_refused(ga_with("\" STEP_SIZE 61\n"),
                    "line 2: STEP_SIZE must be a number from 1 to 60");
  expect_ga_refused(ga_with("\" STEP_SIZE thirty\n"), "STEP_SIZE");
  expect_ga_refused(ga_with("\" WINDOW_SIZE 0\n"), "WINDOW_SIZE");
  expect_ga_refused(ga_with("\" WINDOW_SIZE 101\n"), "WINDOW_SIZE");
  expect_ga_refused(ga_with("\" DISALLOW_REUSE 5 x\n"), "line 2: DISALLOW_REUSE");
  expect_ga_refused(ga_with("\" DISALLOW_REUSE 99999999999\n"), "DISALLOW_REUSE");
  std::string many = ga_with("\" TOTP_AUTH\n");
  for (int i = 0; i < 101; ++i) many += std::to_string(10000000 + i) + "\n";
  expect_ga_refused(many, "line 103: more than 100 scratch codes");
}

void test_ga_odd_but_accepted(void**) {
  GaFile file = parsed_ga(ga_with(
      "\" TOTP_AUTH\n\" FUTURE_THING 1\n\"NOSPACE\n\" lower_case\n\" TIME_SKEW -2\n"
      "\" RESETTING_TIME_SKEW 1+2\n\" STEP_SIZE 30\n\" STEP_SIZE 15\n12345678\n12345678\n"));
  assert_int_equal(file.step_size, 30);  // the first occurrence counts
  assert_int_equal(file.scratch_codes.size(), 1);
  assert_int_equal(file.repeated_scratch_codes, 1);
  assert_int_equal(file.time_skew, -2);
  auto plan = plan_google_authenticator(file, 1);
  assert_true(plan.ok());
  assert_true(any_contains(plan->warnings, "line 3: option FUTURE_THING is not carried over"));
  assert_true(any_contains(plan->warnings, "line 4: an unrecognised option line"));
  assert_true(any_contains(plan->warnings, "line 5: an unrecognised option line"));
  assert_true(any_contains(plan->warnings, "TIME_SKEW"));
  assert_true(any_contains(plan->warnings, "1 scratch code line repeated"));
  assert_false(any_contains(plan->warnings, "RESETTING"));
}

// --------------------------------------------------------------------------------------------
// pam_oath users files

constexpr std::string_view kAliceHex = "3132333435363738393031323334353637383930";  // RFC key
constexpr std::string_view kBobHex = "00112233445566778899aabbccddeeff00112233";

std::string oath_mix() {
  return std::string("# pam_oath users\n") +                    // 1
         "HOTP/T30 alice - " + std::string(kAliceHex) + "\n" +  // 2
         "HOTP/T60/8\tbob\t+\t" + std::string(kBobHex) + "\t0\t12345678\t2023-11-14T22:13:20L\n" +
         "HOTP carol - " + std::string(kAliceHex) + "\n" +                       // 4
         "HOTP/E/8 carol - " + std::string(kAliceHex) + "\n" +                   // 5
         "HOTP/T30 dave s3cret " + std::string(kAliceHex) + "\n" +               // 6
         "\n" +                                                                  // 7
         "HOTP/T30 erin -\n" +                                                   // 8
         "HOTP/T30/7 frank - " + std::string(kAliceHex) + "\n" +                 // 9
         "HOTP/T45 gina - " + std::string(kAliceHex) + "\n" +                    // 10
         "HOTP/T30 hank - 0g11\n" +                                              // 11
         "HOTP/T30 ivan - 00112233\n" +                                          // 12
         "HOTP/T30 alice - " + std::string(kBobHex) + "\n" +                     // 13
         "HOTP/T30 jack - " + std::string(kAliceHex) + " notanumber\n" +         // 14
         "HOTP/T30 kim - " + std::string(kAliceHex) + " 0 123456 yesterday\n" +  // 15
         "HOTP/T30/6 lee - " + std::string(kAliceHex) + " 1 2 3 4\n" +           // 16
         "   # indented comment\n";                                              // 17
}

const OathSkip* skip_at(const OathFile& file, std::size_t line) {
  for (const OathSkip& s : file.skipped) {
    if (s.line == line) return &s;
  }
  return nullptr;
}

void expect_skip(const OathFile& file, std::size_t line, std::string_view reason_part) {
  const OathSkip* s = skip_at(file, line);
  if (s == nullptr) fail_msg("line %zu was not skipped", line);
  if (!contains(s->reason, reason_part)) {
    fail_msg("line %zu: reason '%s' lacks '%s'", line, s->reason.c_str(),
             std::string(reason_part).c_str());
  }
  assert_false(contains(s->reason, "313233"));
}

void test_oath_mix(void**) {
  setenv("TZ", "UTC", 1);
  OathFile file = parse_oath_usersfile(oath_mix());
  assert_int_equal(file.entries.size(), 2);
  const OathEntry& alice = file.entries[0];
  assert_int_equal(alice.line, 2);
  assert_string_equal(alice.user.c_str(), "alice");
  assert_int_equal(alice.params.digits, 6);
  assert_int_equal(alice.params.period, 30);
  assert_true(alice.secret == test::rfc_sha1_key());
  assert_false(alice.last_used_at.has_value());
  assert_true(alice.note.empty());
  const OathEntry& bob = file.entries[1];
  assert_int_equal(bob.line, 3);
  assert_int_equal(bob.params.digits, 8);
  assert_int_equal(bob.params.period, 60);
  assert_int_equal(*bob.last_used_at, kNow);
  assert_string_equal(std::string(bob.last_code.view()).c_str(), "12345678");

  const struct {
    std::size_t line;
    std::string_view reason;
  } expected[] = {
      {4, "counter-based HOTP"},
      {5, "counter-based HOTP"},
      {6, "has a PIN"},
      {8, "malformed"},
      {9, "7-digit"},
      {10, "unknown token type"},
      {11, "not hexadecimal"},
      {12, "32 bits; at least 80"},
      {13, "line 2"},
      {14, "malformed counter"},
      {15, "malformed time"},
      {16, "malformed"},
  };
  assert_int_equal(file.skipped.size(), std::size(expected));
  for (const auto& [line, reason] : expected) expect_skip(file, line, reason);
  assert_string_equal(skip_at(file, 6)->user.c_str(), "dave");
  assert_string_equal(skip_at(file, 8)->user.c_str(), "erin");
  assert_string_equal(skip_at(file, 10)->user.c_str(), "");  // not a type: not a user either
  assert_null(skip_at(file, 1));
  assert_null(skip_at(file, 7));
  assert_null(skip_at(file, 17));
}

void test_oath_hostile_lines(void**) {
  std::string text(kMaxOathLine + 1, 'A');
  text += "\nHOTP/T30 \x01\x02 - " + std::string(kAliceHex) + "\n";
  text += std::string("\0\0\0\n", 4);
  text += "HOTP/T30";  // no newline at the end
  OathFile file = parse_oath_usersfile(text);
  expect_skip(file, 1, "longer than 4096 bytes");
  // The parser keeps a name it cannot vouch for; the CLI checks it before storing or showing.
  assert_int_equal(file.entries.size(), 1);
  expect_skip(file, 3, "malformed");
  expect_skip(file, 4, "malformed");
  assert_int_equal(parse_oath_usersfile("").entries.size(), 0);
}

// --------------------------------------------------------------------------------------------
// Storing a migrated user

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
  const TotpParams params;
  const std::string used = test::code_at(key, params, kNow + 60);  // two steps after the time
  auto step = oath_used_step(key, params, kNow, SecretString(used));
  assert_int_equal(*step, 56666668);
  assert_int_equal(*oath_used_step(key, params, kNow, SecretString("000000x")), 56666666);
  assert_false(oath_used_step(key, params, std::nullopt, SecretString(used)).has_value());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ga_real_file),
      cmocka_unit_test(test_ga_crlf_and_blank_lines),
      cmocka_unit_test(test_ga_step_and_window),
      cmocka_unit_test(test_ga_unsupported_setups),
      cmocka_unit_test(test_ga_key_length),
      cmocka_unit_test(test_ga_hostile_files),
      cmocka_unit_test(test_ga_odd_but_accepted),
      cmocka_unit_test(test_oath_mix),
      cmocka_unit_test(test_oath_hostile_lines),
      cmocka_unit_test(test_store_is_idempotent),
      cmocka_unit_test(test_store_keeps_own_codes_without_a_set),
      cmocka_unit_test(test_store_replaces_only_when_asked),
      cmocka_unit_test(test_carried_last_step),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
