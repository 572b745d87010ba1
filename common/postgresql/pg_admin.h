// SPDX-License-Identifier: BSD-3-Clause
// What `sshotp-enroll db` asks of the plugin (store_plugin.h): the schema migrations, run as the
// owner role, and the facts `db check` reports. Each opens a connection of its own, within the
// request's timeout per transaction (a command's bound). Internal to the PostgreSQL plugin.
#pragma once

#include "common/postgresql/pg_connection.h"
#include "common/result.h"
#include "common/store_plugin.h"

namespace sshotp::pg {

// The schema's version in the connected database: 0 if there is no schema yet.
Result<int> schema_version(Connection& conn);

Result<SchemaChange> migrate(const StorePluginRequest& request, SchemaAction action);
Result<DatabaseFacts> inspect(const StorePluginRequest& request);

}  // namespace sshotp::pg
