// SPDX-License-Identifier: BSD-3-Clause
// The PostgreSQL plugin's entry point (store_plugin.h): the one symbol store_postgresql.so
// exports. Everything else in the plugin is hidden (store_postgresql.map).
#include "common/postgresql/pg_admin.h"
#include "common/postgresql/pg_store.h"
#include "common/postgresql/pg_transaction.h"
#include "common/store_plugin.h"

namespace sshotp::pg {
namespace {

Result<std::unique_ptr<Store>> open_for_core(const StorePluginRequest& request) noexcept {
  return guarded([&] {
    return open_store({request.conninfo, request.timeout_ms, request.deadline_per_transaction});
  });
}

Result<SchemaChange> migrate_for_core(const StorePluginRequest& request,
                                      SchemaAction action) noexcept {
  return guarded([&] { return migrate(request, action); });
}

Result<DatabaseFacts> inspect_for_core(const StorePluginRequest& request) noexcept {
  return guarded([&] { return inspect(request); });
}

constexpr StorePlugin kPlugin = {kStoreBuildStamp, &open_for_core, &migrate_for_core,
                                 &inspect_for_core};

}  // namespace
}  // namespace sshotp::pg

extern "C" __attribute__((visibility("default"))) const sshotp::StorePlugin*
sshotp_store_plugin_v1() {
  return &sshotp::pg::kPlugin;
}
