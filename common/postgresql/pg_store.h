// SPDX-License-Identifier: BSD-3-Clause
// The PostgreSQL implementation of Store, for a fleet of hosts sharing one database: one
// connection per store (a login opens one and closes it before returning: libpq warns against
// forking with an open connection), every wait bounded by pg_timeout_ms, every failure closed.
// The schema is created and migrated by the owner role (common/postgresql/sql/); a store opened
// by a host only checks that the schema is the one it understands. Internal to the plugin:
// the core reaches it through store_plugin.h.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "common/store.h"

namespace sshotp::pg {

// The schema version this build understands: the number of sql/schema_NNN.sql migrations
// (test_pg_schema.sh: the files record 1..N; test_pg_store: a store they make opens).
inline constexpr int kSchemaVersion = 1;

struct StoreSettings {
  std::string conninfo;        // libpq keywords; may name several hosts
  unsigned timeout_ms = 3000;  // pg_timeout_ms
  // false (a login): timeout_ms for all the store's waiting for the server, connecting
  // included. true (a command, whose statements may be many and large: `import --batch` of a
  // million users, `list` of as many): connecting and each statement's round trip get timeout_ms
  // each, so a dead or frozen server still ends every command within timeout_ms of its last
  // answer, while bulk work is not cut off by its size. Either way the time between calls does
  // not count.
  bool deadline_per_transaction = false;
};

Result<std::unique_ptr<Store>> open_store(const StoreSettings& settings);

}  // namespace sshotp::pg
