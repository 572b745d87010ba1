// SPDX-License-Identifier: BSD-3-Clause
// Applying pam_sshotp's arguments from the PAM service to sshotp-enroll's settings (see
// module_settings.h).
#include "enroll/cli/module_settings.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
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

// The PAM service file to read: where.pam_service, or the vendor's copy of sshd's service when
// /etc/pam.d has none, as libpam looks it up. Nothing when there is no file to read (a note on
// stderr says so): the settings file then applies alone.
std::optional<std::string> service_to_read(const ConfigLocation& where) {
  std::string service = where.pam_service;
  struct stat st {};
  if (!where.pam_service_given && lstat(service.c_str(), &st) != 0 && errno == ENOENT) {
    // sshd's service then comes from the vendor directory, as libpam looks it up; it gets the
    // same root-owned checks as the file in /etc/pam.d.
    if (service != kDefaultPamService || (lstat(kVendorPamService, &st) != 0 && errno == ENOENT)) {
      std::fprintf(stderr, "%s: note: %s does not exist: using the settings of %s alone\n",
                   kProgramName, service.c_str(), where.path.c_str());
      return std::nullopt;
    }
    service = kVendorPamService;
  }
  return service;
}

// What the lines of the service file say about the settings file sshotp-enroll uses.
struct ServiceLines {
  std::optional<Config> chosen;      // that file with the arguments of the lines that read it
  unsigned chosen_line = 0;          // the first of those lines
  std::optional<PamLine> elsewhere;  // a pam_sshotp line that reads another settings file
  std::string included;              // the auth stacks it pulls in, not followed
};

// Goes through the service's lines, applying the arguments of every pam_sshotp auth line that
// reads `settings_path` to `file`. Refuses a bad argument, and lines that disagree on a setting
// sshotp-enroll uses.
Result<ServiceLines> read_service_lines(const std::string& service, std::string_view text,
                                        const Config& file, const std::string& settings_path) {
  ServiceLines found;
  for (const PamLine& line : parse_pam_service(text)) {
    if (line.is_auth() && line.is_stacked()) {
      found.included += (found.included.empty() ? "" : ", ") + line.module;
      continue;
    }
    if (!line.is_sshotp_auth()) continue;
    const auto args = argv_of(line);
    // A bad argument makes the module refuse every login (PAM_SERVICE_ERR): refuse as well.
    auto path = module_args_config_path(args);
    if (!path) return refusal(service, line.number, path.error().message);
    if (*path != settings_path) {
      if (!found.elsewhere) found.elsewhere = line;
      continue;
    }
    Config effective = file;
    (void)apply_module_args(effective, args);  // checked by module_args_config_path
    if (!found.chosen) {
      found.chosen = std::move(effective);
      found.chosen_line = line.number;
    } else if (auto differs = first_cli_difference(*found.chosen, effective)) {
      return refusal(service, line.number,
                     "pam_sshotp's " + std::string(*differs) + " differs from line " +
                         std::to_string(found.chosen_line) +
                         ": sshotp-enroll cannot tell which one applies (ambiguous); give "
                         "every pam_sshotp line the same " +
                         std::string(*differs));
    }
  }
  return found;
}

}  // namespace

Result<Config> with_module_arguments(Config file, const ConfigLocation& where) {
  if (where.given && !where.pam_service_given) return file;
  const std::optional<std::string> service = service_to_read(where);
  if (!service) return file;
  // Root's file only in a setuid run (the caller is root then): the same checks as the
  // settings file, since its arguments override it.
  auto text = read_checked_file(*service, Exposure::world_readable, kMaxServiceBytes);
  if (!text) return std::move(text).error();
  const std::string_view view(reinterpret_cast<const char*>(text->data()), text->size());
  auto found = read_service_lines(*service, view, file, where.path);
  if (!found) return std::move(found).error();

  if (found->chosen) return std::move(*found->chosen);
  if (found->elsewhere) {
    auto path = module_args_config_path(argv_of(*found->elsewhere));
    return refusal(*service, found->elsewhere->number,
                   "pam_sshotp reads the settings file " + *path + ", not " + where.path +
                       ": sshotp-enroll would not use the module's settings");
  }
  // pam_sshotp may well run from an included stack: say that its arguments there, which may
  // differ from the settings file, are not applied rather than use the file silently.
  if (!found->included.empty()) {
    std::fprintf(stderr,
                 "%s: warning: %s has no pam_sshotp line of its own but includes %s: the "
                 "arguments of pam_sshotp lines there are not applied; using the settings of %s "
                 "alone\n",
                 kProgramName, service->c_str(), found->included.c_str(), where.path.c_str());
  }
  return file;
}

}  // namespace sshotp::cli
