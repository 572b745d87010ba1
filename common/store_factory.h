// SPDX-License-Identifier: BSD-3-Clause
// Opening the store a configuration names: the SQLite file in the core, or PostgreSQL through
// its plugin, which is loaded only then (store_plugin_loader.h), so that a SQLite host never
// maps libpq. The module and sshotp-enroll open their stores here and nowhere else.
#pragma once

#include <memory>
#include <string>

#include "common/config.h"
#include "common/result.h"
#include "common/store.h"
#include "common/store_plugin.h"

namespace sshotp {

// How long a PostgreSQL store may wait for the server (pg_timeout_ms): a login gets one bound
// for all its waiting, connecting included; a command, whose statements may be many and large,
// one bound for connecting and one for each statement (pg_store.h). The time between calls (the
// prompt) is never the database's.
enum class StoreUse { login, command };

Result<std::unique_ptr<Store>> open_store(const Config& config, OpenMode mode, StoreUse use);

// The PostgreSQL plugin the configuration names (pg_plugin, else the installed one), loaded:
// for `sshotp-enroll db`, which asks it for more than a store.
Result<const StorePlugin*> postgresql_plugin(const Config& config);

// The store in messages: the SQLite file, or "the PostgreSQL store" (never pg_conninfo, which
// may hold a password).
std::string store_name(const Config& config);

}  // namespace sshotp
