// SPDX-License-Identifier: BSD-3-Clause
// Opening the configured store (see store_factory.h).
#include "common/store_factory.h"

#include "common/sqlite_store.h"
#include "common/store_plugin_loader.h"

namespace sshotp {

Result<std::unique_ptr<Store>> open_store(const Config& config, OpenMode mode, StoreUse use) {
  if (auto st = check_config(config); !st) return std::move(st).error();
  if (config.store == StoreKind::sqlite) {
    return open_sqlite_store(config.db, mode, config.busy_timeout_ms);
  }
  auto plugin = postgresql_plugin(config);
  if (!plugin) return std::move(plugin).error();
  // OpenMode does not matter here: the host role creates nothing (`sshotp-enroll db init`
  // makes the schema, as the owner).
  return (*plugin)->open({config.pg_conninfo, config.pg_timeout_ms, use == StoreUse::command});
}

Result<const StorePlugin*> postgresql_plugin(const Config& config) {
  return load_store_plugin(config.pg_plugin.empty() ? default_postgresql_plugin()
                                                    : config.pg_plugin);
}

std::string store_name(const Config& config) {
  return config.store == StoreKind::sqlite ? config.db : std::string("the PostgreSQL store");
}

}  // namespace sshotp
