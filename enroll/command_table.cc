// SPDX-License-Identifier: BSD-3-Clause
// The command table: names, --help lines and the function that runs each command, and the
// --help text made from it.
#include "enroll/command_table.h"

#include <cstdio>

#include "enroll/admin/admin_commands.h"
#include "enroll/admin/resync_command.h"
#include "enroll/database/db_commands.h"
#include "enroll/enrollment/enrollment_commands.h"
#include "enroll/import/import_command.h"
#include "enroll/migrate/migrate_command.h"
#include "enroll/program_name.h"
#include "enroll/sshd/sshd_config_command.h"

namespace sshotp::cli {
namespace {

constexpr Command kCommands[] = {
    {"enroll", "[--qr=STYLE] [--hotp] [USER]",
     "show a new key and its QR code, confirm a code, save it; show new recovery codes",
     run_enroll},
    {"import",
     "USER [--algorithm ALG] [--digits N] [--period SECONDS | --hotp [--counter N]] [--hex]",
     "store the base32 (or hex) key read from stdin; print new recovery codes (root only)",
     run_import},
    {"recovery", "[--count N] [USER]",
     "replace the recovery codes of USER with new ones and print them (yourself: after a code)",
     run_recovery},
    {"remove", "USER", "delete the enrollment of USER (root only)", run_remove},
    {"unlock", "USER", "reset the failed attempts and lockout of USER (root only)", run_unlock},
    {"resync", "[USER]",
     "read two consecutive codes of USER's hardware token (HOTP) and move its counter past them "
     "(yourself: counted like a login)",
     run_resync},
    {"status", "[USER]", "show the enrollment, lockout and recovery codes left of USER",
     run_status},
    {"list", "[--json]",
     "show every enrolled or pending user: state, parameters, use, lockout (root only)", run_list},
    {"disable", "USER", "refuse every login of USER until enabled again (root only)", run_disable},
    {"enable", "USER", "let USER log in again after disable (root only)", run_enable},
    {"migrate", "(google-authenticator USER [FILE] | oath USERSFILE) [--replace]",
     "take users over from google-authenticator or pam_oath; report what does not carry over "
     "(root only)",
     run_migrate},
    {"db",
     "(init | upgrade) --conninfo OWNER | check [--conninfo CONNINFO] | copy FILE.db "
     "[--replace]",
     "PostgreSQL store: create or migrate the schema as the owner role, check this host's "
     "access, or copy a SQLite store into it (root only)",
     run_db},
    {"sshd-config", "[--group GROUP] [--output FILE | --install]",
     "print the sshd drop-in (key, then code), write it, or install it and check it with sshd "
     "(--install: root only)",
     run_sshd_config},
};

}  // namespace

std::span<const Command> commands() { return kCommands; }

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: %s [--config FILE] COMMAND [ARGS]\n"
               "Enroll users for pam_sshotp, a TOTP or HOTP second factor for SSH logins.\n\n"
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
      "  --hotp              import, enroll: a counter-based (HOTP) key, as hardware tokens use\n"
      "  --counter N         import --hotp: the counter of the token's next code (default 0)\n"
      "  --hex               import: the key on stdin is hex, not base32\n"
      "  --batch             import: read `USER [hotp:N] KEY` lines, store them all or none\n"
      "  --qr-png FILE, --qr-svg FILE\n"
      "                      enroll: also write the QR code to a new FILE (mode 0600)\n"
      "  --json              list: print a JSON array instead of a table\n"
      "  --count N           recovery: how many codes, 1 to 100 (default: the config's)\n"
      "  --replace           migrate: overwrite an enrollment that has another key\n"
      "  --conninfo CONNINFO db: libpq keywords to connect with instead of pg_conninfo\n"
      "                      (init, upgrade: the owner role; never a password)\n"
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
      "     locked out; resync: no two consecutive codes found, or locked out) or\n"
      "     aborted; nothing saved\n"
      "  4  permission denied\n"
      "  5  user not enrolled\n\n"
      "Reporting bugs: see \"Reporting bugs\" in README.md.\n",
      kDefaultConfigPath, kDefaultPamService);
}

}  // namespace sshotp::cli
