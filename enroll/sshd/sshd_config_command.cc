// SPDX-License-Identifier: BSD-3-Clause
// sshotp-enroll sshd-config: the sshd drop-in that makes sshd ask for a public key and then a
// code. Printed on stdout by default (anyone may look), written atomically to a file with
// --output, or installed into sshd_config.d and confirmed by sshd itself with --install (root).
#include <getopt.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "enroll/sshd/sshd_config_command.h"
#include "enroll/cli/config_location.h"
#include "enroll/cli/options.h"
#include "enroll/cli/reporting.h"
#include "enroll/setuid/privilege.h"
#include "enroll/sshd/dropin.h"
#include "enroll/sshd/file_replace.h"
#include "enroll/sshd/install.h"

namespace sshotp::cli {
namespace {

enum Option : int {
  kGroup = 0x100,
  kOutput,
  kInstall,
  kSshdConfigDir,
  kSshd,
  kSshdMainConfig,
  kPamServiceFile,
};

const struct option kOptions[] = {{"group", required_argument, nullptr, kGroup},
                                  {"output", required_argument, nullptr, kOutput},
                                  {"install", no_argument, nullptr, kInstall},
                                  {"sshd-config-dir", required_argument, nullptr, kSshdConfigDir},
                                  {"sshd", required_argument, nullptr, kSshd},
                                  {"sshd-main-config", required_argument, nullptr, kSshdMainConfig},
                                  {"pam-service-file", required_argument, nullptr, kPamServiceFile},
                                  {"help", no_argument, nullptr, 'h'},
                                  {nullptr, 0, nullptr, 0}};

struct Request {
  std::optional<std::string> group;
  std::optional<std::string> output;
  bool install = false;
  bool layout_given = false;  // any of the --install location options
  SshdLayout layout;
};

Exit sshd_config_usage(const std::string& why) { return usage_error("sshd-config: " + why); }

// The location options name files sshd and the checks read as root: absolute paths only, so
// that what is checked does not depend on the current directory.
std::optional<Exit> set_path(std::string& field, const char* option, const char* value,
                             bool& given) {
  if (value[0] != '/') {
    return sshd_config_usage(std::string(option) + " needs an absolute path");
  }
  field = value;
  while (field.size() > 1 && field.back() == '/') field.pop_back();
  given = true;
  return std::nullopt;
}

std::optional<Exit> take_option(Request& r, int option, const char* value) {
  switch (option) {
    case kGroup:
      if (auto st = check_group_name(value); !st) return sshd_config_usage(st.error().message);
      r.group = value;
      return std::nullopt;
    case kOutput:
      r.output = value;
      return std::nullopt;
    case kInstall:
      r.install = true;
      return std::nullopt;
    case kSshdConfigDir:
      return set_path(r.layout.config_dir, "--sshd-config-dir", value, r.layout_given);
    case kSshd:
      return set_path(r.layout.sshd, "--sshd", value, r.layout_given);
    case kSshdMainConfig:
      return set_path(r.layout.main_config, "--sshd-main-config", value, r.layout_given);
    case kPamServiceFile:
      return set_path(r.layout.pam_service, "--pam-service-file", value, r.layout_given);
    default:
      return std::nullopt;
  }
}

Exit write_output(const std::string& path, const std::string& text) {
  // Not secret, and sshd (or an administrator) must be able to read it wherever it goes.
  if (auto st = replace_file(path, text, 0644); !st) {
    print_error("sshd-config", st.error().message);
    return Exit::error;
  }
  std::printf("wrote %s\n", path.c_str());
  return Exit::ok;
}

}  // namespace

Exit run_sshd_config(const ConfigLocation&, int argc, char** argv) {
  Request r;
  std::vector<std::string> operands;
  auto handle = [&r](int option, const char* value) { return take_option(r, option, value); };
  if (auto stop = parse_options(argc, argv, kOptions, handle, operands)) return *stop;
  if (!operands.empty()) return sshd_config_usage("unexpected argument '" + operands[0] + "'");
  if (r.output && r.install) return sshd_config_usage("--output and --install exclude each other");
  if (r.layout_given && !r.install) {
    return sshd_config_usage(
        "--sshd, --sshd-config-dir, --sshd-main-config and --pam-service-file go with --install");
  }
  const std::string text = render_sshd_dropin(r.group);
  if (r.install) {
    if (invoking_uid() != 0) {
      print_error("sshd-config", "permission denied (only root may do this)");
      log_action("sshd-config", "", invoking_uid(), "denied");
      return Exit::permission;
    }
    return install_sshd_dropin(r.layout, r.group, text);
  }
  if (r.output) return write_output(*r.output, text);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return Exit::ok;
}

}  // namespace sshotp::cli
