// SPDX-License-Identifier: BSD-3-Clause
// Which settings a run uses: the config file and the PAM service file, as the global options
// (--config, --pam-service-file) or their defaults name them.
#pragma once

#include <string>

#include "common/config.h"

namespace sshotp::cli {

// Where the settings come from. An explicit --config must exist; the default path may be
// missing, and then a command that writes creates it (see settings.h). The module arguments in
// the PAM service file override them as they do for the module (module_settings.h).
inline constexpr const char* kDefaultPamService = "/etc/pam.d/sshd";

struct ConfigLocation {
  std::string path = kDefaultConfigPath;
  bool given = false;
  // The PAM service whose pam_sshotp arguments apply on top of the file (module_settings.h).
  std::string pam_service = kDefaultPamService;
  bool pam_service_given = false;
};

}  // namespace sshotp::cli
