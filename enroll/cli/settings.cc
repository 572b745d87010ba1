// SPDX-License-Identifier: BSD-3-Clause
// Loading and creating the CLI's settings (see settings.h).
#include "enroll/cli/settings.h"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include "common/file_checks.h"
#include "enroll/cli/config_location.h"
#include "enroll/cli/module_settings.h"
#include "enroll/program_name.h"
#include "enroll/setuid/privilege.h"

namespace sshotp::cli {
namespace {

// Creates the default config file with the template. O_EXCL: if someone else created it in the
// meantime, theirs is the one that gets loaded.
Status create_config_file(const std::string& path) {
  // The config holds no secret and the module reads it as root anyway, but admins expect
  // /etc/security files to be readable: 0644 despite our umask(077).
  const std::string text = config_template();
  CreateResult created = create_new_file(path, text.data(), text.size(), 0644);
  if (created.already_exists) return Ok{};
  if (!created.status) return created.status;
  std::fprintf(stderr, "%s: created %s with the default settings\n", kProgramName, path.c_str());
  return Ok{};
}

}  // namespace

std::string config_template() {
  std::string text =
      "# pam_sshotp settings, read by pam_sshotp.so and sshotp-enroll. See pam_sshotp(8).\n"
      "# Each line is `key = value`; quote a value to keep leading or trailing spaces.\n"
      "# Every setting is shown commented out with its default (or an example).\n";
  for (const SettingDoc& doc : setting_docs()) {
    text += "\n# ";
    text += doc.purpose;
    text += "\n# ";
    text += doc.name;
    text += " = " + doc.shown_value + "\n";
  }
  return text;
}

Result<Config> load_cli_config(const ConfigLocation& where, ConfigUse use) {
  Elevated root;  // setuid: the file checks then accept root's files only
  if (!where.given && file_missing(where.path)) {
    if (use == ConfigUse::reading) return with_module_arguments(Config{}, where);
    if (auto st = create_config_file(where.path); !st) return std::move(st).error();
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
