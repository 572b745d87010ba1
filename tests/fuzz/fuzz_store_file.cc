// SPDX-License-Identifier: BSD-3-Clause
// Fuzzes the store as read back from disk: a real store (two enrollments, recovery codes, a
// lockout in progress) is copied, bytes of the copy are overwritten as the input says, and the
// copy is opened, searched, listed and verified against the way the module would. Any error is
// fine (a corrupt store fails closed); a crash, a sanitizer report or an enrollment that comes
// back with impossible values is a finding.
//
// Input: byte 0 holds flags (bit 0: truncate at the last patched offset; bit 1: also run a
// login), then 3-byte patches: a 16-bit big-endian offset (modulo the file size) and a value.
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include "common/crypto.h"
#include "common/sqlite_store.h"
#include "common/verifier.h"
#include "tests/fuzz/fuzz_support.h"

using namespace sshotp;
using sshotp::fuzz::require;

namespace {

constexpr std::int64_t kNow = 1700000000;

struct Pristine {
  std::vector<std::uint8_t> bytes;
  SecureBytes key;
  std::string alice_code;  // valid at kNow and not used yet, so a login reaches consume_step
};

// Builds the real store once and keeps its bytes (the WAL is merged into the file on close).
const Pristine& pristine() {
  static const Pristine* p = [] {
    const test::TestEnv& env = fuzz::scratch_env();
    test::enroll(env, "alice", test::rfc_sha1_key(), {}, time_step(kNow, 30) - 2);
    OtpParams bob_params;
    bob_params.digits = 8;
    bob_params.algorithm = Algorithm::sha512;
    test::enroll(env, "bob", test::rfc_sha1_key(), bob_params);
    (void)test::give_recovery_codes(env, "bob", 3);
    {
      auto store = open_sqlite_store(env.db_path, OpenMode::existing, 1000);
      require(store.ok(), "the pristine store opens");
      auto txn = (*store)->begin_write();
      require(txn.ok(), "the pristine store can be written");
      require((*txn)->set_lockout("alice", LockoutState{3, 0, 1}).ok(), "set_lockout");
      require((*txn)->commit().ok(), "commit");
    }
    std::ifstream in(env.db_path, std::ios::binary);
    auto* built = new Pristine{{std::istreambuf_iterator<char>(in), {}},
                               {},
                               test::code_at(test::rfc_sha1_key(), {}, kNow)};
    auto key = load_key_file(env.key_path);
    require(key.ok() && !built->bytes.empty(), "the pristine store and key are readable");
    built->key = std::move(key).value();
    return built;
  }();
  return *p;
}

void write_copy(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  for (const char* suffix : {"-wal", "-shm", "-journal"}) unlink((path + suffix).c_str());
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  require(fd >= 0, "the copy can be written");
  require(write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()),
          "the copy is written whole");
  close(fd);
}

void require_plausible(const Enrollment& e) {
  require(validate_params(e.otp).ok(), "a returned enrollment has valid TOTP parameters");
  require(!e.sealed_secret.empty() && e.sealed_secret.size() <= 4096, "sealed secret in bounds");
  require(e.lockout.failures >= 0 && e.lockout.lockouts >= 0, "lockout counters not negative");
}

// Everything a login and `sshotp-enroll list` read; errors are expected and fine.
void read_everything(Store& store) {
  auto txn = store.begin_read();
  if (!txn) return;
  for (const char* user : {"alice", "bob", "nobody"}) {
    auto found = (*txn)->find(user);
    if (found && found->has_value()) {
      require((*found)->user == user, "find returns the user asked for");
      require_plausible(**found);
    }
    auto codes = (*txn)->unused_recovery_codes(user);
    if (codes) {
      for (const RecoveryCodeRow& row : *codes) {
        require(!row.hash.salt.empty() && row.hash.mac.size() == 32, "recovery rows checked");
      }
    }
  }
  // `list` streams rows through its own query (with the recovery-code counts joined in).
  (void)(*txn)->for_each_listing([](const EnrollmentListing& row) -> Status {
    if (!row.pending) require_plausible(row.enrollment);
    return Ok{};
  });
}

void log_in(Store& store, const Pristine& p) {
  for (auto [user, typed] : {std::pair<std::string_view, std::string_view>{"alice", p.alice_code},
                             {"bob", "k7q2-9xhm-3bwe"},
                             {"nobody", "123456"}}) {
    VerifyRequest request{user, typed, kNow, 1, {}};
    (void)verify_and_consume(store, p.key, request);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const Pristine& p = pristine();
  const test::TestEnv& env = fuzz::scratch_env();
  std::vector<std::uint8_t> bytes = p.bytes;
  std::size_t last_offset = bytes.size();
  for (std::size_t i = 1; i + 2 < size; i += 3) {
    last_offset = ((std::size_t{data[i]} << 8) | data[i + 1]) % p.bytes.size();
    bytes[last_offset] = data[i + 2];
  }
  if ((data[0] & 1) != 0) bytes.resize(last_offset);
  write_copy(env.db_path, bytes);

  auto store = open_sqlite_store(env.db_path, OpenMode::existing, 100);
  if (!store) {
    require(!store.error().message.empty(), "a refused store says why");
    return 0;
  }
  read_everything(**store);
  if ((data[0] & 2) != 0) log_in(**store, p);
  return 0;
}
