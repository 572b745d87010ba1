// SPDX-License-Identifier: BSD-3-Clause
// The side effects of a migration, shared by `migrate google-authenticator` and `migrate oath`:
// reading a file a user controls without being tricked by it, carrying the old module's replay
// state over, and storing one migrated user so that running the migration again changes
// nothing (the parsing itself is in google_authenticator_file.h and oath_users_file.h).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/secret.h"
#include "common/store.h"
#include "common/totp.h"

namespace sshotp::cli {

struct UserFile {
  SecureBytes data;
  bool exposed = false;  // readable by group or others: the key may have been copied
};

// Who may own the file read: the user (when they have a passwd entry) and perhaps root.
struct FileOwners {
  std::optional<uid_t> user;
  bool root = false;
};

// Reads `path` without following a symlink in its last component and without blocking on a
// FIFO or device: it must be a regular file of at most `max_bytes`, owned by one of `owners`,
// and not writable by group or others (anyone else could have planted a key). Errors are
// Errc::unavailable and start with the path.
Result<UserFile> read_user_file(const std::string& path, const FileOwners& owners,
                                std::size_t max_bytes);

// The replay state to carry over when the old module last accepted the code of `used_step`:
// codes of that step and earlier stay refused. A step after `now` (a wrong clock or an edited
// file) is capped at now's, so that it cannot lock the user out. -1 when nothing was recorded.
std::int64_t carried_last_step(std::optional<std::int64_t> used_step, unsigned period,
                               std::int64_t now);

// pam_oath records the last code it accepted and when; the step that code belongs to, searched
// near that time, is the one to carry over (see carried_last_step).
std::optional<std::int64_t> oath_used_step(const SecureBytes& secret, const OtpParams& params,
                                           std::optional<std::int64_t> used_at,
                                           const SecretString& used_code);

// One user as a migration stores them.
struct MigratedUser {
  std::string user;
  OtpParams params;
  SecureBytes secret;
  std::int64_t last_step = -1;  // TOTP: the last used step; HOTP: the last used counter
  // The recovery codes the old module had (google-authenticator's scratch codes), which
  // become the user's set. Nothing (pam_oath has none): a user whose key is unchanged keeps
  // their own codes, a newly stored key starts with none.
  std::optional<std::vector<SecretString>> recovery_codes;
};

// "SHA1, 6 digits, 30 seconds", and for a token the counter its next press makes ("SHA1, 6
// digits, counter-based, next counter 8"): what an administrator compares with the token (or
// with `oathtool --hotp -c`) when a migrated user cannot log in.
std::string describe_migrated(const MigratedUser& migrated);

enum class MigrationResult {
  imported,       // the user had no enrollment
  replaced,       // the user had another key, and the caller asked to replace it
  codes_updated,  // the same key was stored already; the recovery codes became the file's
  // The same counter-based key was stored already, and the file's counter is further on (the
  // old module accepted codes since the last run): the counter moved on to it.
  counter_advanced,
  unchanged,  // the same key and the same codes: nothing to do
  conflict,   // the user has another key and replacing was not asked for: nothing done
};

// The result= of the audit line: "ok" when the store changed, "unchanged", "conflict".
const char* migration_audit_result(MigrationResult result) noexcept;

// Stores `migrated` inside `txn` (the caller commits). The key and parameters are compared
// with the user's current enrollment first, so a second run is a no-op (but for a counter the
// old module has moved on since, which is never taken back) and a different key is only
// overwritten when `replace` is set; then the admin-set state and the lockout are kept.
Result<MigrationResult> store_migrated_user(StoreTransaction& txn, const SecureBytes& store_key,
                                            const MigratedUser& migrated, bool replace,
                                            std::int64_t now);

}  // namespace sshotp::cli
