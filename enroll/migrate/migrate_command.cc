// SPDX-License-Identifier: BSD-3-Clause
// `migrate SOURCE`: takes users over from google-authenticator-libpam and pam_oath, root only.
// This file picks the source and parses the arguments both take; each source is in a file of its
// own (google_authenticator_migration.cc, oath_migration.cc), and what they store, and how, is in
// migrated_user.h. Nothing from the files is ever printed or logged but line numbers, option
// names and (valid) user names.
#include "enroll/migrate/migrate_command.h"

#include <getopt.h>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "enroll/cli/options.h"
#include "enroll/cli/reporting.h"

namespace sshotp::cli {

std::optional<Exit> parse_migrate_args(int argc, char** argv, MigrateArgs& args) {
  enum : int { kReplace = 1000 };
  static const struct option long_options[] = {{"replace", no_argument, nullptr, kReplace},
                                               {"help", no_argument, nullptr, 'h'},
                                               {nullptr, 0, nullptr, 0}};
  auto handle = [&args](int, const char*) -> std::optional<Exit> {
    args.replace = true;
    return std::nullopt;
  };
  return parse_options(argc, argv, long_options, handle, args.operands);
}

Exit run_migrate(const ConfigLocation& where, int argc, char** argv) {
  if (argc < 2) return usage_error("migrate: missing SOURCE (google-authenticator or oath)");
  const std::string_view source = argv[1];
  if (source == "-h" || source == "--help") {
    print_help(stdout);
    return Exit::ok;
  }
  if (source == "google-authenticator") {
    return run_migrate_google_authenticator(where, argc - 1, argv + 1);
  }
  if (source == "oath") return run_migrate_oath(where, argc - 1, argv + 1);
  return usage_error("migrate: unknown source '" + std::string(source) +
                     "' (google-authenticator or oath)");
}

}  // namespace sshotp::cli
