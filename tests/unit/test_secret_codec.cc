// SPDX-License-Identifier: BSD-3-Clause
// Unit tests of how secrets are carried and written down: base32 (checked against the RFC 4648
// §10 vectors), hex keys, the otpauth:// Key URI that enrollment turns into a QR code, and the
// SecretString / ct_equal primitives every secret passes through.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "common/base32.h"
#include "common/crypto.h"
#include "common/hex.h"
#include "common/otpauth_uri.h"
#include "common/secret.h"
#include "common/totp.h"
#include "tests/support/fixture.h"

// Last: cmocka defines macros such as fail() that break standard headers included after it.
#include "tests/support/cmocka.h"

namespace sshotp {
namespace {

std::string string_of(const SecureBytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

struct Base32Vector {
  const char* plain;
  const char* unpadded;
  const char* padded;
};

// RFC 4648 §10, minus the empty string (a TOTP key is never empty; decoding "" is an error).
constexpr std::array<Base32Vector, 6> kRfc4648Vectors = {{
    {"f", "MY", "MY======"},
    {"fo", "MZXQ", "MZXQ===="},
    {"foo", "MZXW6", "MZXW6==="},
    {"foob", "MZXW6YQ", "MZXW6YQ="},
    {"fooba", "MZXW6YTB", "MZXW6YTB"},
    {"foobar", "MZXW6YTBOI", "MZXW6YTBOI======"},
}};

std::string decoded(std::string_view text) {
  auto bytes = base32_decode(text);
  assert_true(bytes.ok());
  return string_of(*bytes);
}

void assert_decode_rejected(std::string_view text) {
  auto bytes = base32_decode(text);
  assert_false(bytes.ok());
  assert_int_equal(bytes.error().code, Errc::invalid_argument);
}

void test_base32_encode_matches_rfc4648_without_padding(void**) {
  for (const Base32Vector& v : kRfc4648Vectors) {
    auto text = base32_encode(test::bytes_of(v.plain));
    assert_true(text.ok());
    assert_string_equal(text->c_str(), v.unpadded);
  }
}

void test_base32_decode_matches_rfc4648_padded_or_not(void**) {
  for (const Base32Vector& v : kRfc4648Vectors) {
    assert_string_equal(decoded(v.unpadded).c_str(), v.plain);
    assert_string_equal(decoded(v.padded).c_str(), v.plain);
  }
}

void test_base32_decode_accepts_what_users_paste(void**) {
  assert_string_equal(decoded("mzxw6ytboi").c_str(), "foobar");
  assert_string_equal(decoded("MzXw6YtBoI").c_str(), "foobar");
  assert_string_equal(decoded("MZXW 6YTB OI").c_str(), "foobar");
  assert_string_equal(decoded(" mzxw 6ytb oi====== \n").c_str(), "foobar");
  assert_string_equal(decoded("MZXW-6YTB-OI").c_str(), "foobar");
}

void test_base32_decode_rejects_invalid_characters(void**) {
  // '0', '1', '8', '9' are not in the RFC 4648 alphabet (they look like O, I, B, g).
  for (std::string_view bad :
       {"MZ1Q", "MZ0Q", "MZ8Q", "MZ9Q", "MZ!Q", "MZ?Q", "MZXW6YTBO\xc3\xa9", "M", "MZX"}) {
    assert_decode_rejected(bad);
  }
}

void test_base32_decode_rejects_nul_byte(void**) {
  // liboath would stop at the NUL and decode a shorter key than the one given.
  assert_decode_rejected(std::string_view("MZXQ\0MZXQ", 9));
  assert_decode_rejected(std::string_view("\0", 1));
}

void test_base32_decode_rejects_empty(void**) {
  for (std::string_view empty : {"", " ", "========", " \n\t"}) assert_decode_rejected(empty);
}

void test_base32_round_trips_random_keys(void**) {
  for (std::size_t n : {10U, 16U, 20U, 32U, 64U}) {
    auto key = random_bytes(n);
    assert_true(key.ok());
    auto text = base32_encode(*key);
    assert_true(text.ok());
    assert_int_equal(text->view().find('='), std::string_view::npos);
    auto back = base32_decode(text->view());
    assert_true(back.ok());
    assert_true(*back == *key);
  }
}

void test_hex_decode_accepts_case_and_spaces(void**) {
  for (std::string_view text : {"48656c6c6f21dead", "48656C6C6F21DEAD", "4865 6c6c 6f21 dead",
                                "48 65 6c 6c 6f 21 de ad", "\t48656c6c6f21dead "}) {
    auto bytes = hex_decode(text);
    assert_true(bytes.ok());
    assert_string_equal(string_of(*bytes).c_str(), "Hello!\xde\xad");
  }
}

void test_hex_decode_rejects_what_is_not_hex(void**) {
  // An odd digit count, a non-hex letter, a separator other than a space, a NUL, nothing.
  for (std::string_view text :
       {std::string_view("48656"), std::string_view("48656g"), std::string_view("48:65"),
        std::string_view("0x4865"), std::string_view("48\00065", 5),  // "48", NUL, "65"
        std::string_view(""), std::string_view("  ")}) {
    auto bytes = hex_decode(text);
    assert_false(bytes.ok());
    assert_int_equal(static_cast<int>(bytes.error().code),
                     static_cast<int>(Errc::invalid_argument));
  }
}

std::string uri(std::string_view issuer, std::string_view user, const OtpParams& params = {},
                std::int64_t next_counter = 0) {
  return std::string(otpauth_uri(issuer, user, "JBSWY3DPEHPK3PXP", params, next_counter).view());
}

void test_otpauth_uri_defaults_add_no_parameters(void**) {
  assert_string_equal(uri("Example", "alice").c_str(),
                      "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example");
}

void test_otpauth_uri_appends_each_non_default(void**) {
  assert_string_equal(
      uri("Example", "alice", OtpParams{Algorithm::sha256, 6, 30}).c_str(),
      "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example&algorithm=SHA256");
  assert_string_equal(
      uri("Example", "alice", OtpParams{Algorithm::sha1, 8, 30}).c_str(),
      "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example&digits=8");
  assert_string_equal(
      uri("Example", "alice", OtpParams{Algorithm::sha1, 6, 60}).c_str(),
      "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example&period=60");
  assert_string_equal(uri("Example", "alice", OtpParams{Algorithm::sha512, 8, 60}).c_str(),
                      "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example"
                      "&algorithm=SHA512&digits=8&period=60");
}

void test_otpauth_uri_of_hotp_has_its_counter(void**) {
  // Counter-based: the hotp type, always a counter (the Key URI format requires it), no period.
  assert_string_equal(
      uri("Example", "alice", OtpParams{Algorithm::sha1, 6, kCounterBased}).c_str(),
      "otpauth://hotp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example&counter=0");
  assert_string_equal(
      uri("Example", "alice", OtpParams{Algorithm::sha256, 8, kCounterBased}, 281474976710656)
          .c_str(),
      "otpauth://hotp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example&algorithm=SHA256"
      "&digits=8&counter=281474976710656");
  // A time-based enrollment never gets a counter, whatever is passed.
  assert_string_equal(uri("Example", "alice", OtpParams{}, 42).c_str(),
                      "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example");
}

void test_otpauth_uri_percent_encodes_issuer_and_user(void**) {
  // ':' separates issuer from user in the label and '&' separates parameters, so both must be
  // encoded; spaces are %20 (not '+', which apps would show literally); UTF-8 byte by byte.
  assert_string_equal(uri("ACME Co: R&D", "alice@example.com").c_str(),
                      "otpauth://totp/ACME%20Co%3A%20R%26D:alice%40example.com"
                      "?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co%3A%20R%26D");
  assert_string_equal(uri("Z\xc3\xbcrich", "j\xc3\xb6rg m").c_str(),
                      "otpauth://totp/Z%C3%BCrich:j%C3%B6rg%20m"
                      "?secret=JBSWY3DPEHPK3PXP&issuer=Z%C3%BCrich");
}

void test_otpauth_uri_percent_encode_keeps_only_unreserved(void**) {
  assert_string_equal(uri_percent_encode("AZaz09-._~").c_str(), "AZaz09-._~");
  assert_string_equal(uri_percent_encode("/?#[]=+%\"").c_str(), "%2F%3F%23%5B%5D%3D%2B%25%22");
  assert_string_equal(uri_percent_encode(std::string_view("\0\x7f\xff", 3)).c_str(), "%00%7F%FF");
  assert_string_equal(uri_percent_encode("").c_str(), "");
}

void test_secret_string_move_leaves_source_empty(void**) {
  // Both a short (inline) and a long (heap) value: the two live in different places.
  for (std::string_view text : {std::string_view("123456"),
                                std::string_view("a secret far longer than the inline buffer")}) {
    SecretString source(text);
    SecretString moved(std::move(source));
    assert_true(source.empty());  // NOLINT(bugprone-use-after-move): the point of the test
    assert_int_equal(source.size(), 0);
    assert_true(moved.view() == text);

    SecretString assigned("old value");
    assigned = std::move(moved);
    assert_true(moved.empty());  // NOLINT(bugprone-use-after-move)
    assert_true(assigned.view() == text);
  }
}

void test_secret_string_push_back_growth_keeps_content(void**) {
  SecretString grown;
  std::string expected;
  for (int i = 0; i < 1000; ++i) {
    const char c = static_cast<char>('a' + i % 26);
    grown.push_back(c);
    expected.push_back(c);
    assert_int_equal(grown.size(), expected.size());
  }
  assert_true(grown.view() == expected);
  assert_string_equal(grown.c_str(), expected.c_str());
}

void test_secret_string_wipe_empties(void**) {
  SecretString s("987654");
  s.wipe();
  assert_true(s.empty());
  assert_string_equal(s.c_str(), "");
  s.push_back('1');  // still usable afterwards
  assert_true(s.view() == "1");
}

void test_ct_equal_compares_contents_and_lengths(void**) {
  assert_true(ct_equal("", ""));
  assert_true(ct_equal("123456", "123456"));
  assert_false(ct_equal("123456", "023456"));  // first byte differs
  assert_false(ct_equal("123456", "123457"));  // last byte differs
  assert_false(ct_equal("123456", "12345"));   // a prefix is not equal
  assert_false(ct_equal("12345", "123456"));
  assert_false(ct_equal("", "1"));
  // Embedded NULs count like any other byte.
  assert_false(ct_equal(std::string_view("12\0"
                                         "456",
                                         6),
                        std::string_view("12\0"
                                         "457",
                                         6)));
  assert_true(ct_equal(std::string_view("12\0"
                                        "456",
                                        6),
                       std::string_view("12\0"
                                        "456",
                                        6)));
}

int run_unit_tests() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_base32_encode_matches_rfc4648_without_padding),
      cmocka_unit_test(test_base32_decode_matches_rfc4648_padded_or_not),
      cmocka_unit_test(test_base32_decode_accepts_what_users_paste),
      cmocka_unit_test(test_base32_decode_rejects_invalid_characters),
      cmocka_unit_test(test_base32_decode_rejects_nul_byte),
      cmocka_unit_test(test_base32_decode_rejects_empty),
      cmocka_unit_test(test_base32_round_trips_random_keys),
      cmocka_unit_test(test_hex_decode_accepts_case_and_spaces),
      cmocka_unit_test(test_hex_decode_rejects_what_is_not_hex),
      cmocka_unit_test(test_otpauth_uri_defaults_add_no_parameters),
      cmocka_unit_test(test_otpauth_uri_appends_each_non_default),
      cmocka_unit_test(test_otpauth_uri_of_hotp_has_its_counter),
      cmocka_unit_test(test_otpauth_uri_percent_encodes_issuer_and_user),
      cmocka_unit_test(test_otpauth_uri_percent_encode_keeps_only_unreserved),
      cmocka_unit_test(test_secret_string_move_leaves_source_empty),
      cmocka_unit_test(test_secret_string_push_back_growth_keeps_content),
      cmocka_unit_test(test_secret_string_wipe_empties),
      cmocka_unit_test(test_ct_equal_compares_contents_and_lengths),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

}  // namespace
}  // namespace sshotp

int main() { return sshotp::run_unit_tests(); }
