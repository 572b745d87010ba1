// SPDX-License-Identifier: BSD-3-Clause
// `sshotp-enroll db copy FILE.db [--replace]` (see db_commands.h).
#include "enroll/cli/reporting.h"
#include "enroll/database/db_commands.h"

namespace sshotp::cli {

Exit run_db_copy(const Invocation&) { return usage_error("db copy: not implemented yet"); }

}  // namespace sshotp::cli
