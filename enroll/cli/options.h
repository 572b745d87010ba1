// SPDX-License-Identifier: BSD-3-Clause
// One way of parsing a command's options and wording their errors, for every command.
#pragma once

#include <getopt.h>

#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "enroll/cli/exit_status.h"

namespace sshotp::cli {

// The --help text comes from the command table, which sits above every command (enroll/
// command_table.h); main() hands it down here, so that the commands' own option parsing does
// not depend on the table that depends on them.
using UsagePrinter = void (*)(std::FILE* out);
void set_usage_printer(UsagePrinter print) noexcept;
// Prints that text (nothing before main() has set it), for a command's -h/--help.
void print_help(std::FILE* out);

// getopt_long over a command's argv (argv[0] is the command name), with -h/--help handled and
// errors worded uniformly. `handle` gets every other option and returns an exit status to stop
// with (a bad value), or nothing. Operands are collected into `operands`. Returns the status to
// exit with (Exit::ok after --help, Exit::usage on a bad option), or nothing to carry on.
using OptionHandler = std::function<std::optional<Exit>(int option, const char* value)>;
std::optional<Exit> parse_options(int argc, char** argv, const struct option* long_options,
                                  const OptionHandler& handle, std::vector<std::string>& operands);

// The options and operands of a command whose only option is --replace (migrate, db copy).
struct ReplaceArgs {
  bool replace = false;
  std::vector<std::string> operands;
};
// Parses --replace (and -h/--help) into `args`. Returns the status to exit with (Exit::ok after
// --help, Exit::usage on a bad option), or nothing to carry on.
std::optional<Exit> parse_replace_args(int argc, char** argv, ReplaceArgs& args);

// Reports what getopt_long's '?' or ':' (optstring starting with ':') was about.
Exit option_error(int getopt_result, char** argv);

}  // namespace sshotp::cli
