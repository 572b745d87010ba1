// SPDX-License-Identifier: BSD-3-Clause
// Test fixtures (see fixture.h). Failures abort: these helpers also run in forked children.
#include "tests/support/fixture.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "common/config.h"
#include "common/crypto.h"
#include "common/recovery_codes.h"
#include "common/store_factory.h"

namespace sshotp::test {
namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "fixture: %s\n", what.c_str());
  std::abort();
}

std::unique_ptr<Store> open_store(const TestEnv& env) { return open_env_store(env); }

std::string required_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') die(std::string(name) + " is not set");
  return value;
}

// Empties the PostgreSQL store as its superuser (the host role may not TRUNCATE).
void reset_postgresql_store() {
  (void)postgresql_superuser_sql(
      "TRUNCATE sshotp.enrollments, sshotp.recovery_codes, sshotp.pending_enrollments,"
      " sshotp.key_check; UPDATE sshotp.store_meta SET value = 0");
}

// The config lines that point a test environment at its store.
std::string store_config(const TestEnv& env) {
  if (!store_is_postgresql()) return "db = " + env.db_path + "\n";
  // A generous bound: the contract is about behaviour, and a loaded machine is slow.
  return "store = postgresql\npg_conninfo = \"" + required_env("SSHOTP_TEST_PG_CONNINFO") +
         "\"\npg_timeout_ms = 30000\npg_plugin = " + required_env("SSHOTP_PG_PLUGIN") + "\n";
}

}  // namespace

// Through psql: the test programs do not link libpq, so that test_store_backends can tell
// whether the module loaded it.
std::string postgresql_superuser_sql(const std::string& sql) {
  const std::string super = required_env("SSHOTP_TEST_PG_SUPER");
  const char* argv[] = {"psql", "-X",          "-Atq", "-v",        "ON_ERROR_STOP=1",
                        "-d",   super.c_str(), "-c",   sql.c_str(), nullptr};
  // A clean environment: in sanitizer builds the tests' LD_PRELOAD carries the sanitizer
  // runtime, whose leak check would fail psql itself.
  const char* envp[] = {"PATH=/usr/bin:/bin", nullptr};
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) die("pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "psql", &actions, nullptr, const_cast<char* const*>(argv),
                                   const_cast<char* const*>(envp));
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (spawned != 0) die("cannot run psql");
  std::string printed;
  char buffer[256];
  for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) != 0;) {
    if (n > 0) printed.append(buffer, static_cast<std::size_t>(n));
    if (n < 0 && errno != EINTR) break;
  }
  close(out[0]);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    die("psql failed: " + sql);
  }
  while (!printed.empty() && printed.back() == '\n') printed.pop_back();
  return printed;
}

int env_int(const char* name, int fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0' ? std::atoi(text) : fallback;
}

bool store_is_postgresql() {
  const char* kind = std::getenv("SSHOTP_TEST_STORE");
  return kind != nullptr && std::string_view(kind) == "postgresql";
}

std::unique_ptr<Store> open_env_store(const TestEnv& env) {
  auto config = load_config_file(env.config_path);
  if (!config) die(config.error().message);
  auto store = sshotp::open_store(*config, OpenMode::create, StoreUse::command);
  if (!store) die(store.error().message);
  return std::move(store).value();
}

void write_file(const std::string& path, std::string_view text, unsigned mode) {
  unlink(path.c_str());
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, static_cast<mode_t>(mode));
  if (fd < 0) die("cannot create " + path);
  if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) die("write");
  fchmod(fd, static_cast<mode_t>(mode));
  close(fd);
}

void append_config(const TestEnv& env, std::string_view lines) {
  std::ofstream config(env.config_path, std::ios::app);
  config << lines;
  if (!config.flush()) die("cannot append to " + env.config_path);
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
  write_file(env.config_path,
             store_config(env) + "key_file = " + env.key_path + "\n" + std::string(extra_config),
             0644);
  if (store_is_postgresql()) reset_postgresql_store();
  open_store(env);  // creates the SQLite store
  return env;
}

void destroy_test_env(const TestEnv& env) {
  std::error_code ec;
  std::filesystem::remove_all(env.dir, ec);
}

void enroll(const TestEnv& env, std::string_view user, const SecureBytes& secret,
            const OtpParams& params, std::int64_t last_step) {
  auto key = load_key_file(env.key_path);
  if (!key) die(key.error().message);
  auto sealed = seal(*key, secret, secret_aad(user));
  if (!sealed) die(sealed.error().message);
  auto store = open_store(env);
  auto txn = store->begin_write();
  if (!txn) die(txn.error().message);
  Enrollment e;
  e.user = std::string(user);
  e.otp = params;
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

std::string code_at(const SecureBytes& secret, const OtpParams& params, std::int64_t unix_time) {
  auto code = totp_code(secret, params, time_step(unix_time, params.period));
  if (!code) die(code.error().message);
  return std::string(code->view());
}

std::string wrong_code(const SecureBytes& secret, const OtpParams& params,
                       std::int64_t unix_time) {
  std::string wrong = code_at(secret, params, unix_time);
  for (int tries = 0; tries < 10; ++tries) {
    wrong.back() = static_cast<char>('0' + (wrong.back() - '0' + 1) % 10);
    bool collides = false;
    for (int steps = -2; steps <= 2; ++steps) {
      const std::int64_t when = unix_time + steps * std::int64_t{params.period};
      collides = collides || wrong == code_at(secret, params, when);
    }
    if (!collides) return wrong;
  }
  // Unreachable: the four other steps cannot hold all nine other last digits.
  die("no wrong code near the given time");
}

SecureBytes bytes_of(std::string_view ascii) { return SecureBytes(ascii.begin(), ascii.end()); }

SecureBytes rfc_sha1_key() { return bytes_of("12345678901234567890"); }

SecureBytes rfc6238_key(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::sha256:
      return bytes_of("12345678901234567890123456789012");
    case Algorithm::sha512:
      return bytes_of("1234567890123456789012345678901234567890123456789012345678901234");
    case Algorithm::sha1:
      break;
  }
  return rfc_sha1_key();
}

std::unique_ptr<OpenTestStore> open_test_store(std::string_view extra_config) {
  auto opened = std::make_unique<OpenTestStore>();
  opened->env = make_test_env(extra_config);
  auto key = load_key_file(opened->env.key_path);
  if (!key) die(key.error().message);
  opened->key = std::move(key).value();
  opened->store = open_store(opened->env);
  return opened;
}

void close_test_store(std::unique_ptr<OpenTestStore> opened) {
  opened->store.reset();
  destroy_test_env(opened->env);
}

Result<std::vector<EnrollmentListing>> listings(StoreTransaction& txn) {
  std::vector<EnrollmentListing> rows;
  Status st = txn.for_each_listing([&rows](const EnrollmentListing& row) -> Status {
    rows.push_back(row);
    return Ok{};
  });
  if (!st) return std::move(st).error();
  return rows;
}

}  // namespace sshotp::test
