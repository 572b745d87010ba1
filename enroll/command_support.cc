// SPDX-License-Identifier: BSD-3-Clause
// The steps and helpers the sshotp-enroll commands share (see command_support.h).
#include "enroll/command_support.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/clock.h"
#include "common/crypto.h"
#include "enroll/privilege.h"
#include "enroll/recovery_set.h"
#include "enroll/terminal.h"

namespace sshotp::cli {

std::string describe_params(const TotpParams& p) {
  return std::string(algorithm_name(p.algorithm)) + ", " + std::to_string(p.digits) + " digits, " +
         std::to_string(p.period) + " seconds";
}

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

Result<std::vector<SecretString>> save_enrollment(const WritableStore& target,
                                                  const std::string& user, const TotpParams& params,
                                                  const SecureBytes& secret, std::int64_t last_step,
                                                  unsigned recovery_codes,
                                                  const InTransaction& also) {
  auto sealed = seal(target.key, secret, secret_aad(user));
  if (!sealed) return std::move(sealed).error();
  auto recovery = new_recovery_set(target.key, user, recovery_codes);
  if (!recovery) return std::move(recovery).error();
  Enrollment enrollment;
  enrollment.user = user;
  enrollment.totp = params;
  enrollment.sealed_secret = std::move(sealed).value();
  enrollment.last_step = last_step;
  enrollment.created_at = now_unix();
  auto txn = target.store->begin_write();
  if (!txn) return std::move(txn).error();
  if (also) {
    if (auto st = also(**txn); !st) return std::move(st).error();
  }
  if (auto st = (*txn)->put(enrollment); !st) return std::move(st).error();
  if (auto st = (*txn)->replace_recovery_codes(user, recovery->hashes); !st) {
    return std::move(st).error();
  }
  if (auto st = (*txn)->commit(); !st) return std::move(st).error();
  return std::move(recovery->codes);
}

void print_secret(const SecretString& text) {
  std::fflush(stdout);
  write_all(STDOUT_FILENO, text.view());
}

}  // namespace sshotp::cli
