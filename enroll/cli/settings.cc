// SPDX-License-Identifier: BSD-3-Clause
// Loading the CLI's settings (see settings.h).
#include "enroll/cli/settings.h"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "common/file_checks.h"
#include "enroll/cli/config_location.h"
#include "enroll/cli/module_settings.h"
#include "enroll/setuid/privilege.h"

namespace sshotp::cli {
namespace {

// The default settings file is missing: the module refuses every login without it, so a command
// that writes the store refuses too, rather than enrolling users who then cannot log in.
Error missing_settings_file(const std::string& path) {
  return make_error(Errc::unavailable,
                    path + ": " + std::strerror(ENOENT) +
                        " (pam_sshotp refuses every login without it; it comes with the package, "
                        "or copy enroll/sshotp.conf from the source tree; see sshotp.conf(5))");
}

}  // namespace

Result<Config> load_cli_config(const ConfigLocation& where, ConfigUse use) {
  Elevated root;  // setuid: the file checks then accept root's files only
  if (!where.given && file_missing(where.path)) {
    if (use == ConfigUse::reading) return with_module_arguments(Config{}, where);
    return missing_settings_file(where.path);
  }
  auto file = load_config_file(where.path);
  if (!file) return file;
  // The module's own arguments override the file: checks and writes must match the module's.
  return with_module_arguments(std::move(file).value(), where);
}

Result<std::string> issuer_for(const Config& config) {
  std::string issuer = config.issuer;
  if (issuer.empty()) {
    char host[HOST_NAME_MAX + 1] = {};
    if (gethostname(host, sizeof host - 1) != 0) {
      return make_error(Errc::unavailable, std::string("host name: ") + std::strerror(errno));
    }
    issuer = host;
  }
  if (issuer.find(':') != std::string::npos) {
    return make_error(
        Errc::invalid_argument,
        "issuer '" + issuer + "' contains ':', which authenticator apps cannot parse");
  }
  return issuer;
}

}  // namespace sshotp::cli
