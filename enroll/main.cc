// SPDX-License-Identifier: BSD-3-Clause
// sshotp-enroll: the command line (usage text, option parsing shared by the commands, global
// options, dispatch) and the last line of defence that turns an unexpected exception into exit
// status 1 with a message (never a secret: see result.h).
#include <getopt.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <syslog.h>

#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "enroll/cli.h"
#include "enroll/commands.h"
#include "enroll/context.h"
#include "enroll/privilege.h"

namespace sshotp::cli {

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: %s [--config FILE] COMMAND [ARGS]\n"
               "Enroll users for pam_sshotp, a TOTP second factor for SSH logins.\n\n"
               "Commands:\n",
               kProgramName);
  for (const Command& c : commands()) {
    std::fprintf(out, "  %s %s\n      %s\n", c.name, c.synopsis, c.summary);
  }
  std::fprintf(
      out,
      "\nUSER defaults to the invoking user; only root may name another user.\n\n"
      "Options:\n"
      "  -c, --config FILE   settings file (default %s)\n"
      "  --pam-service-file FILE\n"
      "                      PAM service whose pam_sshotp arguments override the settings\n"
      "                      (default %s; not read with --config unless given too)\n"
      "  -h, --help          show this help and exit\n"
      "  -V, --version       show the version and exit\n"
      "  --qr=STYLE          enroll: ansi (default, forced black on white), utf8\n"
      "                      (for light-on-dark terminals), invert (dark-on-light) or none\n"
      "  --algorithm ALG     import: sha1, sha256 or sha512 (default: the config's)\n"
      "  --digits N          import: 6 or 8\n"
      "  --period SECONDS    import: 15 to 120\n"
      "  --batch             import: read `USER BASE32` lines, store them all or none\n"
      "  --qr-png FILE, --qr-svg FILE\n"
      "                      enroll: also write the QR code to a new FILE (mode 0600)\n"
      "  --json              list: print a JSON array instead of a table\n"
      "  --count N           recovery: how many codes, 1 to 100 (default: the config's)\n"
      "  --replace           migrate: overwrite an enrollment that has another key\n"
      "  --group GROUP       sshd-config: ask only members of GROUP for a code\n"
      "  --output FILE       sshd-config: write the drop-in to FILE (atomically, mode 0644)\n"
      "  --install           sshd-config: install it in /etc/ssh/sshd_config.d, check the\n"
      "                      whole sshd configuration, put the old file back on failure\n"
      "  --sshd PATH, --sshd-config-dir DIR, --sshd-main-config FILE, --pam-service-file FILE\n"
      "                      sshd-config --install: other locations (tests, unusual layouts)\n\n"
      "Exit status:\n"
      "  0  success\n"
      "  1  error: config, key or store problem\n"
      "  2  usage error: bad option, command, argument or input\n"
      "  3  code not confirmed (enroll: three wrong codes; recovery: wrong code, or\n"
      "     locked out) or aborted; nothing saved\n"
      "  4  permission denied\n"
      "  5  user not enrolled\n\n"
      "Reporting bugs: see \"Reporting bugs\" in README.md.\n",
      kDefaultConfigPath, kDefaultPamService);
}

Exit option_error(int getopt_result, char** argv) {
  const std::string culprit = optind > 0 ? argv[optind - 1] : "";
  if (getopt_result == ':') return usage_error("option '" + culprit + "' needs a value");
  // A long option names itself best (also "--help=x"); a short one may sit in a cluster.
  if (culprit.starts_with("--") || optopt == 0) {
    return usage_error("unknown option '" + culprit + "'");
  }
  return usage_error(std::string("unknown option '-") + static_cast<char>(optopt) + "'");
}

std::optional<Exit> parse_options(int argc, char** argv, const struct option* long_options,
                                  const OptionHandler& handle, std::vector<std::string>& operands) {
  optind = 0;  // glibc: 0 re-initialises getopt for a fresh argv
  opterr = 0;  // we word the errors ourselves
  for (;;) {
    int option = getopt_long(argc, argv, ":h", long_options, nullptr);
    if (option == -1) break;
    if (option == 'h') {
      print_usage(stdout);
      return Exit::ok;
    }
    if (option == '?' || option == ':') return option_error(option, argv);
    if (auto stop = handle(option, optarg)) return stop;
  }
  for (int i = optind; i < argc; ++i) operands.emplace_back(argv[i]);
  return std::nullopt;
}

namespace {

Exit run(int argc, char** argv) {
  static const struct option long_options[] = {
      {"config", required_argument, nullptr, 'c'},
      {"pam-service-file", required_argument, nullptr, 'p'},
      {"help", no_argument, nullptr, 'h'},
      {"version", no_argument, nullptr, 'V'},
      {nullptr, 0, nullptr, 0}};
  ConfigLocation where;
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
  // umask; the one world-readable file, the config template, is chmod-ed explicitly.
  umask(077);
  openlog(sshotp::cli::kProgramName, LOG_PID, LOG_AUTHPRIV);
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
