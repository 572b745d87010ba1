// SPDX-License-Identifier: BSD-3-Clause
// Test fixtures: a private temp directory holding a config file, a key file and an initialised
// store, plus helpers to enroll users directly through the core. Nothing here touches /etc.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/secret.h"
#include "common/store.h"
#include "common/totp.h"

namespace sshotp::test {

struct TestEnv {
  std::string dir;          // mode 0700, removed by destroy_test_env
  std::string config_path;  // db = ..., key_file = ... (+ extra lines)
  std::string db_path;
  std::string key_path;
};

// Creates the directory, key file, store and config. `extra_config` is appended verbatim.
// Under tests/postgresql/test_pg_contract.sh (SSHOTP_TEST_STORE=postgresql) the store is the
// harness's PostgreSQL database instead, emptied for each environment, and the config says so:
// the contract suite then runs the same tests against both backends.
TestEnv make_test_env(std::string_view extra_config = "");

// Whether this run's stores are PostgreSQL (tests of SQLite's own behaviour skip then).
bool store_is_postgresql();

// The integer in environment variable `name`, or `fallback` when it is unset or empty: loop
// counts a caller may lower (a quick run) or raise (a long one).
int env_int(const char* name, int fallback);

// Under the contract suite: runs `sql` as the harness's superuser and returns what it printed
// (unaligned, one row a line, no trailing newline); aborts the test program if it fails.
std::string postgresql_superuser_sql(const std::string& sql);

// The env's store as its config names it (store_factory.h), as a command would open it.
std::unique_ptr<Store> open_env_store(const TestEnv& env);
void destroy_test_env(const TestEnv& env);

// Writes `text` to `path` with `mode` (replacing any existing file).
void write_file(const std::string& path, std::string_view text, unsigned mode);

// Appends `lines` to the env's config file.
void append_config(const TestEnv& env, std::string_view lines);

// Enrolls (or re-enrolls) `user` with `secret` directly in the store; aborts the test on error.
void enroll(const TestEnv& env, std::string_view user, const SecureBytes& secret,
            const OtpParams& params = {}, std::int64_t last_step = -1);

// Gives `user` a fresh set of `count` recovery codes and returns them as typed ("xxxx-xxxx-xxxx").
std::vector<std::string> give_recovery_codes(const TestEnv& env, std::string_view user,
                                             unsigned count);

// The code for `unix_time`, from our own generator (tests that need an independent oracle use
// the RFC vectors, oathtool or pyotp instead).
std::string code_at(const SecureBytes& secret, const OtpParams& params, std::int64_t unix_time);

// A well-formed code that matches no step within two periods of `unix_time`: the right code
// with its last digit moved on.
std::string wrong_code(const SecureBytes& secret, const OtpParams& params, std::int64_t unix_time);

// Every row StoreTransaction::for_each_listing() visits (what `sshotp-enroll list` shows), in
// order, or its error.
Result<std::vector<EnrollmentListing>> listings(StoreTransaction& txn);

// The bytes of an ASCII string, as a key.
SecureBytes bytes_of(std::string_view ascii);

// The 20-byte ASCII key of RFC 4226/6238 ("12345678901234567890").
SecureBytes rfc_sha1_key();

// RFC 4226 Appendix D: the HOTP values of rfc_sha1_key() for counters 0..9, 6 digits.
inline constexpr std::array<const char*, 10> kRfc4226Codes = {
    "755224", "287082", "359152", "969429", "338314",
    "254676", "287922", "162583", "399871", "520489",
};

// RFC 6238 Appendix B's key for `algorithm`: the ASCII digits repeated to the hash's size (the
// RFC's reference code says so; the table's caption only names the SHA1 one, rfc_sha1_key()).
SecureBytes rfc6238_key(Algorithm algorithm);

// A test environment with its key loaded and its store open, for tests that call the store
// directly. Aborts the test program if anything fails.
struct OpenTestStore {
  TestEnv env;
  SecureBytes key;
  std::unique_ptr<Store> store;
};
std::unique_ptr<OpenTestStore> open_test_store(std::string_view extra_config = "");
// Closes the store and removes the environment.
void close_test_store(std::unique_ptr<OpenTestStore> opened);

}  // namespace sshotp::test
