// SPDX-License-Identifier: BSD-3-Clause
// The caller, the target user and the audit line of a command (see session.h).
#include "enroll/cli/session.h"

#include <pwd.h>

#include <cstring>

#include "common/account.h"
#include "enroll/cli/reporting.h"
#include "enroll/setuid/privilege.h"

namespace sshotp::cli {

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

namespace {

// The user a command acts on: the USER operand, stored under its canonical name, else the caller.
// Nothing when the name is refused (a usage error) or cannot be looked up: then it has reported
// why and set `early`.
std::optional<std::string> target_user(const Action& action,
                                       const std::vector<std::string>& operands,
                                       const Caller& caller, Exit& early) {
  std::string user = operands.empty() ? caller.name : operands.front();
  if (auto st = check_user_name(user); !st) {
    early = usage_error(std::string(action.name) + ": " + st.error().message);
    return std::nullopt;
  }
  if (operands.empty()) return user;
  // Enrolling "ALICE" or an alias of alice's uid must land on alice's row, or the module would
  // not find it.
  auto stored = store_user_name(user);
  if (!stored) {
    print_error(std::string(action.name) + " " + user, stored.error().message);
    early = Exit::error;
    return std::nullopt;
  }
  return std::move(stored).value();
}

}  // namespace

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
  auto user = target_user(action, operands, *caller, early);
  if (!user) return std::nullopt;
  Session session(action, std::move(caller).value(), std::move(user).value());
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

}  // namespace sshotp::cli
