// SPDX-License-Identifier: BSD-3-Clause
// `resync [USER]`: a hardware token pressed more often than `hotp_window` times without a login
// makes codes no login accepts any more. Two consecutive codes of it, found within kResyncRange
// counters of the expected one, move the user's counter past the second (resync_hotp,
// common/hotp_resync.h, one write transaction), as pam_oath and LinOTP resynchronise.
// Root names anyone. A user may resynchronise their own token, and then the attempt counts like
// a login (the two codes are what a login would check): a locked user is refused, a miss is a
// failed attempt, a success clears the count. Either way the two codes are used up. Both are
// read from stdin (prompts on stderr, no echo on a terminal), never from argv, and never shown.
#include "enroll/admin/resync_command.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/hotp.h"
#include "common/hotp_resync.h"
#include "common/key_check.h"
#include "common/lockout.h"
#include "common/store_factory.h"
#include "common/typed_code.h"
#include "enroll/cli/code_line.h"
#include "enroll/cli/command_start.h"
#include "enroll/cli/reporting.h"
#include "enroll/cli/store_access.h"
#include "enroll/cli/terminal.h"

namespace sshotp::cli {
namespace {

const Action kResync{"resync", true, false, false};

// The outcomes that can be told before any code is read (the same checks resync_hotp makes
// again inside its transaction): nobody is asked for codes that cannot help.
Result<std::optional<ResyncOutcome>> precheck(Store& store, const Session& session, bool by_user,
                                              unsigned& digits) {
  auto snapshot = store.begin_read();
  if (!snapshot) return std::move(snapshot).error();
  auto found = (*snapshot)->find(session.user());
  if (!found) return std::move(found).error();
  if (!found->has_value()) return std::optional{ResyncOutcome::not_enrolled};
  const Enrollment& e = **found;
  digits = e.otp.digits;
  if (e.otp.kind() != OtpKind::hotp) return std::optional{ResyncOutcome::not_counter};
  if (e.state == EnrollmentState::disabled) return std::optional{ResyncOutcome::disabled};
  if (by_user && is_locked(e.lockout, now_unix())) return std::optional{ResyncOutcome::locked};
  return std::optional<ResyncOutcome>{};
}

// Every outcome but success: the exit status, the audit result and the words.
Exit refuse(Session& session, ResyncOutcome outcome, unsigned digits) {
  struct Refusal {
    ResyncOutcome outcome;
    Exit exit;
    const char* result;
    std::string why;
  };
  const Refusal refusals[] = {
      {ResyncOutcome::not_counter, Exit::error, "not-counter",
       "the enrollment is time-based (an app's): there is no counter to resynchronise"},
      {ResyncOutcome::disabled, Exit::verification, "disabled",
       "the enrollment is disabled (`sshotp-enroll enable` ends that); nothing was changed"},
      {ResyncOutcome::locked, Exit::verification, "locked",
       "too many failed attempts; try again later or ask your administrator"},
      {ResyncOutcome::bad_input, Exit::verification, "bad-input",
       "that is not a " + std::to_string(digits) + "-digit code of the token; nothing was changed"},
      {ResyncOutcome::not_found, Exit::verification, "not-found",
       "no two consecutive codes within " + std::to_string(kResyncRange) +
           " presses after the last code used (or they were used already); nothing was changed"},
  };
  if (outcome == ResyncOutcome::not_enrolled) return refuse_not_enrolled(session);
  for (const Refusal& r : refusals) {
    if (r.outcome == outcome) return session.refused(r.exit, r.result, r.why);
  }
  return session.refused(Exit::verification, "not-found", refusals[4].why);
}

// One code, read as every typed code is (kMaxTypedCode). Nothing if none came: then it has
// refused and set `stop`.
std::optional<SecretString> read_code(Session& session, Terminal& in, const char* prompt,
                                      unsigned digits, std::optional<Exit>& stop) {
  in.print(prompt);
  auto line = read_code_line(session, in, stop);
  if (!line) return std::nullopt;
  if (line->status == ReadStatus::too_long) {
    stop = refuse(session, ResyncOutcome::bad_input, digits);
    return std::nullopt;
  }
  return std::move(line->text);
}

}  // namespace

Exit run_resync(const ConfigLocation& where, int argc, char** argv) {
  Exit early = Exit::error;
  auto ready = prepare(kResync, {where, argc, argv}, early);
  if (!ready) return early;
  Session& session = ready->session;
  if (!ready->store) return refuse_not_enrolled(session);
  auto key = load_key_for_writes(ready->config, ready->store);
  if (!key) return session.failed(key.error());
  const bool by_user = !session.caller().is_root();
  unsigned digits = 6;
  auto known = precheck(*ready->store, session, by_user, digits);
  if (!known) return session.failed(known.error());
  if (*known) return refuse(session, **known, digits);

  InterruptScope interrupts;
  Terminal in(Terminal::Source::standard);
  std::optional<Exit> stop;
  auto first = read_code(session, in, "Code of the token's next press: ", digits, stop);
  if (!first) return *stop;
  auto second = read_code(session, in, "Code of the press after it: ", digits, stop);
  if (!second) return *stop;

  const ResyncRequest request{session.user(), first->view(), second->view(),
                              now_unix(),     by_user,       ready->config.lockout};
  auto result = resync_hotp(*ready->store, *key, request);
  if (!result) return session.failed(result.error());
  if (result->outcome != ResyncOutcome::resynced) return refuse(session, result->outcome, digits);
  std::printf("%s: resynchronised; the next login expects the code of counter %lld.\n",
              session.user().c_str(), static_cast<long long>(result->next_counter));
  return session.done(Exit::ok, "ok");
}

}  // namespace sshotp::cli
