// SPDX-License-Identifier: BSD-3-Clause
#include "common/config.h"

#include <cstdint>
#include <functional>
#include <vector>

#include "common/file_checks.h"
#include "common/store_plugin_loader.h"
#include "common/text.h"

namespace sshotp {
namespace {

constexpr std::size_t kMaxConfigBytes = 64 * 1024;

Error bad(std::string_view key, std::string_view why) {
  return make_error(Errc::invalid_argument, std::string(key) + ": " + std::string(why));
}

Result<unsigned> parse_uint(std::string_view key, std::optional<std::string_view> value,
                            unsigned min, unsigned max) {
  if (!value || value->empty()) return bad(key, "needs a number");
  auto n = parse_number(*value, min, max);
  if (n) return static_cast<unsigned>(*n);
  // Which message: a number out of range says what the range is; anything else is no number.
  if (!parse_number(*value, 0, UINT64_MAX)) return bad(key, "not a number");
  return bad(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
}

Result<std::string> parse_path(std::string_view key, std::optional<std::string_view> value) {
  if (!value || value->empty() || value->front() != '/') return bad(key, "needs an absolute path");
  return std::string(*value);
}

Result<bool> parse_bool(std::string_view key, std::optional<std::string_view> value) {
  if (!value) return true;  // a bare flag means "on"
  if (*value == "yes" || *value == "true" || *value == "1") return true;
  if (*value == "no" || *value == "false" || *value == "0") return false;
  return bad(key, "must be yes or no");
}

using Setter = std::function<Status(Config&, std::string_view, std::optional<std::string_view>)>;

struct Setting {
  std::string_view name;
  Setter set;
  std::string_view purpose;
  std::string (*shown_value)(const Config& defaults);
};

// How the shipped settings file shows a default.
template <auto Member>
std::string number_of(const Config& c) {
  return std::to_string(c.*Member);
}
std::string yes_no(bool b) { return b ? "yes" : "no"; }

template <typename T, typename Parse>
Setter assign(T Config::*member, Parse parse) {
  return [member, parse](Config& c, std::string_view key,
                         std::optional<std::string_view> value) -> Status {
    auto parsed = parse(key, value);
    if (!parsed) return std::move(parsed).error();
    c.*member = std::move(parsed).value();
    return Ok{};
  };
}

// For numbers nested inside Config (c.otp.period, c.lockout.max_failures).
template <typename Field>
Setter uint_field(Field field, unsigned min, unsigned max) {
  return [field, min, max](Config& c, std::string_view key,
                           std::optional<std::string_view> value) -> Status {
    auto n = parse_uint(key, value, min, max);
    if (!n) return std::move(n).error();
    field(c) = *n;
    return Ok{};
  };
}

auto uint_in(unsigned min, unsigned max) {
  return [min, max](std::string_view k, std::optional<std::string_view> v) {
    return parse_uint(k, v, min, max);
  };
}

Result<std::string> parse_text(std::string_view key, std::optional<std::string_view> value) {
  if (!value) return bad(key, "needs a value");
  for (char ch : *value) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
      return bad(key, "contains a control character");
    }
  }
  return std::string(*value);
}

// A user or group name: printable, no spaces, as useradd/groupadd would accept.
Result<std::string> parse_name(std::string_view key, std::optional<std::string_view> value) {
  if (!value || value->empty()) return bad(key, "needs a name");
  for (char ch : *value) {
    if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f || ch == ':' || ch == '/') {
      return bad(key, "is not a valid name");
    }
  }
  return std::string(*value);
}

Result<StoreKind> parse_store(std::string_view key, std::optional<std::string_view> value) {
  if (value == "sqlite") return StoreKind::sqlite;
  if (value == "postgresql") return StoreKind::postgresql;
  return bad(key, "must be sqlite or postgresql");
}

