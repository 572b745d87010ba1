// SPDX-License-Identifier: BSD-3-Clause
// Applying pam_sshotp's arguments from the PAM service to sshotp-enroll's settings (see
// module_settings.h).
#include "enroll/cli/module_settings.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "common/file_checks.h"
#include "enroll/cli/config_location.h"
#include "enroll/cli/pam_service_file.h"
#include "enroll/program_name.h"

namespace sshotp::cli {
namespace {

constexpr std::size_t kMaxServiceBytes = 64 * 1024;
// libpam reads /etc/pam.d/NAME, else the vendor's /usr/lib/pam.d/NAME (_pam_open_config_file).
constexpr const char* kVendorPamService = "/usr/lib/pam.d/sshd";

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
  std::string service = where.pam_service;
  struct stat st {};
  if (!where.pam_service_given && lstat(service.c_str(), &st) != 0 && errno == ENOENT) {
    // sshd's service then comes from the vendor directory, as libpam looks it up; it gets the
    // same root-owned checks below.
    if (service != kDefaultPamService ||
        (lstat(kVendorPamService, &st) != 0 && errno == ENOENT)) {
      std::fprintf(stderr, "%s: note: %s does not exist: using the settings of %s alone\n",
                   kProgramName, service.c_str(), where.path.c_str());
      return file;
    }
    service = kVendorPamService;
  }
  // Root's file only in a setuid run (the caller is root then): the same checks as the
  // settings file, since its arguments override it.
  auto text = read_checked_file(service, Exposure::world_readable, kMaxServiceBytes);
  if (!text) return std::move(text).error();
  const std::string_view view(reinterpret_cast<const char*>(text->data()), text->size());

  std::optional<Config> chosen;
  unsigned chosen_line = 0;
  std::optional<PamLine> elsewhere;  // a pam_sshotp line that reads another settings file
  std::string included;              // the auth stacks it pulls in, not followed
  for (const PamLine& line : parse_pam_service(view)) {
    if (line.is_auth() && line.is_stacked()) {
      included += (included.empty() ? "" : ", ") + line.module;
      continue;
    }
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
  // pam_sshotp may well run from an included stack: say that its arguments there, which may
  // differ from the settings file, are not applied rather than use the file silently.
  if (!included.empty()) {
    std::fprintf(stderr,
                 "%s: warning: %s has no pam_sshotp line of its own but includes %s: the "
                 "arguments of pam_sshotp lines there are not applied; using the settings of %s "
                 "alone\n",
                 kProgramName, service.c_str(), included.c_str(), where.path.c_str());
  }
  return file;
}

}  // namespace sshotp::cli
