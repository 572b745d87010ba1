// SPDX-License-Identifier: BSD-3-Clause
// The google-authenticator state-file parser and its migration plan, on a file the real tool
// wrote and on hostile input: refusals name the line and never quote the key. The pam_oath
// parser is in test_migrate_oath.cc, storing a migrated user in test_migrate.cc;
// tests/cli/test_migrate.sh drives the same code through the CLI with files made by the real
// google-authenticator tool.
#include <string>
#include <string_view>
#include <vector>

#include "enroll/migrate/parsers/google_authenticator_file.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

using namespace sshotp;
using namespace sshotp::cli;

namespace {

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

// The config's windows: one step either side (time-based), ten presses ahead (counter-based).
constexpr GaWindows kWindows{1, 10};

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
  assert_false(file.hotp_counter.has_value());
  assert_int_equal(file.step_size, 30);
  assert_int_equal(file.window_size, 3);
  assert_int_equal(*file.rate_limit_line, 2);
  assert_int_equal(*file.disallow_reuse_line, 4);
  assert_int_equal(*file.newest_used_step, 56666665);
  assert_int_equal(file.scratch_codes.size(), 3);
  assert_string_equal(std::string(file.scratch_codes[1].view()).c_str(), "10069582");

  auto plan = plan_google_authenticator(file, kWindows);
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
  auto plan = plan_google_authenticator(file, kWindows);
  assert_true(plan.ok());
  assert_int_equal(plan->params.period, 45);
  assert_true(any_contains(plan->warnings, "WINDOW_SIZE 17"));
  assert_true(any_contains(plan->warnings, "8 steps before to 8 after"));
  assert_true(any_contains(plan->warnings, "further off will be refused"));
  assert_true(any_contains(plan->warnings, "no scratch codes"));
  // A wider window here than there is still a difference worth a word, without the threat.
  auto wide = plan_google_authenticator(parsed_ga(ga_with("\" TOTP_AUTH\n")), {2, 10});
  assert_true(any_contains(wide->warnings, "accepts 2 either side"));
  assert_false(any_contains(wide->warnings, "further off"));
}

// As `google-authenticator -c -f -C -r 3 -R 30 -w 3 -e 2` writes it (a throwaway key): the
// counter it writes is the next one the module accepts (a match at N + i writes N + i + 1).
constexpr std::string_view kGaCounterFile =
    "EP3J4IXF224O34A2D5MOJKQ5JY\n"
    "\" RATE_LIMIT 3 30\n"
    "\" WINDOW_SIZE 3\n"
    "\" HOTP_COUNTER 1\n"
    "22300585\n"
    "86920865\n";

void test_ga_counter_based(void**) {
  GaFile file = parsed_ga(kGaCounterFile);
  assert_int_equal(*file.hotp_counter, 1);
  assert_int_equal(file.scratch_codes.size(), 2);
  auto plan = plan_google_authenticator(file, kWindows);
  assert_true(plan.ok());
  assert_int_equal(static_cast<int>(plan->params.kind()), static_cast<int>(OtpKind::hotp));
  assert_int_equal(static_cast<int>(plan->params.algorithm), static_cast<int>(Algorithm::sha1));
  assert_int_equal(plan->params.digits, 6);
  // The module looked 2 presses ahead (WINDOW_SIZE 3), pam_sshotp's hotp_window 10.
  assert_true(any_contains(plan->warnings, "up to 2 presses ahead"));
  assert_true(any_contains(plan->warnings, "hotp_window setting accepts 10"));
  assert_false(any_contains(plan->warnings, "resync"));
  auto narrow = plan_google_authenticator(file, {1, 1});
  assert_true(any_contains(narrow->warnings, "`sshotp-enroll resync`"));
  assert_false(any_contains(plan_google_authenticator(file, {1, 2})->warnings, "WINDOW_SIZE"));
  // HOTP wins over TOTP_AUTH, as in the module.
  auto both =
      plan_google_authenticator(parsed_ga(ga_with("\" TOTP_AUTH\n\" HOTP_COUNTER 4\n")), kWindows);
  assert_true(both.ok());
  assert_int_equal(both->params.period, kCounterBased);
  assert_int_equal(*parsed_ga(ga_with("\" HOTP_COUNTER 281474976710656\n")).hotp_counter,
                   281474976710656);
  expect_ga_refused(ga_with("\" HOTP_COUNTER 0\n"), "line 2: HOTP_COUNTER must be a number from 1");
  expect_ga_refused(ga_with("\" HOTP_COUNTER\n"), "HOTP_COUNTER");
  expect_ga_refused(ga_with("\" HOTP_COUNTER -1\n"), "HOTP_COUNTER");
  expect_ga_refused(ga_with("\" HOTP_COUNTER 281474976710657\n"), "HOTP_COUNTER");
}

