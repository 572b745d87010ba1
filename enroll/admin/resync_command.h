// SPDX-License-Identifier: BSD-3-Clause
// `resync [USER]`, which the command table (enroll/command_table.cc) runs: a hardware token
// (HOTP) that ran ahead of the login window is brought back by two consecutive codes.
#pragma once

#include "enroll/cli/config_location.h"
#include "enroll/cli/exit_status.h"

namespace sshotp::cli {

// resync [USER] (resync_command.cc)
Exit run_resync(const ConfigLocation& where, int argc, char** argv);

}  // namespace sshotp::cli
