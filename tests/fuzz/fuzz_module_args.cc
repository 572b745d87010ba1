// SPDX-License-Identifier: BSD-3-Clause
// Fuzzes the module's arguments (what /etc/pam.d puts after the module path): one argument per
// input line, through config_from_module_args. The scratch config stands in for the default
// /etc/security/sshotp.conf, and every absolute config=FILE is pointed at it too, so the fuzzer
// never reads files of its choosing. The oracle: the arguments are refused as a service error
// exactly when one of them is refused by apply_setting on its own or is pg_plugin (a setting of
// the config file only), or when together they ask for a PostgreSQL store without a conninfo;
// and an accepted set yields a sane Config in which the arguments beat the file.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fuzz/fuzz_support.h"

using namespace sshotp;
using sshotp::fuzz::require;

namespace {

// Each argument checked alone, the way the module reads it: key[=value], config=FILE aside.
bool all_arguments_valid(const std::vector<std::string>& args) {
  Config scratch;
  for (const std::string& arg : args) {
    const std::string_view text = arg.c_str();  // what the module sees stops at a NUL
    const auto eq = text.find('=');
    const std::string_view key = text.substr(0, eq);
    std::optional<std::string_view> value;
    if (eq != std::string_view::npos) value = text.substr(eq + 1);
    if (key == "config") {
      if (!value || value->empty() || value->front() != '/') return false;
      continue;
    }
    // The plugin's path names code that runs as root: the config file only (config.cc).
    if (key == "pg_plugin") return false;
    if (!apply_setting(scratch, key, value)) return false;
  }
  // The settings together: a PostgreSQL store needs its conninfo (the scratch file names none).
  return scratch.store != StoreKind::postgresql || !scratch.pg_conninfo.empty();
}

// Arguments override the file, and a later argument overrides an earlier one.
std::string expected_db(const std::vector<std::string>& args, const std::string& from_file) {
  std::string db = from_file;
  for (const std::string& arg : args) {
    const std::string_view text = arg.c_str();
    if (text.rfind("db=", 0) == 0) db = text.substr(3);
  }
  return db;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const test::TestEnv& env = fuzz::scratch_env();
  // The scratch config comes first, as the default path would; the input may override it.
  std::vector<std::string> args = {"config=" + env.config_path};
  for (std::string_view line : fuzz::split(fuzz::as_text(data, size), '\n')) {
    args.emplace_back(line);
    if (args.back().rfind("config=/", 0) == 0) args.back() = "config=" + env.config_path;
  }
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());

  Config config;
  const auto failure = config_from_module_args(argv, config);
  if (all_arguments_valid(args)) {
    require(!failure.has_value(), "valid arguments over a valid config file are accepted");
    fuzz::require_sane_config(config);
    require(config.db == expected_db(args, env.db_path), "the last db= argument beats the file");
  } else {
    require(failure.has_value() && !failure->from_file, "a bad argument is a service error");
    require(!failure->error.message.empty(), "a refusal says why");
  }
  return 0;
}
