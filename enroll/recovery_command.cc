// SPDX-License-Identifier: BSD-3-Clause
// `recovery`: replaces a user's whole set of recovery codes with a fresh one, in one
// transaction, and shows the new codes once. Root may do this for anyone. Other users may do it
// only for themselves and only after typing their current TOTP code, which is checked and
// consumed exactly as a login does it (verify_and_consume): it cannot be replayed, a wrong one
// counts towards the lockout, and a locked user is refused. A recovery code is not accepted as
// that proof, so whoever finds one code cannot turn it into a fresh set of their own.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/lockout.h"
#include "common/verifier.h"
#include "enroll/command_support.h"
#include "enroll/commands.h"
#include "enroll/recovery_set.h"
#include "enroll/terminal.h"

namespace sshotp::cli {
namespace {

const Action kRecovery{"recovery", true, false, false};

constexpr const char* kLockedMessage =
    "too many failed attempts; try again later or ask your administrator";

// The enrollment as it is now, for the checks made before asking for a code.
Result<std::optional<Enrollment>> look_up(Store& store, const std::string& user) {
  auto snapshot = store.begin_read();
  if (!snapshot) return std::move(snapshot).error();
  return (*snapshot)->find(user);
}

// Reads the caller's current code (stdin, prompt on stderr). Nothing if they gave none: then it
// has refused and set `stop`.
std::optional<SecretString> read_current_code(Session& session, unsigned digits,
                                              std::optional<Exit>& stop) {
  InterruptScope interrupts;
  Terminal in(Terminal::Source::standard);
  in.print("Code from your authenticator app: ");
  LineRead line = in.read_line(kMaxCodeLine, /*echo=*/false);
  if (!in.input_is_tty()) in.print("\n");
  if (line.status == ReadStatus::end_of_input || line.status == ReadStatus::interrupted ||
      InterruptScope::interrupted()) {
    stop = session.refused(Exit::verification, "aborted", "aborted; nothing was changed");
    return std::nullopt;
  }
  if (line.status == ReadStatus::failed) {
    stop = session.failed(
        make_error(Errc::io, std::string("reading the code: ") + std::strerror(errno)));
    return std::nullopt;
  }
  auto code =
      line.status == ReadStatus::line ? normalise_code(line.text.view(), digits) : std::nullopt;
  if (!code) {
    // Not checked against anything, so not counted either: there was nothing to guess.
    stop = session.refused(Exit::verification, "bad-input",
                           "that is not a " + std::to_string(digits) +
                               "-digit code from your authenticator app; nothing was changed");
  }
  return code;
}

// A non-root caller proves they hold the TOTP secret. Nothing on success, else the exit status
// the command ends with (it has been reported).
std::optional<Exit> prove_possession(Session& session, const Config& config, Store& store,
                                     const SecureBytes& key) {
  auto found = look_up(store, session.user());
  if (!found) return session.failed(found.error());
  if (!found->has_value()) return refuse_not_enrolled(session);
  if (is_locked((*found)->lockout, now_unix())) {
    return session.refused(Exit::verification, "locked", kLockedMessage);
  }
  std::optional<Exit> stop;
  auto code = read_current_code(session, (*found)->totp.digits, stop);
  if (!code) return stop;
  const VerifyRequest request{session.user(), code->view(), now_unix(), config.window,
                              config.lockout};
  auto verdict = verify_and_consume(store, key, request);
  if (!verdict) return session.failed(verdict.error());
  const Outcome outcome = verdict->outcome;
  if (outcome == Outcome::accepted) return std::nullopt;
  if (outcome == Outcome::not_enrolled) return refuse_not_enrolled(session);
  if (outcome == Outcome::locked || verdict->locked_now) {
    return session.refused(Exit::verification, "locked", kLockedMessage);
  }
  if (outcome == Outcome::replayed) {
    return session.refused(Exit::verification, "wrong-code",
                           "that code was used already; wait for the next one");
  }
  if (outcome == Outcome::wrong_code) {
    return session.refused(Exit::verification, "wrong-code",
                           "that code is not right; nothing was changed");
  }
  return session.refused(Exit::verification, outcome_reason(outcome),
                         std::string("code refused (") + outcome_reason(outcome) + ")");
}

}  // namespace

Exit run_recovery(const ConfigLocation& where, int argc, char** argv) {
  static const struct option long_options[] = {{"count", required_argument, nullptr, 'n'},
                                               {"help", no_argument, nullptr, 'h'},
                                               {nullptr, 0, nullptr, 0}};
  std::optional<unsigned> count;
  auto count_option = [&](int, const char* value) -> std::optional<Exit> {
    count = parse_unsigned(value);
    if (!count || *count < kMinRecoveryCodes || *count > kMaxRecoveryCodes) {
      return usage_error("--count: must be " + std::to_string(kMinRecoveryCodes) + " to " +
                         std::to_string(kMaxRecoveryCodes));
    }
    return std::nullopt;
  };
  Exit early = Exit::error;
  auto ready = prepare(kRecovery, {where, argc, argv}, early, long_options, count_option);
  if (!ready) return early;
  Session& session = ready->session;
  if (!ready->store) return refuse_not_enrolled(session);
  auto key = load_key_file(ready->config.key_file);
  if (!key) return session.failed(key.error());
  if (!session.caller().is_root()) {
    if (auto stop = prove_possession(session, ready->config, *ready->store, *key)) return *stop;
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
