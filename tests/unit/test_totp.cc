// SPDX-License-Identifier: BSD-3-Clause
// Unit tests of common/totp: code generation and window matching against the published test
// vectors (RFC 6238 Appendix B for TOTP, RFC 4226 Appendix D for the underlying HOTP), plus
// parameter validation, algorithm names and the time-step arithmetic. The vectors are the
// oracle here; tests/unit/test_oracles.sh adds oathtool and pyotp on random inputs.
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/totp.h"
#include "tests/support/fixture.h"

// Last: cmocka defines macros such as fail() that break standard headers included after it.
#include "tests/support/cmocka.h"

namespace sshotp {
namespace {

constexpr unsigned kRfcPeriod = 30;

struct Rfc6238Vector {
  std::int64_t unix_time;
  Algorithm algorithm;
  const char* code;  // 8 digits
};

constexpr std::array<Rfc6238Vector, 18> kRfc6238Vectors = {{
    {59, Algorithm::sha1, "94287082"},
    {59, Algorithm::sha256, "46119246"},
    {59, Algorithm::sha512, "90693936"},
    {1111111109, Algorithm::sha1, "07081804"},
    {1111111109, Algorithm::sha256, "68084774"},
    {1111111109, Algorithm::sha512, "25091201"},
    {1111111111, Algorithm::sha1, "14050471"},
    {1111111111, Algorithm::sha256, "67062674"},
    {1111111111, Algorithm::sha512, "99943326"},
    {1234567890, Algorithm::sha1, "89005924"},
    {1234567890, Algorithm::sha256, "91819424"},
    {1234567890, Algorithm::sha512, "93441116"},
    {2000000000, Algorithm::sha1, "69279037"},
    {2000000000, Algorithm::sha256, "90698825"},
    {2000000000, Algorithm::sha512, "38618901"},
    {20000000000, Algorithm::sha1, "65353130"},
    {20000000000, Algorithm::sha256, "77737706"},
    {20000000000, Algorithm::sha512, "47863826"},
}};

using test::kRfc4226Codes;

// totp_match's answer as a plain value: the matched step, or -1 for "no match". The vectors'
// steps are all positive, so -1 cannot be mistaken for one.
std::int64_t matched_step(const SecureBytes& key, const OtpParams& params, std::int64_t unix_time,
                          unsigned window, std::string_view code) {
  auto match = totp_match(key, params, unix_time, window, code);
  assert_true(match.ok());
  return match->value_or(-1);
}

// One test per vector, so a failure names the vector. The state is the vector itself.
void check_rfc6238_vector(void** state) {
  const auto& vector = *static_cast<const Rfc6238Vector*>(*state);
  const SecureBytes key = test::rfc6238_key(vector.algorithm);
  const OtpParams params{vector.algorithm, 8, kRfcPeriod};
  const std::int64_t step = time_step(vector.unix_time, kRfcPeriod);
  const std::int64_t period = kRfcPeriod;

  auto code = totp_code(key, params, step);
  assert_true(code.ok());
  assert_string_equal(code->c_str(), vector.code);

  // The exact step matches even with no window.
  assert_int_equal(matched_step(key, params, vector.unix_time, 0, vector.code), step);
  assert_int_equal(matched_step(key, params, vector.unix_time, 1, vector.code), step);

  // Changing the last digit must break the match for every step in the window.
  std::string altered(vector.code);
  altered.back() = altered.back() == '9' ? '0' : static_cast<char>(altered.back() + 1);
  assert_int_equal(matched_step(key, params, vector.unix_time, 1, altered), -1);

  // Typed one step late: only a window of at least one step still finds it.
  const std::int64_t one_late = vector.unix_time + period;
  assert_int_equal(matched_step(key, params, one_late, 0, vector.code), -1);
  assert_int_equal(matched_step(key, params, one_late, 1, vector.code), step);
  assert_int_equal(matched_step(key, params, one_late, 2, vector.code), step);

  // One step early (the client's clock is ahead) is symmetric.
  const std::int64_t one_early = vector.unix_time - period;
  assert_int_equal(matched_step(key, params, one_early, 0, vector.code), -1);
  assert_int_equal(matched_step(key, params, one_early, 1, vector.code), step);

  // Two steps late is outside a window of one.
  assert_int_equal(matched_step(key, params, vector.unix_time + 2 * period, 1, vector.code), -1);
}

void test_totp_code_matches_rfc4226_hotp_vectors(void**) {
  // With T0 = 0, TOTP at step N is HOTP with counter N, so the HOTP table checks the counter
  // encoding and the dynamic truncation on their own.
  const SecureBytes key = test::rfc_sha1_key();
  const OtpParams params{Algorithm::sha1, 6, kRfcPeriod};
  for (std::size_t counter = 0; counter < kRfc4226Codes.size(); ++counter) {
    auto code = totp_code(key, params, static_cast<std::int64_t>(counter));
    assert_true(code.ok());
    assert_string_equal(code->c_str(), kRfc4226Codes[counter]);
  }
}

void test_totp_match_finds_hotp_counter_in_window(void**) {
  // At t = 5 * 30 + 1 the current step is 5; with window 2, steps 3..7 are candidates.
  const SecureBytes key = test::rfc_sha1_key();
  const OtpParams params{Algorithm::sha1, 6, kRfcPeriod};
  const std::int64_t now = 5 * kRfcPeriod + 1;
  for (std::int64_t step = 3; step <= 7; ++step) {
    assert_int_equal(
        matched_step(key, params, now, 2, kRfc4226Codes[static_cast<std::size_t>(step)]), step);
  }
  assert_int_equal(matched_step(key, params, now, 2, kRfc4226Codes[2]), -1);
  assert_int_equal(matched_step(key, params, now, 2, kRfc4226Codes[8]), -1);
  assert_int_equal(matched_step(key, params, now, 0, kRfc4226Codes[4]), -1);
}

void test_totp_match_rejects_other_digit_count(void**) {
  // A 6-digit prefix of the 8-digit code must not match an 8-digit enrollment.
  const SecureBytes key = test::rfc_sha1_key();
  const OtpParams params{Algorithm::sha1, 8, kRfcPeriod};
  assert_int_equal(matched_step(key, params, 59, 1, "942870"), -1);
  assert_int_equal(matched_step(key, params, 59, 1, "94287082"), 1);
}

void test_totp_match_works_at_the_epoch(void**) {
  // In the first step of 1970 the window reaches back before step 0; that must neither fail
  // nor hide the current step.
  const SecureBytes key = test::rfc_sha1_key();
  const OtpParams params{Algorithm::sha1, 6, kRfcPeriod};
  assert_int_equal(matched_step(key, params, 0, 1, kRfc4226Codes[0]), 0);
  assert_int_equal(matched_step(key, params, 10, 1, kRfc4226Codes[1]), 1);
}

void test_totp_validate_params_accepts_supported(void**) {
  for (unsigned digits : {6U, 8U}) {
    for (unsigned period : {15U, 30U, 60U, 120U}) {
      assert_true(validate_params(OtpParams{Algorithm::sha256, digits, period}).ok());
    }
  }
}

void test_totp_validate_params_rejects_digits(void**) {
  for (unsigned digits : {0U, 5U, 7U, 9U, 10U}) {
    auto st = validate_params(OtpParams{Algorithm::sha1, digits, 30});
    assert_false(st.ok());
    assert_int_equal(st.error().code, Errc::invalid_argument);
    assert_non_null(std::strstr(st.error().message.c_str(), "digits"));
  }
}

void test_totp_validate_params_rejects_period(void**) {
  // 0 is not among them: it marks a counter-based enrollment (test_hotp).
  for (unsigned period : {1U, 10U, 14U, 121U, 3600U}) {
    auto st = validate_params(OtpParams{Algorithm::sha1, 6, period});
    assert_false(st.ok());
    assert_int_equal(st.error().code, Errc::invalid_argument);
    assert_non_null(std::strstr(st.error().message.c_str(), "period"));
  }
}

void test_totp_code_refuses_invalid_params(void**) {
  // Period 0 (a counter-based enrollment) would divide by zero further down; digits 7 is not
  // what any app shows.
  const SecureBytes key = test::rfc_sha1_key();
  for (const OtpParams& params :
       {OtpParams{Algorithm::sha1, 7, 30}, OtpParams{Algorithm::sha1, 6, 0},
        OtpParams{Algorithm::sha1, 6, 121}}) {
    auto code = totp_code(key, params, 1);
    assert_false(code.ok());
    assert_int_equal(code.error().code, Errc::invalid_argument);
    auto match = totp_match(key, params, 59, 1, "1234567");
    assert_false(match.ok());
  }
}

void test_totp_algorithm_name_round_trips(void**) {
  for (Algorithm a : {Algorithm::sha1, Algorithm::sha256, Algorithm::sha512}) {
    auto parsed = parse_algorithm(algorithm_name(a));
    assert_true(parsed.has_value());
    assert_int_equal(*parsed, a);
  }
  assert_string_equal(algorithm_name(Algorithm::sha1), "SHA1");
  assert_string_equal(algorithm_name(Algorithm::sha256), "SHA256");
  assert_string_equal(algorithm_name(Algorithm::sha512), "SHA512");
}

void test_totp_parse_algorithm_ignores_case(void**) {
  assert_int_equal(parse_algorithm("sha1").value(), Algorithm::sha1);
  assert_int_equal(parse_algorithm("Sha256").value(), Algorithm::sha256);
  assert_int_equal(parse_algorithm("sHA512").value(), Algorithm::sha512);
}

void test_totp_parse_algorithm_rejects_unknown(void**) {
  for (std::string_view name :
       {"", "MD5", "SHA", "SHA2", "SHA-1", "SHA1 ", " SHA1", "SHA12", "SHA5120", "SHA3-256"}) {
    assert_false(parse_algorithm(name).has_value());
  }
  // A NUL inside the name must not let a prefix comparison succeed.
  assert_false(parse_algorithm(std::string_view("SHA1\0xx", 7)).has_value());
}

void test_totp_time_step_floors(void**) {
  assert_int_equal(time_step(0, 30), 0);
  assert_int_equal(time_step(29, 30), 0);
  assert_int_equal(time_step(30, 30), 1);
  assert_int_equal(time_step(59, 30), 1);
  assert_int_equal(time_step(60, 30), 2);
  assert_int_equal(time_step(59, 60), 0);
  assert_int_equal(time_step(60, 60), 1);
  assert_int_equal(time_step(1111111109, 30), 37037036);
  assert_int_equal(time_step(2147483647, 30), 71582788);
  assert_int_equal(time_step(20000000000, 30), 666666666);
}

int run_unit_tests() {
  // The RFC 6238 cases get generated names (test_totp_rfc6238_sha256_at_1111111109), which
  // cmocka_run_group_tests' array-literal form cannot express.
  std::vector<std::string> names;
  names.reserve(kRfc6238Vectors.size());
  for (const auto& v : kRfc6238Vectors) {
    std::string alg = algorithm_name(v.algorithm);
    for (char& c : alg) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    names.push_back("test_totp_rfc6238_" + alg + "_at_" + std::to_string(v.unix_time));
  }
  std::vector<CMUnitTest> tests;
  for (std::size_t i = 0; i < kRfc6238Vectors.size(); ++i) {
    tests.push_back(CMUnitTest{names[i].c_str(), check_rfc6238_vector, nullptr, nullptr,
                               const_cast<Rfc6238Vector*>(&kRfc6238Vectors[i])});
  }
  static const CMUnitTest kFixedTests[] = {
      cmocka_unit_test(test_totp_code_matches_rfc4226_hotp_vectors),
      cmocka_unit_test(test_totp_match_finds_hotp_counter_in_window),
      cmocka_unit_test(test_totp_match_rejects_other_digit_count),
      cmocka_unit_test(test_totp_match_works_at_the_epoch),
      cmocka_unit_test(test_totp_validate_params_accepts_supported),
      cmocka_unit_test(test_totp_validate_params_rejects_digits),
      cmocka_unit_test(test_totp_validate_params_rejects_period),
      cmocka_unit_test(test_totp_code_refuses_invalid_params),
      cmocka_unit_test(test_totp_algorithm_name_round_trips),
      cmocka_unit_test(test_totp_parse_algorithm_ignores_case),
      cmocka_unit_test(test_totp_parse_algorithm_rejects_unknown),
      cmocka_unit_test(test_totp_time_step_floors),
  };
  tests.insert(tests.end(), std::begin(kFixedTests), std::end(kFixedTests));
  return _cmocka_run_group_tests("totp", tests.data(), tests.size(), nullptr, nullptr);
}

}  // namespace
}  // namespace sshotp

int main() { return sshotp::run_unit_tests(); }
