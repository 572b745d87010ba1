// SPDX-License-Identifier: BSD-3-Clause
// `enroll`: a new secret shown as a QR code, a key to type and a key URI; saved only once the
// user has typed a correct code from it, together with a fresh set of recovery codes, which are
// then shown once. Until then the new secret is only a pending enrollment and the previous one
// keeps working; aborting at any point leaves the previous enrollment as it was. A user other
// than root who replaces their own enrollment first proves they hold it (possession.h).
// With --hotp the key is counter-based, for an app in counter mode: the URI starts it at
// counter 0 and the confirming code's counter is the first one used.
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "common/base32.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/hotp.h"
#include "common/otpauth_uri.h"
#include "common/totp.h"
#include "common/typed_code.h"
#include "enroll/cli/command_start.h"
#include "enroll/cli/reporting.h"
#include "enroll/cli/store_access.h"
#include "enroll/cli/terminal.h"
#include "enroll/enrollment/enrollment_commands.h"
#include "enroll/enrollment/pending_enrollment.h"
#include "enroll/enrollment/possession.h"
#include "enroll/enrollment/recovery_set.h"
#include "enroll/qr/qr_image_files.h"
#include "enroll/qr/qr_terminal.h"

namespace sshotp::cli {
namespace {

constexpr std::size_t kSecretBytes = 20;  // 160 bits, RFC 4226's recommendation
constexpr int kCodeAttempts = 3;

// "ABCD EFGH IJKL ..." for typing the key by hand.
SecretString group_in_fours(std::string_view base32) {
  SecretString out;
  for (std::size_t i = 0; i < base32.size(); ++i) {
    if (i != 0 && i % 4 == 0) out.push_back(' ');
    out.push_back(base32[i]);
  }
  return out;
}

struct Confirmation {
  enum class Outcome { matched, exhausted, aborted } outcome = Outcome::aborted;
  std::int64_t step = 0;
};

// The step (time step, or counter) of a typed code of the new secret, read and searched the
// way a login does it: a counter-based key's first code is at counter 0, and an app that made
// a few codes before this one is still inside the window.
Result<std::optional<std::int64_t>> match_new_code(const SecureBytes& secret,
                                                   const OtpParams& params, const Config& config,
                                                   std::string_view code) {
  if (params.kind() == OtpKind::hotp) {
    return hotp_match(secret, params, /*last_used=*/-1, config.hotp_window, code);
  }
  return totp_match(secret, params, now_unix(), config.window, code);
}

// Up to three attempts at typing the current code of the new secret. A match returns its step,
// which becomes the enrollment's last used step so the same code cannot log in later.
Result<Confirmation> confirm_code(Terminal& tty, const SecureBytes& secret, const OtpParams& params,
                                  const Config& config) {
  using Outcome = Confirmation::Outcome;
  const bool hotp = params.kind() == OtpKind::hotp;
  for (int attempt = 1; attempt <= kCodeAttempts; ++attempt) {
    tty.print("Code from your authenticator app: ");
    LineRead line = tty.read_line(kMaxTypedCode, /*echo=*/true);
    if (!tty.input_is_tty()) tty.print("\n");  // piped answers are not echoed
    if (line.status == ReadStatus::end_of_input || line.status == ReadStatus::interrupted) {
      if (tty.input_is_tty()) tty.print("\n");
      return Confirmation{Outcome::aborted};
    }
    if (line.status == ReadStatus::failed) {
      return make_error(Errc::io, std::string("reading the code: ") + std::strerror(errno));
    }
    auto code = line.status != ReadStatus::line ? std::nullopt
                : hotp ? normalise_hotp_code(line.text.view(), params.digits)
                       : normalise_totp_code(line.text.view(), params.digits);
    if (!code) {
      tty.print("That is not a " + std::to_string(params.digits) + "-digit code.\n");
      continue;
    }
    auto matched = match_new_code(secret, params, config, code->view());
    if (!matched) return std::move(matched).error();
    if (*matched) return Confirmation{Outcome::matched, **matched};
    tty.print(hotp ? "That code is not right. Is the app in counter (HOTP) mode?\n"
                   : "That code is not right. Is the clock of your device correct?\n");
  }
  return Confirmation{Outcome::exhausted};
}

const Action kEnroll{"enroll", true, false, false};

// A new secret in the two forms an app takes it: base32 to type, and the key URI (the QR code).
struct NewKey {
  SecureBytes secret;
  SecretString base32;
  SecretString uri;
};

Result<NewKey> new_key(const std::string& issuer, const std::string& user,
                       const OtpParams& params) {
  auto secret = random_bytes(kSecretBytes);
  if (!secret) return std::move(secret).error();
  auto base32 = base32_encode(*secret);
  if (!base32) return std::move(base32).error();
  SecretString uri = otpauth_uri(issuer, user, base32->view(), params, /*next_counter=*/0);
  return NewKey{std::move(secret).value(), std::move(base32).value(), std::move(uri)};
}

void show_key(Terminal& tty, const std::string& issuer, std::string_view user, const NewKey& key,
              const OtpParams& params, QrStyle style) {
  tty.print("Enrolling " + std::string(user) + " for " + issuer + ".\n\n");
  if (style != QrStyle::none) {
    auto matrix = encode_qr(key.uri.view());
    if (matrix) {
      tty.print("Scan this QR code with your authenticator app:\n\n");
      tty.print(render_qr(*matrix, style).view());
      tty.print("\n");
    } else {
      // The key below still works; a missing picture is no reason to stop.
      print_error("QR code", matrix.error().message);
    }
  }
  tty.print(std::string("Or add this key by hand (") +
            (params.kind() == OtpKind::totp ? "time-based, " : "") + describe_params(params) +
            "):\n\n    ");
  tty.print(group_in_fours(key.base32.view()).view());
  tty.print("\n\nKey URI: ");
  tty.print(key.uri.view());
  tty.print("\n\n");
}

// What enroll's own options ask for: how the QR code of the new key is shown and saved, and
// whether the key is counter-based.
struct EnrollOptions {
  QrStyle style = QrStyle::ansi;
  QrImageFiles images;  // --qr-png, --qr-svg
  bool hotp = false;    // --hotp
};

constexpr int kHotpOption = 4000;  // getopt_long value of --hotp, beyond QrImageFiles' values

// The start every command makes (command_start.h), with enroll's options parsed into `qr`.
std::optional<Started> start_enroll(const Invocation& invocation, EnrollOptions& qr, Exit& early) {
  static const struct option long_options[] = {
      {"qr", required_argument, nullptr, 'q'},
      {"qr-png", required_argument, nullptr, QrImageFiles::kPngOption},
      {"qr-svg", required_argument, nullptr, QrImageFiles::kSvgOption},
      {"hotp", no_argument, nullptr, kHotpOption},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0}};
  auto qr_option = [&qr](int option, const char* value) -> std::optional<Exit> {
    if (QrImageFiles::is_option(option)) return qr.images.handle(option, value);
    if (option == kHotpOption) {
      qr.hotp = true;
      return std::nullopt;
    }
    auto parsed = parse_qr_style(value);
    if (!parsed) return usage_error("--qr: must be ansi, utf8, invert or none");
    qr.style = *parsed;
    return std::nullopt;
  };
  return start(kEnroll, ConfigUse::writing, invocation, long_options, qr_option, early);
}

// The user's enrollment as it is before a new key exists, read in a transaction of its own that
// ends here: a new key is only ever written by PendingEnrollment.
Result<std::optional<Enrollment>> current_enrollment(Store& store, const std::string& user) {
  auto txn = store.begin_read();
  if (!txn) return std::move(txn).error();
  return (*txn)->find(user);
}

// Nothing when the typed code matched; else the refusal the command ends with. A Ctrl-C counts
// even after a matching code: the user asked to stop, so nothing is saved.
std::optional<Exit> refuse_unconfirmed(Session& session, const Confirmation& confirmation) {
  using Outcome = Confirmation::Outcome;
  if (confirmation.outcome == Outcome::exhausted) {
    return session.refused(Exit::verification, "wrong-code",
                           "no valid code after three attempts; nothing was saved");
  }
  if (confirmation.outcome == Outcome::aborted || InterruptScope::interrupted()) {
    return session.refused(Exit::verification, "aborted", "aborted; nothing was saved");
  }
  return std::nullopt;
}

// The new key, from its pending row to the saved enrollment: shown, confirmed with a code from
// it, then saved with fresh recovery codes, which are shown once. Any way out before the save
// withdraws the pending row and the image files (their destructors).
Exit offer_new_key(Started& started, const WritableStore& opened,
                   const std::optional<Enrollment>& previous, const std::string& issuer,
                   EnrollOptions& qr) {
  Session& session = started.session;
  const Config& config = started.config;
  OtpParams params = config.otp;
  if (qr.hotp) params.period = kCounterBased;
  auto key = new_key(issuer, session.user(), params);
  if (!key) return session.failed(key.error());
  PendingEnrollment pending(opened, session.user(), params);
  if (auto st = pending.begin(key->secret); !st) return session.failed(st.error());

  Terminal tty(Terminal::Source::controlling);
  if (previous) {
    tty.print(session.user() +
              " is already enrolled. The new key replaces the old one once you confirm a code;"
              " until then the old one keeps working.\n");
  }
  show_key(tty, issuer, session.user(), *key, params, qr.style);
  if (auto st = qr.images.write(key->uri.view(), tty); !st) return session.failed(st.error());
  auto confirmation = confirm_code(tty, key->secret, params, config);
  if (!confirmation) return session.failed(confirmation.error());
  if (auto stop = refuse_unconfirmed(session, *confirmation)) return *stop;

  // The confirmation code is spent: its step (its counter, for HOTP) becomes the last used one.
  const ConfirmRules unchanged{session.caller().is_root(),
                               previous ? std::optional(previous->sealed_secret) : std::nullopt};
  auto codes = pending.confirm(key->secret, confirmation->step, config.recovery_codes, unchanged);
  if (!codes && codes.error().code == Errc::not_found) {
    return session.refused(Exit::verification, "aborted", codes.error().message);
  }
  if (!codes) return session.failed(codes.error());
  qr.images.keep();
  tty.print(session.user() +
            " is enrolled. The code you typed is used up: log in with a later one.\n\n");
  tty.print(recovery_codes_text(session.user(), *codes, CodesLayout::for_people).view());
  return session.done(Exit::ok, "ok");
}

}  // namespace

