// SPDX-License-Identifier: BSD-3-Clause
// What every sshotp-enroll command shares with main(): the documented exit statuses, the global
// options, and one way of parsing options and wording their errors. The exit numbers are part
// of the interface (scripts test them; --help and sshotp-enroll(8) list them).
#pragma once

#include <getopt.h>

#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/config.h"

namespace sshotp::cli {

// Here rather than in context.h: privilege.cc and module_settings.cc word their messages with it,
// and context.h includes them (through elevated_store.h and module_settings.h).
inline constexpr const char* kProgramName = "sshotp-enroll";

enum class Exit : int {
  ok = 0,
  error = 1,         // store, key or config problem (the message names the path and reason)
  usage = 2,         // unknown option or command, missing argument, bad value or input format
  verification = 3,  // wrong confirmation code three times, or the user aborted
  permission = 4,    // the caller may not act on that user
  not_enrolled = 5,  // the user has no enrollment
};

inline int exit_status(Exit e) noexcept { return static_cast<int>(e); }

// Where the settings come from. An explicit --config must exist; the default path may be
// missing, and then a command that writes creates it (see context.h). The module arguments in
// the PAM service file override them as they do for the module (module_settings.h).
inline constexpr const char* kDefaultPamService = "/etc/pam.d/sshd";

struct ConfigLocation {
  std::string path = kDefaultConfigPath;
  bool given = false;
  // The PAM service whose pam_sshotp arguments apply on top of the file (module_settings.h).
  std::string pam_service = kDefaultPamService;
  bool pam_service_given = false;
};

// The --help text: commands, options and exit statuses.
void print_usage(std::FILE* out);

// getopt_long over a command's argv (argv[0] is the command name), with -h/--help handled and
// errors worded uniformly. `handle` gets every other option and returns an exit status to stop
// with (a bad value), or nothing. Operands are collected into `operands`. Returns the status to
// exit with (Exit::ok after --help, Exit::usage on a bad option), or nothing to carry on.
using OptionHandler = std::function<std::optional<Exit>(int option, const char* value)>;
std::optional<Exit> parse_options(int argc, char** argv, const struct option* long_options,
                                  const OptionHandler& handle, std::vector<std::string>& operands);

// Reports what getopt_long's '?' or ':' (optstring starting with ':') was about.
Exit option_error(int getopt_result, char** argv);

}  // namespace sshotp::cli
