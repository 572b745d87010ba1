// SPDX-License-Identifier: BSD-3-Clause
// The commands users run for themselves (and root for anyone): what the command table
// (enroll/command_table.cc) runs. Each receives its own argv, argv[0] being the command name.
#pragma once

#include "enroll/cli/config_location.h"
#include "enroll/cli/exit_status.h"

namespace sshotp::cli {

// enroll [--qr=STYLE] [USER] (enroll_command.cc)
Exit run_enroll(const ConfigLocation& where, int argc, char** argv);
// recovery [--count N] [USER] (recovery_command.cc)
Exit run_recovery(const ConfigLocation& where, int argc, char** argv);

}  // namespace sshotp::cli
