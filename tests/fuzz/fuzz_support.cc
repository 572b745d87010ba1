// SPDX-License-Identifier: BSD-3-Clause
#include "tests/fuzz/fuzz_support.h"

#include <cstdio>
#include <cstdlib>

#include "tests/crash/tmpfs_scratch.h"

namespace sshotp::fuzz {
namespace {

bool printable(std::string_view text) {
  for (char ch : text) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) return false;
  }
  return true;
}

bool valid_name(std::string_view name) {
  for (char ch : name) {
    if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f || ch == ':' || ch == '/') {
      return false;
    }
  }
  return true;
}

test::TestEnv* g_env = nullptr;

void remove_scratch_env() {
  if (g_env != nullptr) test::destroy_test_env(*g_env);
}

}  // namespace

void require(bool holds, const char* invariant) {
  if (holds) return;
  std::fprintf(stderr, "fuzz invariant violated: %s\n", invariant);
  std::abort();
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  while (!text.empty()) {
    const auto at = text.find(separator);
    pieces.push_back(text.substr(0, at));
    text = at == std::string_view::npos ? std::string_view{} : text.substr(at + 1);
  }
  return pieces;
}

void require_sane_config(const Config& c) {
  require(!c.db.empty() && c.db.front() == '/', "db is an absolute path");
  require(!c.key_file.empty() && c.key_file.front() == '/', "key_file is an absolute path");
  require(printable(c.prompt) && printable(c.issuer), "prompt and issuer have no control chars");
  require(c.window <= 10, "window is 0-10");
  require(c.busy_timeout_ms >= 100 && c.busy_timeout_ms <= 60000, "busy_timeout_ms in range");
  require(static_cast<bool>(validate_params(c.otp)), "TOTP parameters valid");
  require(c.lockout.max_failures >= 1 && c.lockout.max_failures <= 100, "max_failures 1-100");
  require(c.lockout.lockout_seconds >= 1 && c.lockout.lockout_seconds <= 86400,
          "lockout_time 1-86400");
  require(c.recovery_codes >= 1 && c.recovery_codes <= 100, "recovery_codes 1-100");
  require(valid_name(c.require_group) && valid_name(c.exempt_group), "group names are names");
}

const test::TestEnv& scratch_env() {
  if (g_env == nullptr) {
    test::prefer_tmpfs_for_scratch();
    g_env = new test::TestEnv(test::make_test_env());
    std::atexit(remove_scratch_env);
  }
  return *g_env;
}

}  // namespace sshotp::fuzz
