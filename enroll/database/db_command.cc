// SPDX-License-Identifier: BSD-3-Clause
// `sshotp-enroll db`: the subcommands' dispatch, how each starts, and init/upgrade (see
// db_commands.h). init and upgrade connect as the owner role: its conninfo comes from
// --conninfo, since the hosts' settings name the host role (and the owner's credential should
// not be on the hosts at all). A password is refused there as in pg_conninfo (the plugin).
#include <cstdio>
#include <cstring>
#include <string>

#include "common/store_factory.h"
#include "enroll/cli/reporting.h"
#include "enroll/database/db_commands.h"

namespace sshotp::cli {
namespace {

const Action kInit{"db init", true, true, false, false};
const Action kUpgrade{"db upgrade", true, true, false, false};

const struct option kConninfoOptions[] = {{"conninfo", required_argument, nullptr, 'c'},
                                          {"help", no_argument, nullptr, 'h'},
                                          {nullptr, 0, nullptr, 0}};

Exit run_migrate_schema(const Action& action, SchemaAction what, const Invocation& invocation) {
  Exit early = Exit::error;
  auto db = start_db(action, invocation, early);
  if (!db) return early;
  Session& session = db->started.session;
  auto changed = db->plugin->migrate(db->request, what);
  if (!changed) return session.failed(changed.error());
  if (changed->from == changed->to) {
    std::printf("schema version %d: up to date\n", changed->to);
  } else {
    std::printf("schema version %d -> %d\n", changed->from, changed->to);
  }
  return session.done(Exit::ok, "ok");
}

}  // namespace

std::optional<DbStarted> start_db(const Action& action, const Invocation& invocation, Exit& early) {
  std::optional<std::string> conninfo;
  auto take = [&](int, const char* value) -> std::optional<Exit> {
    conninfo = value;
    return std::nullopt;
  };
  auto started = start(action, ConfigUse::reading, invocation, kConninfoOptions, take, early);
  if (!started) return std::nullopt;
  Session& session = started->session;
  if (started->config.store != StoreKind::postgresql) {
    early = session.refused(Exit::usage, "usage",
                            "the settings name store = sqlite; db commands are for "
                            "store = postgresql");
    return std::nullopt;
  }
  auto plugin = postgresql_plugin(started->config);
  if (!plugin) {
    early = session.failed(plugin.error());
    return std::nullopt;
  }
  StorePluginRequest request{conninfo.value_or(started->config.pg_conninfo),
                             started->config.pg_timeout_ms, true};
  return DbStarted{std::move(*started), *plugin, std::move(request)};
}

Exit run_db(const ConfigLocation& where, int argc, char** argv) {
  const char* sub = argc > 1 ? argv[1] : "";
  const Invocation rest{where, argc - 1, argv + 1};
  if (std::strcmp(sub, "init") == 0) return run_migrate_schema(kInit, SchemaAction::init, rest);
  if (std::strcmp(sub, "upgrade") == 0) {
    return run_migrate_schema(kUpgrade, SchemaAction::upgrade, rest);
  }
  if (std::strcmp(sub, "check") == 0) return run_db_check(rest);
  if (std::strcmp(sub, "copy") == 0) return run_db_copy(rest);
  if (std::strcmp(sub, "--help") == 0 || std::strcmp(sub, "-h") == 0) {
    print_help(stdout);
    return Exit::ok;
  }
  return usage_error(argc > 1 ? "db: unknown subcommand '" + std::string(sub) + "'"
                              : std::string("db: a subcommand is missing (init, upgrade, "
                                            "check or copy)"));
}

}  // namespace sshotp::cli
