// SPDX-License-Identifier: BSD-3-Clause
// The pam_oath users-file parser: which lines become entries (TOTP with 6 or 8 digits and 30 or
// 60 s, or HOTP with 6 or 8 digits and its counter; no PIN) and why each other line is skipped,
// with its line number and never its key.
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>

#include "enroll/migrate/parsers/oath_users_file.h"
#include "tests/support/fixture.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

using namespace sshotp;
using namespace sshotp::cli;

namespace {

constexpr std::int64_t kNow = 1700000000;  // 2023-11-14T22:13:20Z

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

constexpr std::string_view kAliceHex = "3132333435363738393031323334353637383930";  // RFC key
constexpr std::string_view kBobHex = "00112233445566778899aabbccddeeff00112233";

std::string oath_mix() {
  return std::string("# pam_oath users\n") +                    // 1
         "HOTP/T30 alice - " + std::string(kAliceHex) + "\n" +  // 2
         "HOTP/T60/8\tbob\t+\t" + std::string(kBobHex) + "\t0\t12345678\t2023-11-14T22:13:20L\n" +
         "HOTP carol - " + std::string(kAliceHex) + " 7\n" +  // 4
         "HOTP/E/8 cathy - " + std::string(kAliceHex) + " 12 87654321 2023-11-14T22:13:20L\n" +
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
         "   # indented comment\n" +                                             // 17
         "HOTP/E uma - " + std::string(kAliceHex) + "\n" +                       // 18
         "HOTP/E/7 vic - " + std::string(kAliceHex) + "\n" +                     // 19
         "HOTP walt - " + std::string(kAliceHex) + " 281474976710656\n" +        // 20: 2^48
         "HOTP/E xena - " + std::string(kAliceHex) + " 3 -\n";                   // 21
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
  assert_int_equal(file.entries.size(), 6);
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
      {6, "has a PIN"},        {8, "malformed"},
      {9, "7-digit"},          {10, "unknown token type"},
      {11, "not hexadecimal"}, {12, "32 bits; at least 80"},
      {13, "line 2"},          {14, "malformed counter"},
      {15, "malformed time"},  {16, "malformed"},
      {19, "7-digit"},         {20, "counter beyond"},
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

// expect_token ENTRY USER DIGITS LAST: a counter-based entry, SHA1, whose last used counter is
// LAST (the next login expects LAST + 1).
void expect_token(const OathEntry& entry, const char* user, unsigned digits,
                  std::int64_t last_counter) {
  assert_string_equal(entry.user.c_str(), user);
  assert_int_equal(static_cast<int>(entry.params.kind()), static_cast<int>(OtpKind::hotp));
  assert_int_equal(static_cast<int>(entry.params.algorithm), static_cast<int>(Algorithm::sha1));
  assert_int_equal(entry.params.digits, digits);
  assert_true(entry.secret == test::rfc_sha1_key());
  assert_int_equal(entry.last_counter, last_counter);
}

// pam_oath's counters: COUNTER is the lowest counter still accepted until a login writes the
// counter it matched there, with that code as LAST-OTP, which it refuses next time. So an
// unused line's next counter is COUNTER, a used one's COUNTER + 1.
void test_oath_counters(void**) {
  OathFile file = parse_oath_usersfile(oath_mix());
  assert_int_equal(file.entries.size(), 6);
  expect_token(file.entries[2], "carol", 6, 6);   // never used: 7 is next
  expect_token(file.entries[3], "cathy", 8, 12);  // 12 was used: 13 is next
  expect_token(file.entries[4], "uma", 6, -1);    // no counter: 0 is next
  expect_token(file.entries[5], "xena", 6, 3);    // any LAST-OTP means used: a code never returns
  assert_int_equal(file.entries[0].last_counter, -1);  // time-based: no counter
  // The largest counter that still has a next one is taken.
  OathFile edge =
      parse_oath_usersfile("HOTP edge - " + std::string(kAliceHex) + " 281474976710655 123456\n");
  assert_int_equal(edge.entries.size(), 1);
  assert_int_equal(edge.entries[0].last_counter, 281474976710655);
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

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_oath_mix),
      cmocka_unit_test(test_oath_counters),
      cmocka_unit_test(test_oath_hostile_lines),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
