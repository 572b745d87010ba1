// SPDX-License-Identifier: BSD-3-Clause
// The store's versioned schema (PRAGMA user_version) and its in-place migrations.
#pragma once

#include <sqlite3.h>

#include <string>

#include "common/result.h"
#include "common/sqlite_store.h"

namespace sshotp::sqlite {

// Brings the schema up to kSchemaVersion inside the caller's write transaction. With
// `may_initialise` false (the module), an empty database is refused instead of initialised, so
// a store that was deleted or truncated never comes back as an empty one that lets nobody in
// silently. A schema newer than this build understands is refused too.
Status migrate(sqlite3* db, const std::string& path, bool may_initialise);

}  // namespace sshotp::sqlite
