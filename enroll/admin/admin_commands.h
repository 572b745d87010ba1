// SPDX-License-Identifier: BSD-3-Clause
// The administrators' commands, root only but for `status` of oneself: what the command table
// (enroll/command_table.cc) runs. Each receives its own argv, argv[0] being the command name.
#pragma once

#include "enroll/cli/config_location.h"
#include "enroll/cli/exit_status.h"

namespace sshotp::cli {

// remove USER, unlock USER, disable USER, enable USER, status [USER] (admin_commands.cc)
Exit run_remove(const ConfigLocation& where, int argc, char** argv);
Exit run_unlock(const ConfigLocation& where, int argc, char** argv);
Exit run_disable(const ConfigLocation& where, int argc, char** argv);
Exit run_enable(const ConfigLocation& where, int argc, char** argv);
Exit run_status(const ConfigLocation& where, int argc, char** argv);
// list [--json] (list_command.cc)
Exit run_list(const ConfigLocation& where, int argc, char** argv);

}  // namespace sshotp::cli
