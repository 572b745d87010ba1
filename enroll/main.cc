// SPDX-License-Identifier: BSD-3-Clause
// sshotp-enroll: the global options, the dispatch to a command (cli/command_table.h) and the last
// line of defence that turns an unexpected exception into exit status 1 with a message (never a
// secret: see result.h).
#include <getopt.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <syslog.h>

#include <cstdio>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "enroll/cli/options.h"
#include "enroll/cli/reporting.h"
#include "enroll/command_table.h"
#include "enroll/program_name.h"
#include "enroll/setuid/privilege.h"

namespace sshotp::cli {

namespace {

// The options before the command name, into `where`. Returns the status to exit with (after
// --help, --version or a refused or bad option), or nothing to go on with the command.
std::optional<Exit> parse_global_options(int argc, char** argv, ConfigLocation& where) {
  static const struct option long_options[] = {
      {"config", required_argument, nullptr, 'c'},
      {"pam-service-file", required_argument, nullptr, 'p'},
      {"help", no_argument, nullptr, 'h'},
      {"version", no_argument, nullptr, 'V'},
      {nullptr, 0, nullptr, 0}};
  opterr = 0;
  // '+': stop at the command name; what follows belongs to the command.
  for (int option; (option = getopt_long(argc, argv, "+:c:hV", long_options, nullptr)) != -1;) {
    switch (option) {
      case 'c':
        // A setuid run reads root's files: which ones is not the caller's choice.
        if (running_setuid()) {
          print_error("--config", "permission denied (only root may choose the settings file)");
          return Exit::permission;
        }
        where.path = optarg;
        where.given = true;
        break;
      case 'p':
        // Its module arguments override the settings: the same rule as for --config.
        if (running_setuid()) {
          print_error("--pam-service-file",
                      "permission denied (only root may choose the PAM service file)");
          return Exit::permission;
        }
        where.pam_service = optarg;
        where.pam_service_given = true;
        break;
      case 'h':
        print_usage(stdout);
        return Exit::ok;
      case 'V':
        std::printf("%s (pam_sshotp) %s\n", kProgramName, PACKAGE_VERSION);
        return Exit::ok;
      default:
        return option_error(option, argv);
    }
  }
  return std::nullopt;
}

Exit run(int argc, char** argv) {
  ConfigLocation where;
  if (auto stop = parse_global_options(argc, argv, where)) return *stop;
  // getopt_long stopped at the command name (optind): the command gets its name and the rest.
  if (optind >= argc) return usage_error("missing command");
  const std::string_view name = argv[optind];
  for (const Command& command : commands()) {
    if (name == command.name) return command.run(where, argc - optind, argv + optind);
  }
  return usage_error("unknown command '" + std::string(name) + "'");
}

}  // namespace
}  // namespace sshotp::cli

int main(int argc, char** argv) {
  using sshotp::cli::Exit;
  // Installed setuid root, the caller controls our environment, descriptors, signals and limits:
  // take them back before anything else runs, and act as the caller from here on.
  sshotp::cli::secure_start();
  // The process holds TOTP secrets, typed codes and recovery codes: no core dump, and no
  // ptrace by other processes of the same user.
  prctl(PR_SET_DUMPABLE, 0);
  // Everything we create (key, store, its directory) must be private, whatever the caller's
  // umask; the one world-readable file, the sshd drop-in, is chmod-ed explicitly.
  umask(077);
  openlog(sshotp::cli::kProgramName, LOG_PID, LOG_AUTHPRIV);
  sshotp::cli::set_usage_printer(sshotp::cli::print_usage);
  Exit exit = Exit::error;
  try {
    exit = sshotp::cli::run(argc, argv);
  } catch (const std::bad_alloc&) {
    sshotp::cli::print_error("internal error", "out of memory");
  } catch (const std::exception& e) {
    sshotp::cli::print_error("internal error", e.what());
  }
  std::fflush(stdout);
  closelog();
  return sshotp::cli::exit_status(exit);
}
