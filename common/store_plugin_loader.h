// SPDX-License-Identifier: BSD-3-Clause
// Loading a store plugin (store_plugin.h) from a fixed path: the configured pg_plugin, else the
// one installed with this build. The path never comes from the environment (sshotp-enroll is
// setuid root). The file gets the checks of our other files (file_checks.h: ours, not a
// symbolic link, not writable by others, nor is its directory), and is then loaded through the
// descriptor that was checked, so it cannot be swapped in between. A plugin from another build
// is refused (fail closed). Loaded once per process and never unloaded: the Store objects it
// makes run its code.
#pragma once

#include <string>

#include "common/result.h"
#include "common/store_plugin.h"

namespace sshotp {

// The installed PostgreSQL plugin: $(pkglibdir)/store_postgresql.so.
std::string default_postgresql_plugin();

Result<const StorePlugin*> load_store_plugin(const std::string& path);

}  // namespace sshotp
