// SPDX-License-Identifier: BSD-3-Clause
// Applying pam_sshotp's arguments from the PAM service to sshotp-enroll's settings (see
// module_settings.h).
#include "enroll/module_settings.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "common/file_checks.h"
#include "enroll/cli.h"
#include "enroll/pam_service_file.h"

namespace sshotp::cli {
namespace {

constexpr std::size_t kMaxServiceBytes = 64 * 1024;

std::vector<const char*> argv_of(const PamLine& line) {
  std::vector<const char*> args;
  for (const std::string& arg : line.args) args.push_back(arg.c_str());
  return args;
}

Error refusal(const std::string& service, unsigned number, const std::string& why) {
  return make_error(Errc::unavailable, service + " line " + std::to_string(number) + ": " + why);
}

}  // namespace

Result<Config> with_module_arguments(Config file, const ConfigLocation& where) {
  if (where.given && !where.pam_service_given) return file;
  const std::string& service = where.pam_service;
  struct stat st {};
  if (!where.pam_service_given && lstat(service.c_str(), &st) != 0 && errno == ENOENT) {
    std::fprintf(stderr, "%s: note: %s does not exist: using the settings of %s alone\n",
                 kProgramName, service.c_str(), where.path.c_str());
    return file;
  }
  // Root's file only in a setuid run (the caller is root then): the same checks as the
  // settings file, since its arguments override it.
  auto text = read_checked_file(service, Exposure::world_readable, kMaxServiceBytes);
  if (!text) return std::move(text).error();
  const std::string_view view(reinterpret_cast<const char*>(text->data()), text->size());

  std::optional<Config> chosen;
  unsigned chosen_line = 0;
  std::optional<PamLine> elsewhere;  // a pam_sshotp line that reads another settings file
  for (const PamLine& line : parse_pam_service(view)) {
    if (!line.is_sshotp_auth()) continue;
    const auto args = argv_of(line);
    // A bad argument makes the module refuse every login (PAM_SERVICE_ERR): refuse as well.
    auto path = module_args_config_path(args);
    if (!path) return refusal(service, line.number, path.error().message);
    if (*path != where.path) {
      if (!elsewhere) elsewhere = line;
      continue;
    }
    Config effective = file;
    (void)apply_module_args(effective, args);  // checked by module_args_config_path
    if (!chosen) {
      chosen = std::move(effective);
      chosen_line = line.number;
    } else if (auto differs = first_cli_difference(*chosen, effective)) {
      return refusal(service, line.number,
                     "pam_sshotp's " + std::string(*differs) + " differs from line " +
                         std::to_string(chosen_line) +
                         ": sshotp-enroll cannot tell which one applies (ambiguous); give "
                         "every pam_sshotp line the same " +
                         std::string(*differs));
    }
  }
  if (chosen) return std::move(*chosen);
  if (elsewhere) {
    auto path = module_args_config_path(argv_of(*elsewhere));
    return refusal(service, elsewhere->number,
                   "pam_sshotp reads the settings file " + *path + ", not " + where.path +
                       ": sshotp-enroll would not use the module's settings");
  }
  return file;
}

}  // namespace sshotp::cli
