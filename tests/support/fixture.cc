// SPDX-License-Identifier: BSD-3-Clause
#include "tests/support/fixture.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "common/crypto.h"
#include "common/recovery_codes.h"
#include "common/sqlite_store.h"

namespace sshotp::test {
namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "fixture: %s\n", what.c_str());
  std::abort();
}

std::unique_ptr<Store> open_store(const TestEnv& env) {
  auto store = open_sqlite_store(env.db_path, OpenMode::create, 5000);
  if (!store) die(store.error().message);
  return std::move(store).value();
}

}  // namespace

void write_file(const std::string& path, std::string_view text, unsigned mode) {
  unlink(path.c_str());
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, static_cast<mode_t>(mode));
  if (fd < 0) die("cannot create " + path);
  if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) die("write");
  fchmod(fd, static_cast<mode_t>(mode));
  close(fd);
}

TestEnv make_test_env(std::string_view extra_config) {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/sshotp.XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) die("mkdtemp");
  TestEnv env;
  env.dir = tmpl;
  env.db_path = env.dir + "/store/sshotp.db";
  env.key_path = env.dir + "/sshotp.key";
  env.config_path = env.dir + "/sshotp.conf";
  auto key = load_or_create_key_file(env.key_path);
  if (!key) die(key.error().message);
  open_store(env);
  write_file(env.config_path,
             "db = " + env.db_path + "\nkey_file = " + env.key_path + "\n" +
                 std::string(extra_config),
             0644);
  return env;
}

void destroy_test_env(const TestEnv& env) {
  std::error_code ec;
  std::filesystem::remove_all(env.dir, ec);
}

void enroll(const TestEnv& env, std::string_view user, const SecureBytes& secret,
            const TotpParams& params, std::int64_t last_step) {
  auto key = load_key_file(env.key_path);
  if (!key) die(key.error().message);
  auto sealed = seal(*key, secret, secret_aad(user));
  if (!sealed) die(sealed.error().message);
  auto store = open_store(env);
  auto txn = store->begin_write();
  if (!txn) die(txn.error().message);
  Enrollment e;
  e.user = std::string(user);
  e.totp = params;
  e.sealed_secret = *sealed;
  e.last_step = last_step;
  e.created_at = 1;
  if (auto st = (*txn)->put(e); !st) die(st.error().message);
  if (auto st = (*txn)->commit(); !st) die(st.error().message);
}

std::vector<std::string> give_recovery_codes(const TestEnv& env, std::string_view user,
                                             unsigned count) {
  auto key = load_key_file(env.key_path);
  if (!key) die(key.error().message);
  auto codes = generate_recovery_codes(count);
  if (!codes) die(codes.error().message);
  std::vector<std::string> typed;
  std::vector<RecoveryCodeHash> hashes;
  for (const SecretString& code : *codes) {
    typed.emplace_back(code.view());
    auto canonical = normalise_recovery_code(code.view());
    if (!canonical) die("generated recovery code does not normalise");
    auto hash = hash_recovery_code(*key, user, canonical->view());
    if (!hash) die(hash.error().message);
    hashes.push_back(*hash);
  }
  auto store = open_store(env);
  auto txn = store->begin_write();
  if (!txn) die(txn.error().message);
  if (auto st = (*txn)->replace_recovery_codes(user, hashes); !st) die(st.error().message);
  if (auto st = (*txn)->commit(); !st) die(st.error().message);
  return typed;
}

std::string code_at(const SecureBytes& secret, const TotpParams& params, std::int64_t unix_time) {
  auto code = totp_code(secret, params, time_step(unix_time, params.period));
  if (!code) die(code.error().message);
  return std::string(code->view());
}

SecureBytes rfc_sha1_key() {
  const std::string_view ascii = "12345678901234567890";
  return SecureBytes(ascii.begin(), ascii.end());
}

}  // namespace sshotp::test
