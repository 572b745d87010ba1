// SPDX-License-Identifier: BSD-3-Clause
// The caller, the settings, the key/store and the reporting channels of sshotp-enroll.
#include "enroll/context.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <vector>

#include "common/account.h"
#include "common/audit.h"
#include "common/crypto.h"
#include "common/file_checks.h"
#include "common/key_check.h"
#include "common/sqlite_store.h"
#include "enroll/elevated_store.h"
#include "enroll/module_settings.h"
#include "enroll/privilege.h"

namespace sshotp::cli {
namespace {

bool file_missing(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) != 0 && errno == ENOENT;
}

// Creates the default config file with the template. O_EXCL: if someone else created it in the
// meantime, theirs is the one that gets loaded.
Status create_config_file(const std::string& path) {
  // The config holds no secret and the module reads it as root anyway, but admins expect
  // /etc/security files to be readable: 0644 despite our umask(077).
  const std::string text = config_template();
  CreateResult created = create_new_file(path, text.data(), text.size(), 0644);
  if (created.already_exists) return Ok{};
  if (!created.status) return created.status;
  std::fprintf(stderr, "%s: created %s with the default settings\n", kProgramName, path.c_str());
  return Ok{};
}

}  // namespace

Result<Caller> current_caller() {
  const uid_t uid = invoking_uid();
  std::vector<char> buf(16384);
  struct passwd pw {};
  struct passwd* found = nullptr;
  int rc = getpwuid_r(uid, &pw, buf.data(), buf.size(), &found);
  if (found == nullptr) {
    return make_error(Errc::unavailable,
                      "uid " + std::to_string(uid) + " has no passwd entry" +
                          (rc != 0 ? std::string(": ") + std::strerror(rc) : std::string()));
  }
  return Caller{uid, found->pw_name};
}

Status check_user_name(std::string_view user) {
  if (user.empty()) return make_error(Errc::invalid_argument, "the user name is empty");
  if (user.size() > 255) return make_error(Errc::invalid_argument, "the user name is too long");
  if (user.front() == '-') {
    return make_error(Errc::invalid_argument, "a user name cannot start with '-'");
  }
  for (char ch : user) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f || c == ':') {
      return make_error(Errc::invalid_argument,
                        "a user name cannot contain spaces, control characters or ':'");
    }
  }
  return Ok{};
}

Result<std::string> store_user_name(std::string_view user) {
  if (auto st = check_user_name(user); !st) return st.error();
  auto account = canonical_account(user);
  if (!account) {
    if (account.error().code == Errc::not_found) return std::string(user);
    return std::move(account).error();
  }
  // The directory chose this name, not the administrator: it must be one we store too.
  if (auto st = check_user_name(account->name); !st) {
    return make_error(Errc::invalid_argument, "the account '" + std::string(user) +
                                                  "' is called '" + account->name +
                                                  "': " + st.error().message);
  }
  return std::move(account->name);
}

std::string config_template() {
  std::string text =
      "# pam_sshotp settings, read by pam_sshotp.so and sshotp-enroll. See pam_sshotp(8).\n"
      "# Each line is `key = value`; quote a value to keep leading or trailing spaces.\n"
      "# Every setting is shown commented out with its default (or an example).\n";
  for (const SettingDoc& doc : setting_docs()) {
    text += "\n# ";
    text += doc.purpose;
    text += "\n# ";
    text += doc.name;
    text += " = " + doc.shown_value + "\n";
  }
  return text;
}

Result<Config> load_cli_config(const ConfigLocation& where, ConfigUse use) {
  Elevated root;  // setuid: the file checks then accept root's files only
  if (!where.given && file_missing(where.path)) {
    if (use == ConfigUse::reading) return with_module_arguments(Config{}, where);
    if (auto st = create_config_file(where.path); !st) return std::move(st).error();
  }
  auto file = load_config_file(where.path);
  if (!file) return file;
  // The module's own arguments override the file: checks and writes must match the module's.
  return with_module_arguments(std::move(file).value(), where);
}

Result<std::string> issuer_for(const Config& config) {
  std::string issuer = config.issuer;
  if (issuer.empty()) {
    char host[HOST_NAME_MAX + 1] = {};
    if (gethostname(host, sizeof host - 1) != 0) {
      return make_error(Errc::unavailable, std::string("host name: ") + std::strerror(errno));
    }
    issuer = host;
  }
  if (issuer.find(':') != std::string::npos) {
    return make_error(
        Errc::invalid_argument,
        "issuer '" + issuer + "' contains ':', which authenticator apps cannot parse");
  }
  return issuer;
}

