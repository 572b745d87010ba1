// SPDX-License-Identifier: BSD-3-Clause
// The settings a command runs with: the config file (installed with the package or `make install`,
// never created here), the PAM service's module arguments on top of it (module_settings.h), and
// the issuer shown in authenticator apps.
#pragma once

#include <string>

#include "common/config.h"
#include "common/result.h"
#include "enroll/cli/config_location.h"

namespace sshotp::cli {

// When the default config file does not exist, `writing` commands (enroll, import, migrate)
// refuse, naming it: the PAM module refuses every login without it, so enrolling would only
// mislead. Read commands fall back to the built-in defaults instead. An explicit --config must
// always exist.
enum class ConfigUse { reading, writing };
Result<Config> load_cli_config(const ConfigLocation& where, ConfigUse use);

// config.issuer, or the host name when it is empty; refuses a ':' (the label separator).
Result<std::string> issuer_for(const Config& config);

}  // namespace sshotp::cli
