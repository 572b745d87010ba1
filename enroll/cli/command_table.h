// SPDX-License-Identifier: BSD-3-Clause
// The sshotp-enroll commands and their table. Each receives its own argv (argv[0] is the command
// name), parses its options, validates everything, and only then touches the key and the store.
// Admin actions leave exactly one syslog line, whatever the outcome (Session in session.h).
#pragma once

#include <cstdio>
#include <span>

#include "enroll/cli/config_location.h"
#include "enroll/cli/exit_status.h"

namespace sshotp::cli {

using CommandFn = Exit (*)(const ConfigLocation& where, int argc, char** argv);

struct Command {
  const char* name;
  const char* synopsis;  // arguments, for --help
  const char* summary;   // one line, for --help
  CommandFn run;
};

std::span<const Command> commands();

// The --help text: commands, options and exit statuses.
void print_usage(std::FILE* out);

Exit run_enroll(const ConfigLocation& where, int argc, char** argv);    // enroll_command.cc
Exit run_import(const ConfigLocation& where, int argc, char** argv);    // import_command.cc
Exit run_recovery(const ConfigLocation& where, int argc, char** argv);  // recovery_command.cc
Exit run_remove(const ConfigLocation& where, int argc, char** argv);    // admin_commands.cc
Exit run_unlock(const ConfigLocation& where, int argc, char** argv);    // admin_commands.cc
Exit run_status(const ConfigLocation& where, int argc, char** argv);    // admin_commands.cc
Exit run_disable(const ConfigLocation& where, int argc, char** argv);   // admin_commands.cc
Exit run_enable(const ConfigLocation& where, int argc, char** argv);    // admin_commands.cc
Exit run_list(const ConfigLocation& where, int argc, char** argv);      // list_command.cc
Exit run_migrate(const ConfigLocation& where, int argc, char** argv);   // migrate_command.cc
// sshd_config_command.cc:
Exit run_sshd_config(const ConfigLocation& where, int argc, char** argv);

}  // namespace sshotp::cli
