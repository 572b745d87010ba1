// SPDX-License-Identifier: BSD-3-Clause
// `import --batch`: provisions many users at once from `USER [hotp:N] KEY` lines on standard
// input (the key base32, or hex with --hex; hotp:N a counter-based token's next counter),
// in one transaction: every line is checked first, and one bad line (or a user who is already
// enrolled) aborts the whole batch with its line number and nothing written. Sized for a
// million users (see bench/import_batch.sh): one prepared INSERT for all rows, input read in
// blocks, rows written in key order. No recovery codes are issued; `recovery USER` does that.
#pragma once

#include "enroll/cli/config_location.h"
#include "enroll/cli/exit_status.h"

namespace sshotp::cli {

// Whether the import command line asks for --batch (before any "--").
bool wants_batch(int argc, char** argv);

Exit run_import_batch(const ConfigLocation& where, int argc, char** argv);

}  // namespace sshotp::cli
