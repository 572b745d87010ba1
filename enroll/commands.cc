// SPDX-License-Identifier: BSD-3-Clause
// The command table: names, --help lines and the function that runs each command.
#include "enroll/commands.h"

namespace sshotp::cli {
namespace {

constexpr Command kCommands[] = {
    {"enroll", "[--qr=STYLE] [USER]",
     "show a new key and its QR code, confirm a code, save it; show new recovery codes",
     run_enroll},
    {"import", "USER [--algorithm ALG] [--digits N] [--period SECONDS]",
     "store the base32 key read from stdin; print new recovery codes (root only)", run_import},
    {"recovery", "[--count N] [USER]",
     "replace the recovery codes of USER with new ones and print them (yourself: after a code)",
     run_recovery},
    {"remove", "USER", "delete the enrollment of USER (root only)", run_remove},
    {"unlock", "USER", "reset the failed attempts and lockout of USER (root only)", run_unlock},
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
    {"sshd-config", "[--group GROUP] [--output FILE | --install]",
     "print the sshd drop-in (key, then code), write it, or install it and check it with sshd "
     "(--install: root only)",
     run_sshd_config},
};

}  // namespace

std::span<const Command> commands() { return kCommands; }

}  // namespace sshotp::cli
