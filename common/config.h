// SPDX-License-Identifier: BSD-3-Clause
// Settings shared by the module and the CLI, read from /etc/security/sshotp.conf (`key = value`)
// and, for the module, overridden by PAM arguments of the same names. Parsing is pure and strict:
// an unknown key or a bad value is an error, never silently ignored, because a typo in a
// security setting must not quietly change behaviour.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/hotp.h"
#include "common/lockout.h"
#include "common/result.h"
#include "common/totp.h"

namespace sshotp {

inline constexpr const char* kDefaultConfigPath = "/etc/security/sshotp.conf";
inline constexpr const char* kDefaultDbPath = "/var/lib/sshotp/sshotp.db";
inline constexpr const char* kDefaultKeyPath = "/etc/security/sshotp.key";

// Which backend holds the store (store_factory.h).
enum class StoreKind {
  sqlite,      // the file `db`, on this host
  postgresql,  // a database a fleet of hosts shares (`pg_conninfo`), through the plugin
};

struct Config {
  StoreKind store = StoreKind::sqlite;
  std::string db = kDefaultDbPath;         // SQLite store
  std::string key_file = kDefaultKeyPath;  // AES-256 key sealing the TOTP secrets
  std::string prompt = "Verification code: ";
  unsigned window = 1;                        // steps accepted either side of now (RFC 6238 §5.2)
  unsigned hotp_window = kDefaultHotpWindow;  // counters accepted beyond the expected one (HOTP)
  unsigned busy_timeout_ms = 5000;  // how long a login waits for another one's transaction
  // PostgreSQL: libpq keywords (never logged: it may hold a password, though a client
  // certificate or passfile= is the way to authenticate), the bound on a login's whole
  // conversation with the server, and the plugin (config file only; empty: the installed one).
  std::string pg_conninfo;
  unsigned pg_timeout_ms = 3000;
  std::string pg_plugin;
  std::string issuer;  // otpauth issuer; empty means the host name
  OtpParams otp;       // parameters given to new enrollments
  bool debug = false;  // extra LOG_DEBUG lines (never secrets)

  // Policy (pam_sshotp(8) "POLICY").
  bool nullok = false;             // unenrolled users get PAM_IGNORE (needs publickey evidence)
  bool require_publickey = false;  // refuse unless sshd reports a completed publickey method
  std::string require_group;       // if set, only members are asked; others get PAM_IGNORE
  std::string exempt_group;        // members are not asked (PAM_IGNORE, logged as a bypass)
  LockoutPolicy lockout;           // max_failures, lockout_time
  unsigned recovery_codes = 10;    // how many codes a fresh set has
};

// Applies one setting. `value` is empty for a bare flag such as `debug`.
Status apply_setting(Config& config, std::string_view key, std::optional<std::string_view> value);

// Parses the text of a config file on top of `config`. Errors name the line.
Status parse_config_text(Config& config, std::string_view text);

// Reads and parses a config file after the ownership/permission checks of file_checks.h.
Result<Config> load_config_file(const std::string& path);

// The names every setting is known by, for --help output and the documentation tests.
std::span<const std::string_view> setting_names();

// One setting as the shipped settings file (enroll/sshotp.conf) shows it: its default (or, for
// settings off by default, an example value that still parses) and what it is for.
struct SettingDoc {
  std::string_view name;
  std::string shown_value;
  std::string_view purpose;
};
std::vector<SettingDoc> setting_docs();

// What no single setting can check: store = postgresql needs pg_conninfo.
Status check_config(const Config& config);

// Module arguments: `config=FILE` picks the file (default kDefaultConfigPath), every other
// argument is `key=value` or a flag and overrides the file. `from_file` tells the caller
// whether a failure came from the file (store unavailable) or from the arguments (service error).
struct ModuleArgsError {
  bool from_file;
  Error error;
};
std::optional<ModuleArgsError> config_from_module_args(std::span<const char* const> args,
                                                       Config& out);

// The two halves of config_from_module_args, for sshotp-enroll, which reads the pam_sshotp
// lines of the PAM service and must end up with the settings the module would: the settings
// file a line reads (its `config=`, else kDefaultConfigPath), and its other arguments applied
// on top of that file's settings. Both check every argument, as the module does.
Result<std::string> module_args_config_path(std::span<const char* const> args);
Status apply_module_args(Config& config, std::span<const char* const> args);

// The first setting sshotp-enroll uses (the store, the key, how codes are checked and counted,
// what new enrollments get) whose value differs between `a` and `b`; nothing if they agree.
// Settings only the module uses (prompt, debug, groups, nullok, ...) are not compared.
std::optional<std::string_view> first_cli_difference(const Config& a, const Config& b);

}  // namespace sshotp
