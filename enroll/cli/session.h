// SPDX-License-Identifier: BSD-3-Clause
// Who is calling, on whom they act, and whether they may: the real uid's account, the USER
// operand resolved to the name the module looks up, and the one audit line of an audited
// command, written at whichever exit the command takes.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "enroll/cli/exit_status.h"

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

}  // namespace sshotp::cli