void test_ga_unsupported_setups(void**) {
  auto neither = plan_google_authenticator(parsed_ga(ga_with("12345678\n")), kWindows);
  assert_false(neither.ok());
  assert_true(contains(neither.error().message, "neither TOTP_AUTH nor HOTP_COUNTER"));
  auto short_step =
      plan_google_authenticator(parsed_ga(ga_with("\" STEP_SIZE 10\n\" TOTP_AUTH\n")), kWindows);
  assert_false(short_step.ok());
  assert_true(contains(short_step.error().message, "STEP_SIZE 10"));
}

void test_ga_key_length(void**) {
  auto weak = plan_google_authenticator(parsed_ga("GEZDGNBVGY3TQOJQ\n\" TOTP_AUTH\n"), kWindows);
  assert_true(weak.ok());
  assert_true(any_contains(weak->warnings, "80 bits"));
  auto too_short = plan_google_authenticator(parsed_ga("GEZDGNBVGY3TQ\n\" TOTP_AUTH\n"), kWindows);
  // A token's key is checked alike.
  assert_false(
      plan_google_authenticator(parsed_ga("GEZDGNBVGY3TQ\n\" HOTP_COUNTER 1\n"), kWindows).ok());
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
  auto plan = plan_google_authenticator(file, kWindows);
  assert_true(plan.ok());
  assert_true(any_contains(plan->warnings, "line 3: option FUTURE_THING is not carried over"));
  assert_true(any_contains(plan->warnings, "line 4: an unrecognised option line"));
  assert_true(any_contains(plan->warnings, "line 5: an unrecognised option line"));
  assert_true(any_contains(plan->warnings, "TIME_SKEW (line 6) is not carried over"));
  assert_true(any_contains(plan->warnings, "1 scratch code line repeated"));
  assert_false(any_contains(plan->warnings, "RESETTING"));
}

// A number the file gives (here a TIME_SKEW) may equal a scratch code, so warnings quote line
// numbers and option names, never values. Found by fuzz_migrate_ga.
void test_ga_warnings_quote_no_value(void**) {
  GaFile file = parsed_ga(ga_with("\" TOTP_AUTH\n11111111\n\" TIME_SKEW -11111111\n"));
  auto plan = plan_google_authenticator(file, kWindows);
  assert_true(plan.ok());
  assert_true(any_contains(plan->warnings, "TIME_SKEW (line 4)"));
  assert_false(any_contains(plan->warnings, "11111111"));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ga_real_file),
      cmocka_unit_test(test_ga_crlf_and_blank_lines),
      cmocka_unit_test(test_ga_step_and_window),
      cmocka_unit_test(test_ga_counter_based),
      cmocka_unit_test(test_ga_unsupported_setups),
      cmocka_unit_test(test_ga_key_length),
      cmocka_unit_test(test_ga_hostile_files),
      cmocka_unit_test(test_ga_odd_but_accepted),
      cmocka_unit_test(test_ga_warnings_quote_no_value),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
