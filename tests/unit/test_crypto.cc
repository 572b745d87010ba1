// SPDX-License-Identifier: BSD-3-Clause
// Unit tests of common/crypto: AES-256-GCM sealing of TOTP secrets (round trip, fresh IVs, and
// that every kind of tampering is detected), the key file's checks, its first-use creation, and
// the random source.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/crypto.h"
#include "tests/support/env_state.h"
#include "tests/support/fixture.h"

// Last: cmocka defines macros such as fail() that break standard headers included after it.
#include "tests/support/cmocka.h"

namespace sshotp {
namespace {

// The blob layout from crypto.h: version(1) | iv(12) | ciphertext | tag(16).
constexpr std::size_t kIvOffset = 1;
constexpr std::size_t kIvBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kOverhead = 1 + kIvBytes + kTagBytes;

SecureBytes fresh_random(std::size_t n) {
  auto bytes = random_bytes(n);
  assert_true(bytes.ok());
  assert_int_equal(bytes->size(), n);
  return std::move(bytes).value();
}

SealedBlob sealed(const SecureBytes& key, const SecureBytes& plain, std::string_view aad) {
  auto blob = seal(key, plain, aad);
  assert_true(blob.ok());
  assert_int_equal(blob->size(), plain.size() + kOverhead);
  return std::move(blob).value();
}

void assert_unseal_refused(const SecureBytes& key, const SealedBlob& blob, std::string_view aad) {
  auto plain = unseal(key, blob, aad);
  assert_false(plain.ok());
  assert_int_equal(plain.error().code, Errc::crypto);
}

// Names the part of the blob a byte offset falls in, for failure messages.
const char* region_of(std::size_t offset, std::size_t blob_size) {
  if (offset == 0) return "version";
  if (offset < kIvOffset + kIvBytes) return "iv";
  if (offset < blob_size - kTagBytes) return "ciphertext";
  return "tag";
}

void test_crypto_seal_unseal_round_trip(void**) {
  const SecureBytes key = fresh_random(kKeyBytes);
  for (std::size_t n : {1U, 10U, 20U, 32U, 64U, 1000U}) {
    const SecureBytes plain = fresh_random(n);
    const SealedBlob blob = sealed(key, plain, secret_aad("alice"));
    assert_int_equal(blob[0], 1);  // format version
    auto back = unseal(key, blob, secret_aad("alice"));
    assert_true(back.ok());
    assert_true(*back == plain);
  }
}

void test_crypto_seal_uses_fresh_iv(void**) {
  // A repeated IV under one key breaks GCM completely; sealing the same secret twice must give
  // different IVs and so different ciphertexts and tags.
  const SecureBytes key = fresh_random(kKeyBytes);
  const SecureBytes plain = fresh_random(20);
  const SealedBlob a = sealed(key, plain, "aad");
  const SealedBlob b = sealed(key, plain, "aad");
  assert_true(a != b);
  assert_false(
      std::equal(a.begin() + kIvOffset, a.begin() + kIvOffset + kIvBytes, b.begin() + kIvOffset));
  // The ciphertext is not the plaintext.
  assert_false(std::equal(plain.begin(), plain.end(), a.begin() + kIvOffset + kIvBytes));
}

void test_crypto_unseal_refuses_wrong_aad(void**) {
  // The AAD binds a secret to its user: alice's row copied to bob's must not open.
  const SecureBytes key = fresh_random(kKeyBytes);
  const SealedBlob blob = sealed(key, fresh_random(20), secret_aad("alice"));
  assert_unseal_refused(key, blob, secret_aad("bob"));
  assert_unseal_refused(key, blob, secret_aad("alic"));
  assert_unseal_refused(key, blob, secret_aad("alice "));
  assert_unseal_refused(key, blob, "");
}

void test_crypto_secret_aad_differs_per_user(void**) {
  assert_true(secret_aad("alice") != secret_aad("bob"));
  assert_true(secret_aad("alice") != secret_aad(""));
  assert_true(secret_aad("alice").find("alice") != std::string::npos);
}

void test_crypto_unseal_refuses_wrong_key(void**) {
  const SecureBytes key = fresh_random(kKeyBytes);
  const SealedBlob blob = sealed(key, fresh_random(20), "aad");
  assert_unseal_refused(fresh_random(kKeyBytes), blob, "aad");
  SecureBytes one_bit_off = key;
  one_bit_off[31] ^= 0x01;
  assert_unseal_refused(one_bit_off, blob, "aad");
}

void test_crypto_refuses_bad_key_length(void**) {
  const SecureBytes key = fresh_random(kKeyBytes);
  const SealedBlob blob = sealed(key, fresh_random(20), "aad");
  for (std::size_t n : {0U, 16U, 31U, 33U}) {
    const SecureBytes bad = fresh_random(n);
    auto blob2 = seal(bad, fresh_random(20), "aad");
    assert_false(blob2.ok());
    assert_int_equal(blob2.error().code, Errc::crypto);
    assert_unseal_refused(bad, blob, "aad");
  }
}

void test_crypto_unseal_refuses_any_flipped_bit(void**) {
  // Every byte of every region (version, iv, ciphertext, tag), lowest and highest bit.
  const SecureBytes key = fresh_random(kKeyBytes);
  const SealedBlob blob = sealed(key, fresh_random(20), "aad");
  for (std::size_t offset = 0; offset < blob.size(); ++offset) {
    for (std::uint8_t bit : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
      SealedBlob tampered = blob;
      tampered[offset] ^= bit;
      auto plain = unseal(key, tampered, "aad");
      if (plain.ok()) {
        print_error("flipped bit 0x%02x at offset %zu (%s) was accepted\n", bit, offset,
                    region_of(offset, blob.size()));
      }
      assert_false(plain.ok());
      assert_int_equal(plain.error().code, Errc::crypto);
    }
  }
}

void test_crypto_unseal_refuses_truncated_or_extended_blob(void**) {
  const SecureBytes key = fresh_random(kKeyBytes);
  const SealedBlob blob = sealed(key, fresh_random(20), "aad");
  for (std::size_t n = 0; n < blob.size(); ++n) {
    assert_unseal_refused(key, SealedBlob(blob.begin(), blob.begin() + static_cast<long>(n)),
                          "aad");
  }
  SealedBlob longer = blob;
  longer.push_back(0);
  assert_unseal_refused(key, longer, "aad");
}

void assert_key_unavailable(const std::string& path) {
  auto key = load_key_file(path);
  assert_false(key.ok());
  assert_int_equal(key.error().code, Errc::unavailable);
}

void test_crypto_key_file_loads_exact_bytes(void** state) {
  const std::string path = test::env_state(state).dir + "/exact.key";
  const std::string bytes(kKeyBytes, '\x5a');
  test::write_file(path, bytes, 0600);
  auto key = load_key_file(path);
  assert_true(key.ok());
  assert_true(std::string(key->begin(), key->end()) == bytes);
}

void test_crypto_key_file_missing_is_unavailable(void** state) {
  assert_key_unavailable(test::env_state(state).dir + "/missing.key");
}

void test_crypto_key_file_wrong_size_is_unavailable(void** state) {
  const std::string path = test::env_state(state).dir + "/sized.key";
  for (std::size_t n : {0U, 1U, 31U, 33U, 64U}) {
    test::write_file(path, std::string(n, 'k'), 0600);
    assert_key_unavailable(path);
  }
}

void test_crypto_key_file_group_or_other_bits_are_unavailable(void** state) {
  const std::string path = test::env_state(state).dir + "/loose.key";
  for (unsigned mode : {0640U, 0604U, 0644U, 0660U, 0610U}) {
    test::write_file(path, std::string(kKeyBytes, 'k'), mode);
    assert_key_unavailable(path);
  }
}

void test_crypto_key_file_symlink_is_unavailable(void** state) {
  const test::TestEnv& env = test::env_state(state);
  const std::string link = env.dir + "/link.key";
  assert_int_equal(symlink(env.key_path.c_str(), link.c_str()), 0);
  assert_true(load_key_file(env.key_path).ok());  // the target itself is fine
  assert_key_unavailable(link);
  // load_or_create must neither follow it nor replace it.
  auto key = load_or_create_key_file(link);
  assert_false(key.ok());
  struct stat st {};
  assert_int_equal(lstat(link.c_str(), &st), 0);
  assert_true(S_ISLNK(st.st_mode));
}

void test_crypto_key_file_directory_is_unavailable(void** state) {
  assert_key_unavailable(test::env_state(state).dir);
}

void test_crypto_load_or_create_creates_private_key(void** state) {
  const std::string path = test::env_state(state).dir + "/new.key";
  auto first = load_or_create_key_file(path);
  assert_true(first.ok());
  assert_int_equal(first->size(), kKeyBytes);

  struct stat st {};
  assert_int_equal(lstat(path.c_str(), &st), 0);
  assert_true(S_ISREG(st.st_mode));
  assert_int_equal(st.st_mode & 07777, 0600);
  assert_int_equal(st.st_size, kKeyBytes);
  assert_int_equal(st.st_uid, geteuid());

  auto second = load_or_create_key_file(path);
  assert_true(second.ok());
  assert_true(*second == *first);
  auto loaded = load_key_file(path);
  assert_true(loaded.ok());
  assert_true(*loaded == *first);
}

void test_crypto_load_or_create_keeps_insecure_file(void** state) {
  // An existing but insecure key is an error to fix, never a reason to make a new key (that
  // would silently orphan every enrollment).
  const std::string path = test::env_state(state).dir + "/insecure.key";
  const std::string bytes(kKeyBytes, 'k');
  test::write_file(path, bytes, 0644);
  auto key = load_or_create_key_file(path);
  assert_false(key.ok());
  assert_int_equal(key.error().code, Errc::unavailable);
  struct stat st {};
  assert_int_equal(lstat(path.c_str(), &st), 0);
  assert_int_equal(st.st_mode & 07777, 0644);
  assert_int_equal(st.st_size, kKeyBytes);
}

void test_crypto_random_bytes_are_distinct(void**) {
  const SecureBytes a = fresh_random(32);
  const SecureBytes b = fresh_random(32);
  assert_true(a != b);
  assert_true(a != SecureBytes(32, 0));
  assert_int_equal(fresh_random(1).size(), 1);
  assert_int_equal(fresh_random(4096).size(), 4096);
}

int run_unit_tests() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_crypto_seal_unseal_round_trip),
      cmocka_unit_test(test_crypto_seal_uses_fresh_iv),
      cmocka_unit_test(test_crypto_unseal_refuses_wrong_aad),
      cmocka_unit_test(test_crypto_secret_aad_differs_per_user),
      cmocka_unit_test(test_crypto_unseal_refuses_wrong_key),
      cmocka_unit_test(test_crypto_refuses_bad_key_length),
      cmocka_unit_test(test_crypto_unseal_refuses_any_flipped_bit),
      cmocka_unit_test(test_crypto_unseal_refuses_truncated_or_extended_blob),
      SSHOTP_ENV_TEST(test_crypto_key_file_loads_exact_bytes),
      SSHOTP_ENV_TEST(test_crypto_key_file_missing_is_unavailable),
      SSHOTP_ENV_TEST(test_crypto_key_file_wrong_size_is_unavailable),
      SSHOTP_ENV_TEST(test_crypto_key_file_group_or_other_bits_are_unavailable),
      SSHOTP_ENV_TEST(test_crypto_key_file_symlink_is_unavailable),
      SSHOTP_ENV_TEST(test_crypto_key_file_directory_is_unavailable),
      SSHOTP_ENV_TEST(test_crypto_load_or_create_creates_private_key),
      SSHOTP_ENV_TEST(test_crypto_load_or_create_keeps_insecure_file),
      cmocka_unit_test(test_crypto_random_bytes_are_distinct),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

}  // namespace
}  // namespace sshotp

int main() { return sshotp::run_unit_tests(); }
