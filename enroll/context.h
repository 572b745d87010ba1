// SPDX-License-Identifier: BSD-3-Clause
// Everything a sshotp-enroll command needs from its surroundings: who is calling, which settings
// apply, the key and the store, and where errors and audit lines go. Commands stay free of
// getpwuid/openlog/file-creation details, and every command reports in the same format:
//   stderr:  sshotp-enroll: <what>: <why>
//   syslog:  action=import user=alice by_uid=0 result=ok
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/result.h"
#include "common/secret.h"
#include "common/store.h"
#include "enroll/cli.h"

namespace sshotp::cli {

// The real uid at start (never $USER, never the effective uid): who actually ran the program.
struct Caller {
  uid_t uid = 0;
  std::string name;
  bool is_root() const noexcept { return uid == 0; }
  // Root may act on anyone; everybody else only on themselves.
  bool may_act_on(std::string_view user) const { return is_root() || user == name; }
};
Result<Caller> current_caller();

// A login name we are willing to store and to put into a URI and a log line: 1-255 bytes, no
// control characters, spaces or ':' (the otpauth label separator), not starting with '-'.
Status check_user_name(std::string_view user);

// The name an administrator's USER is stored under: check_user_name, then the canonical name
// (common/account.h), which the module looks up, re-checked. A name the passwd database does
// not know is kept as typed (an account yet to be created; the module refuses unknown names).
// Errc::invalid_argument for a name we do not store; Errc::unavailable if the lookup failed,
// where callers stop rather than guess a key the module would never find.
Result<std::string> store_user_name(std::string_view user);

// `writing` commands (enroll, import) create the default config file, with a commented template
// of every setting, when it does not exist yet: the PAM module refuses to run without it. Read
// commands fall back to the built-in defaults instead. An explicit --config must always exist.
enum class ConfigUse { reading, writing };
Result<Config> load_cli_config(const ConfigLocation& where, ConfigUse use);

// The template written on first use: every setting commented out, showing its default.
std::string config_template();

// config.issuer, or the host name when it is empty; refuses a ':' (the label separator).
Result<std::string> issuer_for(const Config& config);

// The store key and the store itself, created on first use (key 0600, directory 0700, db 0600).
// The key must be the store's (key_check.h): checked now, and again by every write transaction.
// A missing key is created only while nobody is enrolled.
struct WritableStore {
  SecureBytes key;
  std::unique_ptr<Store> store;
};
Result<WritableStore> open_store_for_writing(const Config& config);

// Opens an existing store without creating anything. A store file that does not exist yet
// yields nullptr: nobody is enrolled under this configuration.
Result<std::unique_ptr<Store>> open_existing_store(const Config& config);

// The existing key file (never created here).
Result<SecureBytes> load_store_key(const Config& config);

// "sshotp-enroll: <what>: <why>" on stderr. Never pass a secret or a code.
void print_error(std::string_view what, std::string_view why);
// A usage error: the message plus a pointer to --help; returns Exit::usage for `return`.
Exit usage_error(std::string_view why);

// One syslog line (LOG_AUTHPRIV) per administrative action, whatever its outcome. `detail`,
// if any, is appended as given: further key=value fields, never a secret.
void log_action(std::string_view action, std::string_view user, uid_t by_uid,
                std::string_view result, std::string_view detail = {});

// What a command may do to whom, and whether it leaves an audit line.
struct Action {
  const char* name;
  bool audited;            // enroll/import/remove change the store and are logged
  bool root_only;          // otherwise: yourself, or anyone if root
  bool user_required;      // otherwise the invoking user is the default
  bool takes_user = true;  // false: the command is about no one user (list), no USER operand
};

// One command acting on one user: it words the errors ("enroll alice: ...") and writes the
// single audit line of an audited action at whichever exit the command takes.
class Session {
 public:
  Session(const Action& action, Caller caller, std::string user)
      : action_(action), caller_(std::move(caller)), user_(std::move(user)) {}

  const Caller& caller() const { return caller_; }
  const std::string& user() const { return user_; }
  std::string what() const {
    return action_.takes_user ? std::string(action_.name) + " " + user_ : action_.name;
  }

  Exit done(Exit code, std::string_view result);
  Exit failed(const Error& error);  // prints the error; Exit::error, result=error
  Exit refused(Exit code, std::string_view result, std::string_view why);

 private:
  const Action& action_;
  Caller caller_;
  std::string user_;
};

// Resolves the target user from the operands (at most one) and checks the caller's right to act
// on them. On failure it has reported why, returns nothing and sets `early`.
std::optional<Session> start_session(const Action& action, const std::vector<std::string>& operands,
                                     Exit& early);

// Seconds since the epoch as ISO 8601 UTC, e.g. 2024-05-01T12:00:00Z.
std::string iso8601_utc(std::int64_t unix_time);

}  // namespace sshotp::cli