// The plugin's path is code that runs as root: only a file as well guarded as the config file
// itself (file_checks.h) may name it, never a module argument, which sshotp-enroll also reads
// from a PAM service file.
constexpr std::string_view kFileOnlySetting = "pg_plugin";

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = {{
      {"store", assign(&Config::store, parse_store),
       "where enrollments live: sqlite (the file db) or postgresql (pg_conninfo)",
       [](const Config& c) {
         return std::string(c.store == StoreKind::sqlite ? "sqlite" : "postgresql");
       }},
      {"db", assign(&Config::db, parse_path), "SQLite store of enrollments (root-owned, mode 0600)",
       [](const Config& c) { return c.db; }},
      {"key_file", assign(&Config::key_file, parse_path),
       "AES-256 key sealing the TOTP secrets (root-owned, mode 0600)",
       [](const Config& c) { return c.key_file; }},
      {"pg_conninfo", assign(&Config::pg_conninfo, parse_text),
       "with store = postgresql, libpq keywords; use a client certificate (sslcert, sslkey, "
       "sslmode=verify-full) or passfile=, not a password here",
       [](const Config&) {
         return std::string(
             "\"host=db1,db2 dbname=sshotp user=sshotp_host "
             "target_session_attrs=read-write sslmode=verify-full\"");
       }},
      {"pg_timeout_ms", assign(&Config::pg_timeout_ms, uint_in(100, 60000)),
       "with store = postgresql, the most a login waits for the database in all (100-60000)",
       number_of<&Config::pg_timeout_ms>},
      {"pg_plugin", assign(&Config::pg_plugin, parse_path),
       "with store = postgresql, another store plugin to load (config file only; unset: the one "
       "installed with the module)",
       // An example, as for pg_conninfo: the default is the build's pkglibdir, which differs
       // between packages, and the shipped file must read the same for all of them.
       [](const Config&) { return std::string("/opt/pam_sshotp/store_postgresql.so"); }},
      {"prompt", assign(&Config::prompt, parse_text), "what the login asks",
       [](const Config& c) { return '"' + c.prompt + '"'; }},
      {"window", assign(&Config::window, uint_in(0, 10)),
       "time steps accepted either side of now (0-10)", number_of<&Config::window>},
      {"hotp_window", assign(&Config::hotp_window, uint_in(0, kMaxHotpWindow)),
       "hardware tokens: counters accepted beyond the expected one (0-100)",
       number_of<&Config::hotp_window>},
      {"busy_timeout_ms", assign(&Config::busy_timeout_ms, uint_in(100, 60000)),
       "how long a login waits for a locked store (100-60000)",
       number_of<&Config::busy_timeout_ms>},
      {"issuer", assign(&Config::issuer, parse_text),
       "name shown in authenticator apps; empty means the host name",
       [](const Config&) { return std::string("\"\""); }},
      {"debug", assign(&Config::debug, parse_bool), "extra LOG_DEBUG lines (never secrets)",
       [](const Config& c) { return yes_no(c.debug); }},
      {"algorithm",
       [](Config& c, std::string_view k, std::optional<std::string_view> v) -> Status {
         auto a = v ? parse_algorithm(*v) : std::nullopt;
         if (!a) return bad(k, "must be SHA1, SHA256 or SHA512");
         c.otp.algorithm = *a;
         return Ok{};
       },
       "for new enrollments: SHA1, SHA256 or SHA512 (many apps only do SHA1)",
       [](const Config& c) { return std::string(algorithm_name(c.otp.algorithm)); }},
      {"digits",
       [](Config& c, std::string_view k, std::optional<std::string_view> v) -> Status {
         auto d = parse_uint(k, v, 6, 8);
         if (!d || (*d != 6 && *d != 8)) return bad(k, "must be 6 or 8");
         c.otp.digits = *d;
         return Ok{};
       },
       "for new enrollments: 6 or 8", [](const Config& c) { return std::to_string(c.otp.digits); }},
      {"period",
       // NIST 800-63B: a TOTP nonce must change at least every 2 minutes.
       uint_field([](Config& c) -> unsigned& { return c.otp.period; }, 15, 120),
       "for new enrollments: seconds per code (15-120)",
       [](const Config& c) { return std::to_string(c.otp.period); }},
      {"nullok", assign(&Config::nullok, parse_bool),
       "unenrolled users are not asked (PAM_IGNORE; needs pam_permit after it)",
       [](const Config& c) { return yes_no(c.nullok); }},
      {"require_publickey", assign(&Config::require_publickey, parse_bool),
       "refuse unless sshd reports an accepted public key",
       [](const Config& c) { return yes_no(c.require_publickey); }},
      {"require_group", assign(&Config::require_group, parse_name),
       "only members of this group are asked (unset: everyone)",
       [](const Config&) { return std::string("otpusers"); }},
      {"exempt_group", assign(&Config::exempt_group, parse_name),
       "members of this group are not asked (unset: nobody)",
       [](const Config&) { return std::string("nootp"); }},
      // NIST 800-63B §5.2.2: no more than 100 consecutive failures.
      {"max_failures",
       uint_field([](Config& c) -> unsigned& { return c.lockout.max_failures; }, 1, 100),
       "consecutive failures before a lockout (1-100)",
       [](const Config& c) { return std::to_string(c.lockout.max_failures); }},
      {"lockout_time",
       uint_field([](Config& c) -> unsigned& { return c.lockout.lockout_seconds; }, 1, 86400),
       "first lockout in seconds, doubling per repeat up to a day",
       [](const Config& c) { return std::to_string(c.lockout.lockout_seconds); }},
      {"recovery_codes", assign(&Config::recovery_codes, uint_in(1, 100)),
       "how many recovery codes a new set has (1-100)", number_of<&Config::recovery_codes>},
  }};
  return table;
}

// Double quotes keep leading/trailing spaces, which a prompt usually ends with.
std::string_view unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  return v;
}

}  // namespace

Status apply_setting(Config& config, std::string_view key, std::optional<std::string_view> value) {
  for (const Setting& s : settings()) {
    if (s.name == key) return s.set(config, key, value);
  }
  return make_error(Errc::invalid_argument, "unknown setting '" + std::string(key) + "'");
}

std::vector<SettingDoc> setting_docs() {
  const Config defaults;
  std::vector<SettingDoc> docs;
  for (const Setting& s : settings()) docs.push_back({s.name, s.shown_value(defaults), s.purpose});
  return docs;
}

