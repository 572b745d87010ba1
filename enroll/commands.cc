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
};

}  // namespace

std::span<const Command> commands() { return kCommands; }

}  // namespace sshotp::cli
