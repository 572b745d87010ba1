// SPDX-License-Identifier: BSD-3-Clause
// The sshotp-enroll commands: enroll, import, remove and status. Each receives its own argv
// (argv[0] is the command name), parses its options, validates everything, and only then
// touches the key and the store.
#pragma once

#include <span>

#include "enroll/cli.h"

namespace sshotp::cli {

using CommandFn = Exit (*)(const ConfigLocation& where, int argc, char** argv);

struct Command {
  const char* name;
  const char* synopsis;  // arguments, for --help
  const char* summary;   // one line, for --help
  CommandFn run;
};

std::span<const Command> commands();

}  // namespace sshotp::cli
