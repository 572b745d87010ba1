// SPDX-License-Identifier: BSD-3-Clause
// `migrate SOURCE`: takes users over from google-authenticator-libpam and pam_oath, root only.
// This file picks the source (the arguments both take are options.h's ReplaceArgs); each source
// is in a file of its own (google_authenticator_migration.cc, oath_migration.cc), and what they
// store, and how, is in migrated_user.h. Nothing from the files is ever printed or logged but line
// numbers, option names and (valid) user names.
#include "enroll/migrate/migrate_command.h"

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "enroll/cli/options.h"
#include "enroll/cli/reporting.h"

namespace sshotp::cli {

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
