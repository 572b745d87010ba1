// SPDX-License-Identifier: BSD-3-Clause
// Option parsing shared by the commands, and the wording of its errors (see options.h).
#include "enroll/cli/options.h"

#include <string>

#include "enroll/cli/reporting.h"

namespace sshotp::cli {
namespace {

// Set once by main() (set_usage_printer); until then --help prints nothing.
UsagePrinter g_usage_printer = nullptr;

}  // namespace

void set_usage_printer(UsagePrinter print) noexcept { g_usage_printer = print; }

void print_help(std::FILE* out) {
  if (g_usage_printer != nullptr) g_usage_printer(out);
}

std::optional<Exit> parse_replace_args(int argc, char** argv, ReplaceArgs& args) {
  enum : int { kReplace = 1000 };
  static const struct option long_options[] = {{"replace", no_argument, nullptr, kReplace},
                                               {"help", no_argument, nullptr, 'h'},
                                               {nullptr, 0, nullptr, 0}};
  auto handle = [&args](int, const char*) -> std::optional<Exit> {
    args.replace = true;
    return std::nullopt;
  };
  return parse_options(argc, argv, long_options, handle, args.operands);
}

Exit option_error(int getopt_result, char** argv) {
  const std::string culprit = optind > 0 ? argv[optind - 1] : "";
  if (getopt_result == ':') return usage_error("option '" + culprit + "' needs a value");
  // A long option names itself best (also "--help=x"); a short one may sit in a cluster.
  if (culprit.starts_with("--") || optopt == 0) {
    return usage_error("unknown option '" + culprit + "'");
  }
  return usage_error(std::string("unknown option '-") + static_cast<char>(optopt) + "'");
}

std::optional<Exit> parse_options(int argc, char** argv, const struct option* long_options,
                                  const OptionHandler& handle, std::vector<std::string>& operands) {
  optind = 0;  // glibc: 0 re-initialises getopt for a fresh argv
  opterr = 0;  // we word the errors ourselves
  for (;;) {
    int option = getopt_long(argc, argv, ":h", long_options, nullptr);
    if (option == -1) break;
    if (option == 'h') {
      print_help(stdout);
      return Exit::ok;
    }
    if (option == '?' || option == ':') return option_error(option, argv);
    if (auto stop = handle(option, optarg)) return stop;
  }
  for (int i = optind; i < argc; ++i) operands.emplace_back(argv[i]);
  return std::nullopt;
}

}  // namespace sshotp::cli