Exit run_enroll(const ConfigLocation& where, int argc, char** argv) {
  Exit early = Exit::error;
  EnrollOptions qr;
  auto started = start_enroll({where, argc, argv}, qr, early);
  if (!started) return early;
  Session& session = started->session;
  const Config& config = started->config;
  if (auto st = qr.images.check_absent(); !st) return session.failed(st.error());

  auto issuer = issuer_for(config);
  if (!issuer) return session.failed(issuer.error());
  // Open everything before showing a key: a key that cannot be saved would leave a useless
  // entry in the user's app.
  auto opened = open_store_for_writing(config);
  if (!opened) return session.failed(opened.error());
  auto previous = current_enrollment(*opened->store, session.user());
  if (!previous) return session.failed(previous.error());
  InterruptScope interrupts;  // from here on, Ctrl-C aborts cleanly (and withdraws the new key)
  // Replacing your own second factor takes that factor, or a recovery code: whoever finds your
  // session unlocked must not move your logins to their phone. Root may replace anyone's.
  if (*previous && !session.caller().is_root()) {
    const ProofRules proof{Terminal::Source::controlling, /*recovery_code_accepted=*/true};
    if (auto stop = prove_possession(session, config, *opened->store, opened->key, proof)) {
      return *stop;
    }
  }
  return offer_new_key(*started, *opened, *previous, *issuer, qr);
}

}  // namespace sshotp::cli
