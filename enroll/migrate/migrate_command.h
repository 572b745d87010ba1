// SPDX-License-Identifier: BSD-3-Clause
// What the three files of `migrate` share: the arguments both sources take, and the two
// sources the `migrate` command (migrate_command.cc) dispatches to. Each source receives its own
// argv, argv[0] being the source's name.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "enroll/cli/config_location.h"
#include "enroll/cli/exit_status.h"
#include "enroll/cli/options.h"

namespace sshotp::cli {

// The options and operands both sources take: --replace, then the source's operands
// (parse_replace_args, options.h).
using MigrateArgs = ReplaceArgs;

// migrate (google-authenticator ... | oath ...) [--replace], which the command table
// (enroll/command_table.cc) runs (migrate_command.cc)
Exit run_migrate(const ConfigLocation& where, int argc, char** argv);

// migrate google-authenticator USER [FILE] (google_authenticator_migration.cc)
Exit run_migrate_google_authenticator(const ConfigLocation& where, int argc, char** argv);

// migrate oath USERSFILE (oath_migration.cc)
Exit run_migrate_oath(const ConfigLocation& where, int argc, char** argv);

}  // namespace sshotp::cli
