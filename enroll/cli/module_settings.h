// SPDX-License-Identifier: BSD-3-Clause
// sshotp-enroll checks codes, counts failures and writes enrollments with the settings the
// module uses, not just those of the settings file: an admin may override any setting as an
// argument of the pam_sshotp line in the PAM service sshd runs (/etc/pam.d/sshd), and a CLI
// that ignored max_failures=3 there would allow 10 guesses, one that ignored db= would enroll
// users into a store the module never reads. The rule (sshotp-enroll(8) "MODULE ARGUMENTS"):
//   - the auth lines of pam_sshotp in the service file itself (includes are not followed) whose
//     settings file (config=, else the default) is the one sshotp-enroll uses have their
//     arguments applied on top of it, exactly as the module applies them (common/config.h);
//   - if those lines disagree on a setting sshotp-enroll uses, it refuses: which line the
//     module runs depends on the stack, so there is no one right answer to pick;
//   - if there are pam_sshotp lines but none reads its settings file, it refuses too (it would
//     work on settings, maybe a store, that the module does not use);
//   - no pam_sshotp line, or no service file: the settings file alone (a missing file is noted
//     on stderr, and so are include/substack/@include lines, whose pam_sshotp arguments are
//     not applied); a missing /etc/pam.d/sshd means /usr/lib/pam.d/sshd, as for libpam;
//   - an explicit --config without --pam-service-file reads no service file: root chose the
//     settings. A setuid run may choose neither, so it always reads root's /etc/pam.d/sshd.
#pragma once

#include "common/config.h"
#include "common/result.h"
#include "enroll/cli/config_location.h"

namespace sshotp::cli {

// `file` (the settings read from where.path) with the module arguments that apply to it.
// Call it as root in a setuid run (an Elevated scope): the service file must then be root's.
Result<Config> with_module_arguments(Config file, const ConfigLocation& where);

}  // namespace sshotp::cli
