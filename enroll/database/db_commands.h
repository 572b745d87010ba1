// SPDX-License-Identifier: BSD-3-Clause
// `sshotp-enroll db init | upgrade | check | copy`: the PostgreSQL fleet store's schema, its
// health and moving a SQLite store in (root only). The CLI never links libpq: it
// asks the plugin (store_plugin.h), which holds the migrations, compiled in.
#pragma once

#include <optional>
#include <string>

#include "common/config.h"
#include "common/result.h"
#include "common/store_plugin.h"
#include "enroll/cli/command_start.h"
#include "enroll/cli/config_location.h"
#include "enroll/cli/exit_status.h"

namespace sshotp::cli {

// The `db` command: its subcommand is argv[1].
Exit run_db(const ConfigLocation& where, int argc, char** argv);

// A db subcommand that takes only --conninfo, under way: the settings (store = postgresql), the
// loaded plugin and what to connect with (--conninfo, else pg_conninfo).
struct DbStarted {
  Started started;
  const StorePlugin* plugin;
  StorePluginRequest request;
};
std::optional<DbStarted> start_db(const Action& action, const Invocation& invocation, Exit& early);

Exit run_db_check(const Invocation& invocation);
// `db copy FILE.db [--replace]`: a host's SQLite store into the PostgreSQL store (db_copy.cc).
Exit run_db_copy(const Invocation& invocation);

}  // namespace sshotp::cli
