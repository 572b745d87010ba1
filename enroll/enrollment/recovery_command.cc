// SPDX-License-Identifier: BSD-3-Clause
// `recovery`: replaces a user's whole set of recovery codes with a fresh one, in one
// transaction, and shows the new codes once. Root may do this for anyone. Other users may do it
// only for themselves and only after typing their current TOTP code, which is checked and
// consumed exactly as a login does it (verify_and_consume): it cannot be replayed, a wrong one
// counts towards the lockout, and a locked user is refused. A recovery code is not accepted as
// that proof, so whoever finds one code cannot turn it into a fresh set of their own.
#include <unistd.h>

#include <optional>
#include <string>

#include "common/key_check.h"
#include "common/store_factory.h"
#include "common/text.h"
#include "enroll/cli/command_start.h"
#include "enroll/cli/reporting.h"
#include "enroll/cli/store_access.h"
#include "enroll/cli/terminal.h"
#include "enroll/enrollment/enrollment_commands.h"
#include "enroll/enrollment/possession.h"
#include "enroll/enrollment/recovery_set.h"

namespace sshotp::cli {
namespace {

const Action kRecovery{"recovery", true, false, false};

// The start every command on the existing store makes (command_start.h), with --count parsed
// into `count` (nothing: the configured number).
std::optional<ReadyStore> prepare_recovery(const Invocation& invocation,
                                           std::optional<unsigned>& count, Exit& early) {
  static const struct option long_options[] = {{"count", required_argument, nullptr, 'n'},
                                               {"help", no_argument, nullptr, 'h'},
                                               {nullptr, 0, nullptr, 0}};
  auto count_option = [&count](int, const char* value) -> std::optional<Exit> {
    auto n = parse_number(value, kMinRecoveryCodes, kMaxRecoveryCodes);
    if (!n) {
      return usage_error("--count: must be " + std::to_string(kMinRecoveryCodes) + " to " +
                         std::to_string(kMaxRecoveryCodes));
    }
    count = static_cast<unsigned>(*n);
    return std::nullopt;
  };
  return prepare(kRecovery, invocation, early, long_options, count_option);
}

}  // namespace

Exit run_recovery(const ConfigLocation& where, int argc, char** argv) {
  std::optional<unsigned> count;
  Exit early = Exit::error;
  auto ready = prepare_recovery({where, argc, argv}, count, early);
  if (!ready) return early;
  Session& session = ready->session;
  if (!ready->store) return refuse_not_enrolled(session);
  auto key = load_key_for_writes(ready->config, ready->store);
  if (!key) return session.failed(key.error());
  if (!session.caller().is_root()) {
    // A found recovery code must not turn into a fresh set of them: a TOTP code only.
    const ProofRules rules{Terminal::Source::standard, /*recovery_code_accepted=*/false};
    if (auto stop = prove_possession(session, ready->config, *ready->store, *key, rules)) {
      return *stop;
    }
  }

  auto set = new_recovery_set(*key, session.user(), count.value_or(ready->config.recovery_codes));
  if (!set) return session.failed(set.error());
  auto txn = ready->store->begin_write();
  if (!txn) return session.failed(txn.error());
  // Asked again inside the write: the user may have been removed since the look above, and
  // codes without an enrollment would be orphans.
  auto found = (*txn)->find(session.user());
  if (!found) return session.failed(found.error());
  if (!found->has_value()) return refuse_not_enrolled(session);
  if (auto st = (*txn)->replace_recovery_codes(session.user(), set->hashes); !st) {
    return session.failed(st.error());
  }
  if (auto st = (*txn)->commit(); !st) return session.failed(st.error());
  // A person gets a word of explanation; a script reading a pipe gets the codes alone.
  const CodesLayout layout =
      isatty(STDOUT_FILENO) == 1 ? CodesLayout::for_people : CodesLayout::for_scripts;
  print_secret(recovery_codes_text(session.user(), set->codes, layout));
  return session.done(Exit::ok, "ok");
}

}  // namespace sshotp::cli
