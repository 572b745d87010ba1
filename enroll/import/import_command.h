// SPDX-License-Identifier: BSD-3-Clause
// `import`, a key made elsewhere, one user or a --batch: what the command table
// (enroll/command_table.cc) runs, with its own argv, argv[0] being "import".
#pragma once

#include "enroll/cli/config_location.h"
#include "enroll/cli/exit_status.h"

namespace sshotp::cli {

Exit run_import(const ConfigLocation& where, int argc, char** argv);

}  // namespace sshotp::cli
