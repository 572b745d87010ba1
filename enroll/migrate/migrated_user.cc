// SPDX-License-Identifier: BSD-3-Clause
// Reading a migration's source file, the carried-over replay state, and storing one migrated
// user (see migrated_user.h).
#include "enroll/migrate/migrated_user.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/crypto.h"
#include "common/recovery_codes.h"
#include "enroll/cli/reporting.h"

namespace sshotp::cli {
namespace {

// pam_oath's own search window is a module argument we cannot see; its LAST-TIME is when the
// code was accepted, so the code's step lies within that window of it. Ten steps either side
// covers any sensible setting.
constexpr unsigned kOathSearchSteps = 10;

Error unavailable(const std::string& path, const std::string& why) {
  return make_error(Errc::unavailable, path + ": " + why);
}

Status check_user_file(const struct stat& st, const std::string& path, const FileOwners& owners,
                       std::size_t max_bytes) {
  if (!S_ISREG(st.st_mode)) return unavailable(path, "is not a regular file");
  const bool owner_ok =
      (owners.user && st.st_uid == *owners.user) || (owners.root && st.st_uid == 0);
  if (!owner_ok) {
    return unavailable(path, "is owned by uid " + std::to_string(st.st_uid) +
                                 (owners.root ? ", neither the user nor root" : ", not the user"));
  }
  if ((st.st_mode & 022) != 0) {
    return unavailable(path,
                       "is writable by group or others, so anyone could have put a key there");
  }
  if (st.st_size < 0 || static_cast<std::size_t>(st.st_size) > max_bytes) {
    return unavailable(path, "is larger than " + std::to_string(max_bytes) + " bytes");
  }
  return Ok{};
}

// Reads at most max_bytes + 1 bytes, so a file that grew after fstat is still caught.
Result<SecureBytes> read_bounded(int fd, const std::string& path, std::size_t max_bytes) {
  SecureBytes data(max_bytes + 1);
  std::size_t got = 0;
  while (got < data.size()) {
    const ssize_t n = read(fd, data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return unavailable(path, std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > max_bytes) {
    return unavailable(path, "is larger than " + std::to_string(max_bytes) + " bytes");
  }
  data.resize(got);
  return data;
}

bool same_params(const OtpParams& a, const OtpParams& b) {
  return a.algorithm == b.algorithm && a.digits == b.digits && a.period == b.period;
}

std::string_view as_chars(const SecureBytes& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

Result<bool> holds_same_key(const SecureBytes& store_key, const Enrollment& current,
                            const MigratedUser& migrated) {
  if (!same_params(current.otp, migrated.params)) return false;
  auto secret = unseal(store_key, current.sealed_secret, secret_aad(current.user));
  if (!secret) return std::move(secret).error();
  return ct_equal(as_chars(*secret), as_chars(migrated.secret));
}

// Whether the user's unused recovery codes are exactly `codes` (as a set).
Result<bool> holds_same_codes(StoreTransaction& txn, const SecureBytes& store_key,
                              const std::string& user, const std::vector<SecretString>& codes) {
  auto rows = txn.unused_recovery_codes(user);
  if (!rows) return std::move(rows).error();
  if (rows->size() != codes.size()) return false;
  std::vector<bool> matched(rows->size(), false);
  for (const SecretString& code : codes) {
    bool found = false;
    for (std::size_t i = 0; i < rows->size() && !found; ++i) {
      if (matched[i]) continue;
      auto match = recovery_code_matches(store_key, user, code.view(), (*rows)[i].hash);
      if (!match) return std::move(match).error();
      found = matched[i] = *match;
    }
    if (!found) return false;
  }
  return true;
}

Result<std::vector<RecoveryCodeHash>> hash_codes(const SecureBytes& store_key,
                                                 const std::string& user,
                                                 const std::vector<SecretString>& codes) {
  std::vector<RecoveryCodeHash> hashes;
  for (const SecretString& code : codes) {
    // The MAC covers the canonical form, which is what a login normalises its input to.
    auto canonical = normalise_recovery_code(code.view());
    if (!canonical) return make_error(Errc::invalid_argument, "a scratch code is malformed");
    auto hash = hash_recovery_code(store_key, user, canonical->view());
    if (!hash) return std::move(hash).error();
    hashes.push_back(std::move(hash).value());
  }
  return hashes;
}

Status replace_codes(StoreTransaction& txn, const SecureBytes& store_key, const std::string& user,
                     const std::vector<SecretString>& codes) {
  auto hashes = hash_codes(store_key, user, codes);
  if (!hashes) return std::move(hashes).error();
  return txn.replace_recovery_codes(user, *hashes);
}

// A user migrated before, with the same key: the enrollment, its replay state and its history
// stay as they are, but for a token's counter that the old module has moved past since (a
// login there after the last run: that code must not come back here) and the file's codes.
Result<MigrationResult> update_migrated(StoreTransaction& txn, const SecureBytes& store_key,
                                        const Enrollment& current, const MigratedUser& migrated,
                                        std::int64_t now) {
  bool advanced = false;
  if (migrated.params.kind() == OtpKind::hotp && migrated.last_step > current.last_step) {
    // The login's own conditional update: a login racing this one keeps the higher counter.
    auto moved = txn.consume_step(migrated.user, migrated.last_step, now);
    if (!moved) return std::move(moved).error();
    advanced = *moved;
  }
  const MigrationResult kept =
      advanced ? MigrationResult::counter_advanced : MigrationResult::unchanged;
  if (!migrated.recovery_codes) return kept;
  auto same_codes = holds_same_codes(txn, store_key, migrated.user, *migrated.recovery_codes);
  if (!same_codes) return std::move(same_codes).error();
  if (*same_codes) return kept;
  if (auto st = replace_codes(txn, store_key, migrated.user, *migrated.recovery_codes); !st) {
    return std::move(st).error();
  }
  return MigrationResult::codes_updated;
}

}  // namespace

Result<UserFile> read_user_file(const std::string& path, const FileOwners& owners,
                                std::size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO someone left in place of the file must not hang us.
  const int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    return unavailable(path, errno == ELOOP ? "is a symbolic link" : std::strerror(errno));
  }
  struct stat st {};
  Status checked = fstat(fd, &st) == 0 ? check_user_file(st, path, owners, max_bytes)
                                       : Status(unavailable(path, std::strerror(errno)));
  Result<SecureBytes> data =
      checked ? read_bounded(fd, path, max_bytes) : Result<SecureBytes>(std::move(checked).error());
  close(fd);
  if (!data) return std::move(data).error();
  return UserFile{std::move(data).value(), (st.st_mode & 044) != 0};
}

std::int64_t carried_last_step(std::optional<std::int64_t> used_step, unsigned period,
                               std::int64_t now) {
  if (!used_step) return -1;
  return std::min(*used_step, time_step(now, period));
}

std::optional<std::int64_t> oath_used_step(const SecureBytes& secret, const OtpParams& params,
                                           std::optional<std::int64_t> used_at,
                                           const SecretString& used_code) {
  if (!used_at) return std::nullopt;
  if (used_code.size() == params.digits) {
    auto step = totp_match(secret, params, *used_at, kOathSearchSteps, used_code.view());
    if (step && step->has_value()) return **step;
  }
  // Without a code that matches, the step of the time itself is the best guess.
  return time_step(*used_at, params.period);
}

std::string describe_migrated(const MigratedUser& migrated) {
  std::string text = describe_params(migrated.params);
  if (migrated.params.kind() == OtpKind::hotp) {
    text += ", next counter " + std::to_string(migrated.last_step + 1);
  }
  return text;
}

const char* migration_audit_result(MigrationResult result) noexcept {
  switch (result) {
    case MigrationResult::imported:
    case MigrationResult::replaced:
    case MigrationResult::codes_updated:
    case MigrationResult::counter_advanced:
      return "ok";
    case MigrationResult::unchanged:
      return "unchanged";
    case MigrationResult::conflict:
      break;
  }
  return "conflict";
}

Result<MigrationResult> store_migrated_user(StoreTransaction& txn, const SecureBytes& store_key,
                                            const MigratedUser& migrated, bool replace,
                                            std::int64_t now) {
  auto found = txn.find(migrated.user);
  if (!found) return std::move(found).error();
  const std::optional<Enrollment>& current = *found;
  if (current) {
    auto same = holds_same_key(store_key, *current, migrated);
    if (!same) return std::move(same).error();
    if (*same) return update_migrated(txn, store_key, *current, migrated, now);
    if (!replace) return MigrationResult::conflict;
  }
  auto sealed = seal(store_key, migrated.secret, secret_aad(migrated.user));
  if (!sealed) return std::move(sealed).error();
  Enrollment enrollment;
  enrollment.user = migrated.user;
  enrollment.otp = migrated.params;
  enrollment.sealed_secret = std::move(sealed).value();
  enrollment.last_step = migrated.last_step;
  enrollment.created_at = now;
  if (current) {
    // A new key is not a pardon: an admin's suspension and a running lockout carry on.
    enrollment.state = current->state;
    enrollment.lockout = current->lockout;
  }
  if (auto st = txn.put(enrollment); !st) return std::move(st).error();
  // The codes of a replaced key go with it.
  const std::vector<SecretString> none;
  const auto& codes = migrated.recovery_codes ? *migrated.recovery_codes : none;
  if (auto st = replace_codes(txn, store_key, migrated.user, codes); !st) {
    return std::move(st).error();
  }
  return current ? MigrationResult::replaced : MigrationResult::imported;
}

}  // namespace sshotp::cli
