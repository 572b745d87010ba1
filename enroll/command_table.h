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

}  // namespace sshotp::cli