std::span<const std::string_view> setting_names() {
  static const auto names = [] {
    std::vector<std::string_view> n;
    for (const Setting& s : settings()) n.push_back(s.name);
    return n;
  }();
  return names;
}

Status parse_config_text(Config& config, std::string_view text) {
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    auto eq = line.find('=');
    std::string_view key = trim(line.substr(0, eq));
    std::optional<std::string_view> value;
    if (eq != std::string_view::npos) value = unquote(trim(line.substr(eq + 1)));
    if (auto st = apply_setting(config, key, value); !st) {
      return make_error(Errc::invalid_argument,
                        "line " + std::to_string(line_no) + ": " + st.error().message);
    }
  }
  return Ok{};
}

Result<Config> load_config_file(const std::string& path) {
  // The config names the key and the store: whoever can replace it can point both at their
  // own. Its directory gets the store directory's check.
  if (auto st = check_directory(parent_directory(path)); !st) return std::move(st).error();
  auto text = read_checked_file(path, Exposure::world_readable, kMaxConfigBytes);
  if (!text) return std::move(text).error();
  Config config;
  std::string_view view(reinterpret_cast<const char*>(text->data()), text->size());
  if (view.find('\0') != std::string_view::npos) {
    return make_error(Errc::unavailable, path + ": contains a NUL byte");
  }
  if (auto st = parse_config_text(config, view); !st) {
    // A config that does not parse is unusable configuration: fail closed like a missing one.
    return make_error(Errc::unavailable, path + ": " + st.error().message);
  }
  return config;
}

namespace {

// Walks the module arguments once: `config=` sets `config_path`, every other one is applied to
// `target`. The first bad argument is the error.
Status walk_module_args(std::span<const char* const> args, Config& target,
                        std::string& config_path) {
  for (const char* raw : args) {
    std::string_view arg = raw != nullptr ? raw : "";
    auto eq = arg.find('=');
    std::string_view key = arg.substr(0, eq);
    std::optional<std::string_view> value;
    if (eq != std::string_view::npos) value = arg.substr(eq + 1);
    if (key == kFileOnlySetting) {
      return make_error(Errc::invalid_argument,
                        std::string(key) + ": may only be set in the config file");
    }
    if (key == "config") {
      auto path = parse_path(key, value);
      if (!path) return std::move(path).error();
      config_path = *path;
      continue;
    }
    if (auto st = apply_setting(target, key, value); !st) return st;
  }
  return Ok{};
}

}  // namespace

Result<std::string> module_args_config_path(std::span<const char* const> args) {
  Config scratch;
  std::string config_path = kDefaultConfigPath;
  if (auto st = walk_module_args(args, scratch, config_path); !st) return std::move(st).error();
  return config_path;
}

Status apply_module_args(Config& config, std::span<const char* const> args) {
  std::string ignored;
  return walk_module_args(args, config, ignored);
}

Status check_config(const Config& config) {
  if (config.store == StoreKind::postgresql && config.pg_conninfo.empty()) {
    return make_error(Errc::invalid_argument, "store = postgresql needs pg_conninfo");
  }
  return Ok{};
}

std::optional<std::string_view> first_cli_difference(const Config& a, const Config& b) {
  if (a.store != b.store) return "store";
  if (a.pg_conninfo != b.pg_conninfo) return "pg_conninfo";
  if (a.pg_timeout_ms != b.pg_timeout_ms) return "pg_timeout_ms";
  if (a.db != b.db) return "db";
  if (a.key_file != b.key_file) return "key_file";
  if (a.window != b.window) return "window";
  if (a.hotp_window != b.hotp_window) return "hotp_window";
  if (a.busy_timeout_ms != b.busy_timeout_ms) return "busy_timeout_ms";
  if (a.lockout.max_failures != b.lockout.max_failures) return "max_failures";
  if (a.lockout.lockout_seconds != b.lockout.lockout_seconds) return "lockout_time";
  if (a.issuer != b.issuer) return "issuer";
  if (a.otp.algorithm != b.otp.algorithm) return "algorithm";
  if (a.otp.digits != b.otp.digits) return "digits";
  if (a.otp.period != b.otp.period) return "period";
  if (a.recovery_codes != b.recovery_codes) return "recovery_codes";
  return std::nullopt;
}

std::optional<ModuleArgsError> config_from_module_args(std::span<const char* const> args,
                                                       Config& out) {
  // Arguments are checked before the file is read, so a typo in /etc/pam.d is reported as the
  // service error it is even when the store is also missing.
  auto config_path = module_args_config_path(args);
  if (!config_path) return ModuleArgsError{false, std::move(config_path).error()};
  auto loaded = load_config_file(*config_path);
  if (!loaded) return ModuleArgsError{true, std::move(loaded).error()};
  out = std::move(loaded).value();
  (void)apply_module_args(out, args);  // already validated above
  // A combination that cannot work, whichever half set it: the service is misconfigured.
  if (auto st = check_config(out); !st) return ModuleArgsError{false, std::move(st).error()};
  return std::nullopt;
}

}  // namespace sshotp
