// SPDX-License-Identifier: BSD-3-Clause
#include "common/config.h"

#include <vector>
#include <charconv>
#include <functional>

#include "common/file_checks.h"

namespace sshotp {
namespace {

constexpr std::size_t kMaxConfigBytes = 64 * 1024;

Error bad(std::string_view key, std::string_view why) {
  return make_error(Errc::invalid_argument, std::string(key) + ": " + std::string(why));
}

Result<unsigned> parse_uint(std::string_view key, std::optional<std::string_view> value,
                            unsigned min, unsigned max) {
  if (!value || value->empty()) return bad(key, "needs a number");
  unsigned n = 0;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
  if (ec != std::errc() || end != value->data() + value->size()) return bad(key, "not a number");
  if (n < min || n > max) {
    return bad(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return n;
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
};

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

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = {{
      {"db", assign(&Config::db, parse_path)},
      {"key_file", assign(&Config::key_file, parse_path)},
      {"prompt", assign(&Config::prompt, parse_text)},
      {"window", assign(&Config::window, uint_in(0, 10))},
      {"busy_timeout_ms", assign(&Config::busy_timeout_ms, uint_in(100, 60000))},
      {"issuer", assign(&Config::issuer, parse_text)},
      {"debug", assign(&Config::debug, parse_bool)},
      {"algorithm",
       [](Config& c, std::string_view k, std::optional<std::string_view> v) -> Status {
         auto a = v ? parse_algorithm(*v) : std::nullopt;
         if (!a) return bad(k, "must be SHA1, SHA256 or SHA512");
         c.totp.algorithm = *a;
         return Ok{};
       }},
      {"digits",
       [](Config& c, std::string_view k, std::optional<std::string_view> v) -> Status {
         auto d = parse_uint(k, v, 6, 8);
         if (!d || (*d != 6 && *d != 8)) return bad(k, "must be 6 or 8");
         c.totp.digits = *d;
         return Ok{};
       }},
      {"period",
       [](Config& c, std::string_view k, std::optional<std::string_view> v) -> Status {
         auto p = parse_uint(k, v, 15, 120);  // NIST 800-63B: a TOTP nonce changes within 2 min
         if (!p) return std::move(p).error();
         c.totp.period = *p;
         return Ok{};
       }},
      {"nullok", assign(&Config::nullok, parse_bool)},
      {"require_publickey", assign(&Config::require_publickey, parse_bool)},
      {"require_group", assign(&Config::require_group, parse_name)},
      {"exempt_group", assign(&Config::exempt_group, parse_name)},
      // NIST 800-63B §5.2.2: no more than 100 consecutive failures.
      {"max_failures",
       [](Config& c, std::string_view k, std::optional<std::string_view> v) -> Status {
         auto n = parse_uint(k, v, 1, 100);
         if (!n) return std::move(n).error();
         c.lockout.max_failures = *n;
         return Ok{};
       }},
      {"lockout_time",
       [](Config& c, std::string_view k, std::optional<std::string_view> v) -> Status {
         auto n = parse_uint(k, v, 1, 86400);
         if (!n) return std::move(n).error();
         c.lockout.lockout_seconds = *n;
         return Ok{};
       }},
      {"recovery_codes", assign(&Config::recovery_codes, uint_in(1, 100))},
  }};
  return table;
}

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
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

std::optional<ModuleArgsError> config_from_module_args(std::span<const char* const> args,
                                                       Config& out) {
  // Arguments are checked before the file is read, so a typo in /etc/pam.d is reported as the
  // service error it is even when the store is also missing.
  std::string config_path = kDefaultConfigPath;
  auto apply_args = [&](Config& target) -> std::optional<Error> {
    for (const char* raw : args) {
      std::string_view arg = raw != nullptr ? raw : "";
      auto eq = arg.find('=');
      std::string_view key = arg.substr(0, eq);
      std::optional<std::string_view> value;
      if (eq != std::string_view::npos) value = arg.substr(eq + 1);
      if (key == "config") {
        auto path = parse_path(key, value);
        if (!path) return std::move(path).error();
        config_path = *path;
        continue;
      }
      if (auto st = apply_setting(target, key, value); !st) return std::move(st).error();
    }
    return std::nullopt;
  };
  Config scratch;
  if (auto err = apply_args(scratch)) return ModuleArgsError{false, std::move(*err)};
  auto loaded = load_config_file(config_path);
  if (!loaded) return ModuleArgsError{true, std::move(loaded).error()};
  out = std::move(loaded).value();
  (void)apply_args(out);  // already validated above
  return std::nullopt;
}

}  // namespace sshotp
