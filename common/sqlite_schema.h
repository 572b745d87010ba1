// SPDX-License-Identifier: BSD-3-Clause
// The store's versioned schema (PRAGMA user_version) and its in-place migrations.
#pragma once

#include <sqlite3.h>

#include <string>

#include "common/result.h"

namespace sshotp {

// The version this build writes and understands. It lives with the migrations that define it
// (sqlite_schema.cc), not with the store that opens the file, which includes this header.
inline constexpr int kSchemaVersion = 5;

}  // namespace sshotp

namespace sshotp::sqlite {

// The schema version stored in the file (0 for an empty database).
Result<int> schema_version(sqlite3* db, const std::string& path);

// Refuses what no open may touch: a schema newer than this build, or (when `may_initialise` is
// false) an empty file. Called before anything writes to the file.
Status check_schema_version(int version, const std::string& path, bool may_initialise);

// Brings the schema up to kSchemaVersion inside the caller's write transaction. With
// `may_initialise` false (the module), an empty database is refused instead of initialised, so
// a store that was deleted or truncated never comes back as an empty one that lets nobody in
// silently. A schema newer than this build understands is refused too.
Status migrate(sqlite3* db, const std::string& path, bool may_initialise);

}  // namespace sshotp::sqlite
