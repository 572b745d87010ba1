// SPDX-License-Identifier: BSD-3-Clause
// `sshd-config`: print, write or install the sshd drop-in. What the command table
// (enroll/command_table.cc) runs, with its own argv, argv[0] being "sshd-config".
#pragma once

#include "enroll/cli/config_location.h"
#include "enroll/cli/exit_status.h"

namespace sshotp::cli {

Exit run_sshd_config(const ConfigLocation& where, int argc, char** argv);

}  // namespace sshotp::cli
