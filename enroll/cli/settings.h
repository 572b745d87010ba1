// SPDX-License-Identifier: BSD-3-Clause
// The settings a command runs with: the config file (created with a template on first use by a
// writing command), the PAM service's module arguments on top of it (module_settings.h), and
// the issuer shown in authenticator apps.
#pragma once

#include <string>

#include "common/config.h"
#include "common/result.h"
#include "enroll/cli/config_location.h"

namespace sshotp::cli {

// `writing` commands (enroll, import) create the default config file, with a commented template
// of every setting, when it does not exist yet: the PAM module refuses to run without it. Read
// commands fall back to the built-in defaults instead. An explicit --config must always exist.
enum class ConfigUse { reading, writing };
Result<Config> load_cli_config(const ConfigLocation& where, ConfigUse use);

// The template written on first use: every setting commented out, showing its default.
std::string config_template();

// config.issuer, or the host name when it is empty; refuses a ':' (the label separator).
Result<std::string> issuer_for(const Config& config);

}  // namespace sshotp::cli
