// SPDX-License-Identifier: BSD-3-Clause
// The SQLite implementation of Store: one file (default /var/lib/sshotp/sshotp.db), WAL,
// synchronous=FULL (a power cut must not resurrect a used code), a versioned schema migrated in
// place, and StrictModes-like checks on the file and its directory.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "common/store.h"

namespace sshotp {

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path, OpenMode mode,
                                                 unsigned busy_timeout_ms);

}  // namespace sshotp
