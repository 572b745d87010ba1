// SPDX-License-Identifier: BSD-3-Clause
// `sshotp-enroll sshd-config --install`: put the drop-in in place and let sshd itself confirm
// that the whole configuration is valid and gives the intended values to the users it is meant
// for (and to the others); otherwise put the previous file back. A wrong sshd configuration
// either locks everybody out or silently skips the second factor, so nothing is left in place
// that sshd has not confirmed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "enroll/cli/exit_status.h"

namespace sshotp::cli {

// Where sshd and its configuration live. The defaults are Debian's; tests (and unusual layouts)
// point them elsewhere, so that nothing under /etc is touched.
struct SshdLayout {
  std::string config_dir = "/etc/ssh/sshd_config.d";
  std::string sshd = "/usr/sbin/sshd";
  std::string main_config = "/etc/ssh/sshd_config";
  std::string pam_service = "/etc/pam.d/sshd";
};

// Writes `text` (the drop-in for `group`, or for everyone) as <config_dir>/20-sshotp.conf,
// validates, reports, and restores on failure. Root only: the caller has checked.
Exit install_sshd_dropin(const SshdLayout& layout, const std::optional<std::string>& group,
                         std::string_view text);

}  // namespace sshotp::cli
