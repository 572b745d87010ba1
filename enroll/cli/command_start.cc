// SPDX-License-Identifier: BSD-3-Clause
// The steps every command starts with (see command_start.h).
#include "enroll/cli/command_start.h"

#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "enroll/cli/store_access.h"
#include "enroll/setuid/privilege.h"

namespace sshotp::cli {
namespace {

// The store is root's (mode 0600), so a user running a command for themselves cannot open it;
// the bare "Permission denied" would not tell them what to do instead. (A setuid run opened it
// as root: its errors are something else.)
Error explain_for_caller(const Caller& caller, const std::string& db, Error error) {
  if (!caller.is_root() && !running_setuid() && access(db.c_str(), R_OK | W_OK) != 0 &&
      errno == EACCES) {
    error.message += " (only root can open the store: ask an administrator to run this command)";
  }
  return error;
}

}  // namespace

const struct option kHelpOnly[] = {{"help", no_argument, nullptr, 'h'}, {nullptr, 0, nullptr, 0}};

std::optional<Exit> no_options(int, const char*) { return std::nullopt; }

std::optional<Started> start(const Action& action, ConfigUse use, const Invocation& invocation,
                             const struct option* long_options, const OptionHandler& handle,
                             Exit& early) {
  std::vector<std::string> operands;
  if (auto stop = parse_options(invocation.argc, invocation.argv, long_options, handle, operands)) {
    early = *stop;
    return std::nullopt;
  }
  auto session = start_session(action, operands, early);
  if (!session) return std::nullopt;
  auto config = load_cli_config(invocation.where, use);
  if (!config) {
    early = session->failed(config.error());
    return std::nullopt;
  }
  return Started{std::move(*session), std::move(config).value()};
}

std::optional<ReadyStore> prepare(const Action& action, const Invocation& invocation, Exit& early,
                                  const struct option* long_options, const OptionHandler& handle) {
  auto started = start(action, ConfigUse::reading, invocation, long_options, handle, early);
  if (!started) return std::nullopt;
  auto store = open_existing_store(started->config);
  if (!store) {
    early = started->session.failed(
        explain_for_caller(started->session.caller(), started->config.db, store.error()));
    return std::nullopt;
  }
  return ReadyStore{std::move(started->session), std::move(started->config),
                    std::move(store).value()};
}

Exit refuse_not_enrolled(Session& session) {
  return session.refused(Exit::not_enrolled, "not-enrolled", "not enrolled");
}

}  // namespace sshotp::cli