Result<WritableStore> open_store_for_writing(const Config& config) {
  Elevated root;
  const KeyCheckNames names{config.key_file, config.db};
  // An existing key is loaded (and its file checked) before the store is created or touched.
  const bool key_missing = file_missing(config.key_file);
  SecureBytes key;
  if (!key_missing) {
    auto loaded = load_key_file(config.key_file);
    if (!loaded) return std::move(loaded).error();
    key = std::move(loaded).value();
  }
  auto opened = open_sqlite_store(config.db, OpenMode::create, config.busy_timeout_ms);
  if (!opened) return std::move(opened).error();
  std::unique_ptr<Store> store = elevate_store(std::move(opened).value());
  {
    // A look before the command prompts or prints anything; every write transaction checks
    // again (key_checked_store), so this look cannot be raced into a mixed store.
    auto txn = store->begin_read();
    if (!txn) return std::move(txn).error();
    Status st = key_missing ? check_key_may_be_created(**txn, names)
                            : check_store_key(**txn, key, names);
    if (!st) return std::move(st).error();
  }
  if (key_missing) {
    auto created = load_or_create_key_file(config.key_file);
    if (!created) return std::move(created).error();
    key = std::move(created).value();
  }
  store = key_checked_store(std::move(store), key, names);
  return WritableStore{std::move(key), std::move(store)};
}

Result<std::unique_ptr<Store>> open_existing_store(const Config& config) {
  Elevated root;
  if (file_missing(config.db)) return std::unique_ptr<Store>();
  auto store = open_sqlite_store(config.db, OpenMode::existing, config.busy_timeout_ms);
  if (!store) return std::move(store).error();
  return elevate_store(std::move(store).value());
}

Result<SecureBytes> load_store_key(const Config& config) {
  Elevated root;
  return load_key_file(config.key_file);
}

void print_error(std::string_view what, std::string_view why) {
  std::fprintf(stderr, "%s: %.*s: %.*s\n", kProgramName, static_cast<int>(what.size()), what.data(),
               static_cast<int>(why.size()), why.data());
}

Exit usage_error(std::string_view why) {
  std::fprintf(stderr, "%s: %.*s\nTry '%s --help' for more information.\n", kProgramName,
               static_cast<int>(why.size()), why.data(), kProgramName);
  return Exit::usage;
}

void log_action(std::string_view action, std::string_view user, uid_t by_uid,
                std::string_view result, std::string_view detail) {
  std::string line = "action=" + audit_value(action) + " user=" + audit_value(user) +
                     " by_uid=" + std::to_string(by_uid) + " result=" + audit_value(result);
  if (!detail.empty()) line += " " + std::string(detail);
  // `detail` is the caller's to build: sanitise the whole line, as the module's logger does.
  syslog(result == "ok" ? LOG_INFO : LOG_NOTICE, "%s", log_text(line).c_str());
}

Exit Session::done(Exit code, std::string_view result) {
  if (action_.audited) log_action(action_.name, user_, caller_.uid, result);
  return code;
}

Exit Session::failed(const Error& error) {
  print_error(what(), error.message);
  return done(Exit::error, "error");
}

Exit Session::refused(Exit code, std::string_view result, std::string_view why) {
  print_error(what(), why);
  return done(code, result);
}

std::optional<Session> start_session(const Action& action, const std::vector<std::string>& operands,
                                     Exit& early) {
  early = Exit::usage;
  const std::size_t max_operands = action.takes_user ? 1 : 0;
  if (operands.size() > max_operands) {
    usage_error(std::string(action.name) + ": unexpected argument '" + operands[max_operands] +
                "'");
    return std::nullopt;
  }
  if (action.user_required && operands.empty()) {
    usage_error(std::string(action.name) + ": missing USER");
    return std::nullopt;
  }
  auto caller = current_caller();
  if (!caller) {
    print_error("who is calling", caller.error().message);
    early = Exit::error;
    return std::nullopt;
  }
  std::string user = operands.empty() ? caller->name : operands.front();
  if (auto st = check_user_name(user); !st) {
    usage_error(std::string(action.name) + ": " + st.error().message);
    return std::nullopt;
  }
  if (!operands.empty()) {
    // Enrolling "ALICE" or an alias of alice's uid must land on alice's row, or the module
    // would not find it.
    auto stored = store_user_name(user);
    if (!stored) {
      print_error(std::string(action.name) + " " + user, stored.error().message);
      early = Exit::error;
      return std::nullopt;
    }
    user = std::move(stored).value();
  }
  Session session(action, std::move(caller).value(), std::move(user));
  const bool allowed =
      action.root_only ? session.caller().is_root() : session.caller().may_act_on(session.user());
  if (!allowed) {
    early =
        session.refused(Exit::permission, "denied",
                        action.root_only ? "permission denied (only root may do this)"
                                         : "permission denied (only root may name another user)");
    return std::nullopt;
  }
  return session;
}

std::string iso8601_utc(std::int64_t unix_time) {
  const auto t = static_cast<time_t>(unix_time);
  struct tm tm {};
  char out[32] = {};
  if (gmtime_r(&t, &tm) == nullptr ||
      std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
    return std::to_string(unix_time);
  }
  return out;
}

}  // namespace sshotp::cli
