// SPDX-License-Identifier: BSD-3-Clause
// Unit tests of the text rules the module and sshotp-enroll share: the bounded number parser
// (config values, command-line counts, migrated files), trim (config and sshd_config lines) and
// the reading of a typed TOTP code (login and the CLI's confirmation: one answer for both).
#include <climits>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/text.h"
#include "common/typed_code.h"

// Last: cmocka defines macros such as fail() that break standard headers included after it.
#include "tests/support/cmocka.h"

namespace sshotp {
namespace {

void assert_number(std::string_view text, std::uint64_t min, std::uint64_t max,
                   std::uint64_t expected) {
  auto n = parse_number(text, min, max);
  assert_true(n.has_value());
  assert_true(*n == expected);
}

void test_parse_number_accepts_plain_digits(void**) {
  assert_number("0", 0, 10, 0);
  assert_number("7", 0, 10, 7);
  assert_number("007", 0, 10, 7);  // leading zeros are still the number
  assert_number("4294967296", 0, UINT64_MAX, 4294967296ULL);
  assert_number("18446744073709551615", 0, UINT64_MAX, UINT64_MAX);
}

void test_parse_number_refuses_everything_else(void**) {
  for (std::string_view bad :
       {std::string_view(""), std::string_view("+1"), std::string_view("-1"),
        std::string_view("-0"), std::string_view(" 1"), std::string_view("1 "),
        std::string_view("\t1"), std::string_view("1\n"), std::string_view("1x"),
        std::string_view("0x10"), std::string_view("1.5"), std::string_view("1e3"),
        std::string_view("１"),                                // a full-width digit
        std::string_view("18446744073709551616"),              // 2^64: overflow
        std::string_view("99999999999999999999999999999999"),  // far past it
        std::string_view("1\0"
                         "2",
                         3)}) {  // an embedded NUL
    assert_false(parse_number(bad, 0, UINT64_MAX).has_value());
  }
}

void test_parse_number_enforces_both_bounds(void**) {
  assert_false(parse_number("0", 1, 100).has_value());
  assert_number("1", 1, 100, 1);
  assert_number("100", 1, 100, 100);
  assert_false(parse_number("101", 1, 100).has_value());
  // What an `unsigned` cannot hold is out of range, not wrapped around.
  assert_false(parse_number("4294967296", 0, UINT_MAX).has_value());
  assert_number("4294967295", 0, UINT_MAX, UINT_MAX);
}

void test_trim_strips_blanks_at_both_ends_only(void**) {
  assert_true(trim("  a b \t\r") == "a b");
  assert_true(trim("\t\r key = v ") == "key = v");
  assert_true(trim("x") == "x");
  assert_true(trim(" \t\r ").empty());
  assert_true(trim("").empty());
  assert_true(trim("\na\n") == "\na\n");  // lines are split first: a newline is not a blank
}

void assert_code(std::string_view typed, unsigned digits, std::string_view expected) {
  auto code = normalise_totp_code(typed, digits);
  assert_true(code.has_value());
  assert_true(code->view() == expected);
}

void test_typed_code_ignores_spaces(void**) {
  assert_code("123456", 6, "123456");
  assert_code("123 456", 6, "123456");
  assert_code(" 12 34 56 ", 6, "123456");
  assert_code("1234 5678", 8, "12345678");
}

// The drift this pins: sshotp-enroll used to accept "123\t456" as a confirmation code while a
// login refused it. Both now read codes with this function, so both refuse it.
void test_typed_code_refuses_tabs_and_other_separators(void**) {
  for (std::string_view bad :
       {std::string_view("123\t456"), std::string_view("\t123456"), std::string_view("123456\t"),
        std::string_view("123-456"), std::string_view("123\n456"), std::string_view("123456\r"),
        std::string_view("123_456"),
        std::string_view("123\0"
                         "456",
                         7)}) {
    assert_false(normalise_totp_code(bad, 6).has_value());
  }
}

void test_typed_code_needs_exactly_the_digits(void**) {
  assert_false(normalise_totp_code("", 6).has_value());
  assert_false(normalise_totp_code("12345", 6).has_value());
  assert_false(normalise_totp_code("1234567", 6).has_value());
  assert_false(normalise_totp_code("123456", 8).has_value());
  assert_false(normalise_totp_code("12a456", 6).has_value());
  assert_false(normalise_totp_code("１２３４５６", 6).has_value());  // full-width digits
}

void test_typed_code_is_bounded_by_kMaxTypedCode(void**) {
  // The same limit as the verifier's and the CLI's line reader: padding counts.
  const std::string longest = std::string(kMaxTypedCode - 6, ' ') + "123456";
  assert_code(longest, 6, "123456");
  assert_false(normalise_totp_code(" " + longest, 6).has_value());
}

}  // namespace
}  // namespace sshotp

// One group per rule, so a failure names the rule it broke.
int main() {
  using namespace sshotp;
  const CMUnitTest numbers[] = {
      cmocka_unit_test(test_parse_number_accepts_plain_digits),
      cmocka_unit_test(test_parse_number_refuses_everything_else),
      cmocka_unit_test(test_parse_number_enforces_both_bounds),
  };
  const CMUnitTest blanks[] = {cmocka_unit_test(test_trim_strips_blanks_at_both_ends_only)};
  const CMUnitTest codes[] = {
      cmocka_unit_test(test_typed_code_ignores_spaces),
      cmocka_unit_test(test_typed_code_refuses_tabs_and_other_separators),
      cmocka_unit_test(test_typed_code_needs_exactly_the_digits),
      cmocka_unit_test(test_typed_code_is_bounded_by_kMaxTypedCode),
  };
  int failed = cmocka_run_group_tests_name("parse_number", numbers, nullptr, nullptr);
  failed += cmocka_run_group_tests_name("trim", blanks, nullptr, nullptr);
  failed += cmocka_run_group_tests_name("normalise_totp_code", codes, nullptr, nullptr);
  return failed;
}
