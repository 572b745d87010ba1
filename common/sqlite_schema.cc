// SPDX-License-Identifier: BSD-3-Clause
#include "common/sqlite_schema.h"

#include <array>

#include "common/sqlite_support.h"

namespace sshotp::sqlite {
namespace {

// Migration i takes the schema from version i to i + 1. Never edit a shipped entry; append.
constexpr std::array<const char*, kSchemaVersion> kMigrations = {
    // 0 -> 1: enrollments with sealed secrets and the replay high-water mark.
    "CREATE TABLE enrollments ("
    "  user TEXT PRIMARY KEY NOT NULL,"
    "  algorithm TEXT NOT NULL,"
    "  digits INTEGER NOT NULL,"
    "  period INTEGER NOT NULL,"
    "  sealed_secret BLOB NOT NULL,"
    "  last_step INTEGER NOT NULL DEFAULT -1,"
    "  created_at INTEGER NOT NULL,"
    "  last_used_at INTEGER"
    ") STRICT;",
    // 1 -> 2: persistent brute-force throttling, and hashed one-time recovery codes.
    "ALTER TABLE enrollments ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE enrollments ADD COLUMN locked_until INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE enrollments ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE recovery_codes ("
    "  user TEXT NOT NULL,"
    "  id INTEGER NOT NULL,"
    "  salt BLOB NOT NULL,"
    "  mac BLOB NOT NULL,"
    "  used_at INTEGER,"
    "  PRIMARY KEY (user, id)"
    ") STRICT;"
    // Counters about the store itself; refused_unenrolled is bumped on every refusal of an
    // unenrolled user (and of a disabled enrollment) so that refusal costs the same durable
    // write as a wrong code does.
    "CREATE TABLE store_meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) STRICT;"
    "INSERT INTO store_meta (key, value) VALUES ('refused_unenrolled', 0);",
    // 2 -> 3: admin suspension, and enrollments waiting for their confirming code.
    "ALTER TABLE enrollments ADD COLUMN state TEXT NOT NULL DEFAULT 'active';"
    "CREATE TABLE pending_enrollments ("
    "  user TEXT PRIMARY KEY NOT NULL,"
    "  algorithm TEXT NOT NULL,"
    "  digits INTEGER NOT NULL,"
    "  period INTEGER NOT NULL,"
    "  sealed_secret BLOB NOT NULL,"
    "  created_at INTEGER NOT NULL"
    ") STRICT;",
    // 3 -> 4: the key check value (key_check.h), so that the CLI can tell a key file that does
    // not belong to this store before it writes anything. Empty until the first CLI write
    // records it: the migration has no key to compute it with.
    "CREATE TABLE key_check ("
    "  id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),"
    "  value BLOB NOT NULL"
    ") STRICT;",
    // 4 -> 5: where each user last logged in (host_name.h), for the audit trail of a fleet.
    "ALTER TABLE enrollments ADD COLUMN last_host TEXT;",
};

}  // namespace

Result<int> schema_version(sqlite3* db, const std::string& path) {
  auto stmt = prepare(db, "PRAGMA user_version");
  if (!stmt) return std::move(stmt).error();
  int rc = sqlite3_step(stmt->get());
  if (rc != SQLITE_ROW) return db_error(db, rc, path + ": reading schema version");
  return sqlite3_column_int(stmt->get(), 0);
}

Status check_schema_version(int version, const std::string& path, bool may_initialise) {
  // user_version is a signed 32-bit field of the file header: a corrupt one can be negative,
  // and must not reach migrate(), which indexes kMigrations with it.
  if (version < 0) {
    return make_error(Errc::unavailable,
                      path + ": corrupt schema version " + std::to_string(version));
  }
  if (version > kSchemaVersion) {
    return make_error(Errc::unavailable, path + ": schema version " + std::to_string(version) +
                                             " is newer than this pam_sshotp understands");
  }
  if (version == 0 && !may_initialise) {
    return make_error(Errc::unavailable, path + ": store is not initialised");
  }
  return Ok{};
}

Status migrate(sqlite3* db, const std::string& path, bool may_initialise) {
  auto version = schema_version(db, path);
  if (!version) return std::move(version).error();
  if (auto st = check_schema_version(*version, path, may_initialise); !st) return st;
  for (int v = *version; v < kSchemaVersion; ++v) {
    if (auto st = exec(db, kMigrations[static_cast<std::size_t>(v)], "schema migration"); !st) {
      return st;
    }
  }
  if (*version == kSchemaVersion) return Ok{};
  const std::string set_version = "PRAGMA user_version = " + std::to_string(kSchemaVersion);
  return exec(db, set_version.c_str(), "schema version");
}

}  // namespace sshotp::sqlite
