// SPDX-License-Identifier: BSD-3-Clause
// enroll, import, remove and status. The order inside every command is the same: parse and
// validate the arguments, check who may act on whom, load the settings, read any input, and
// only then open the key and the store. Admin actions leave exactly one syslog line, whatever
// the outcome (Session in context.h).
#include "enroll/commands.h"

#include <charconv>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base32.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/otpauth_uri.h"
#include "common/totp.h"
#include "enroll/context.h"
#include "enroll/qr_terminal.h"
#include "enroll/terminal.h"

namespace sshotp::cli {
namespace {

constexpr std::size_t kSecretBytes = 20;  // 160 bits, RFC 4226's recommendation
// RFC 4226 §4 R6: the shared secret MUST be at least 128 bits. The upper bound only stops
// absurd input; 64 bytes is a full SHA-512 block (the RFC 6238 SHA-512 test key).
constexpr std::size_t kMinImportBytes = 16;
constexpr std::size_t kMaxImportBytes = 128;
constexpr std::size_t kMaxKeyLine = 1024;
constexpr std::size_t kMaxCodeLine = 64;
constexpr int kCodeAttempts = 3;

// --------------------------------------------------------------------------------------------
// Small parsers and formatters.

std::optional<unsigned> parse_unsigned(const char* text) {
  unsigned n = 0;
  const char* end = text + std::strlen(text);
  auto [stop, ec] = std::from_chars(text, end, n);
  if (ec != std::errc() || stop != end || stop == text) return std::nullopt;
  return n;
}

// One numeric TOTP parameter, range-checked by the same rule the core applies.
std::optional<unsigned> parse_param(const char* text, unsigned TotpParams::*field) {
  auto n = parse_unsigned(text);
  if (!n) return std::nullopt;
  TotpParams probe;
  probe.*field = *n;
  if (!validate_params(probe)) return std::nullopt;
  return n;
}

std::string describe_params(const TotpParams& p) {
  return std::string(algorithm_name(p.algorithm)) + ", " + std::to_string(p.digits) + " digits, " +
         std::to_string(p.period) + " seconds";
}

// "ABCD EFGH IJKL ..." for typing the key by hand.
SecretString group_in_fours(std::string_view base32) {
  SecretString out;
  for (std::size_t i = 0; i < base32.size(); ++i) {
    if (i != 0 && i % 4 == 0) out.push_back(' ');
    out.push_back(base32[i]);
  }
  return out;
}

// What the user typed, minus the spaces apps show in the middle ("123 456"), if it has the
// shape of a code; nothing otherwise. Only well-formed codes reach totp_match.
std::optional<SecretString> normalise_code(std::string_view typed, unsigned digits) {
  SecretString code;
  for (char c : typed) {
    if (c == ' ' || c == '\t') continue;
    if (c < '0' || c > '9') return std::nullopt;
    code.push_back(c);
  }
  if (code.size() != digits) return std::nullopt;
  return code;
}

// Seals `secret` for `user` and stores it as their enrollment, replacing any previous one.
// last_step -1 means no code has been used yet.
Status save(const WritableStore& target, const std::string& user, const TotpParams& params,
            const SecureBytes& secret, std::int64_t last_step) {
  auto sealed = seal(target.key, secret, secret_aad(user));
  if (!sealed) return std::move(sealed).error();
  Enrollment enrollment;
  enrollment.user = user;
  enrollment.totp = params;
  enrollment.sealed_secret = std::move(sealed).value();
  enrollment.last_step = last_step;
  enrollment.created_at = now_unix();
  auto txn = target.store->begin_write();
  if (!txn) return std::move(txn).error();
  if (auto st = (*txn)->put(enrollment); !st) return st;
  return (*txn)->commit();
}

// The command line a command was given: the global --config and its own argv.
struct Invocation {
  const ConfigLocation& where;
  int argc;
  char** argv;
};

// A command under way: who acts on whom, and the settings.
struct Started {
  Session session;
  Config config;
};

// Parses the command's options (handing them to `handle`), resolves and checks the user
// (start_session) and loads the config. On failure it has reported why and set `early`.
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

// --------------------------------------------------------------------------------------------
// enroll

struct Confirmation {
  enum class Outcome { matched, exhausted, aborted } outcome = Outcome::aborted;
  std::int64_t step = 0;
};

// Up to three attempts at typing the current code of the new secret. A match returns its time
// step, which becomes the enrollment's last used step so the same code cannot log in later.
Result<Confirmation> confirm_code(Terminal& tty, const SecureBytes& secret,
                                  const TotpParams& params, unsigned window) {
  using Outcome = Confirmation::Outcome;
  for (int attempt = 1; attempt <= kCodeAttempts; ++attempt) {
    tty.print("Code from your authenticator app: ");
    LineRead line = tty.read_line(kMaxCodeLine, /*echo=*/true);
    if (!tty.input_is_tty()) tty.print("\n");  // piped answers are not echoed
    if (line.status == ReadStatus::end_of_input || line.status == ReadStatus::interrupted) {
      if (tty.input_is_tty()) tty.print("\n");
      return Confirmation{Outcome::aborted};
    }
    if (line.status == ReadStatus::failed) {
      return make_error(Errc::io, std::string("reading the code: ") + std::strerror(errno));
    }
    auto code = line.status == ReadStatus::line ? normalise_code(line.text.view(), params.digits)
                                                : std::nullopt;
    if (!code) {
      tty.print("That is not a " + std::to_string(params.digits) + "-digit code.\n");
      continue;
    }
    auto matched = totp_match(secret, params, now_unix(), window, code->view());
    if (!matched) return std::move(matched).error();
    if (*matched) return Confirmation{Outcome::matched, **matched};
    tty.print("That code is not right. Is the clock of your device correct?\n");
  }
  return Confirmation{Outcome::exhausted};
}

void show_key(Terminal& tty, const std::string& issuer, std::string_view user,
              const SecretString& base32, const SecretString& uri, const TotpParams& params,
              QrStyle style) {
  tty.print("Enrolling " + std::string(user) + " for " + issuer + ".\n\n");
  if (style != QrStyle::none) {
    auto matrix = encode_qr(uri.view());
    if (matrix) {
      tty.print("Scan this QR code with your authenticator app:\n\n");
      tty.print(render_qr(*matrix, style).view());
      tty.print("\n");
    } else {
      // The key below still works; a missing picture is no reason to stop.
      print_error("QR code", matrix.error().message);
    }
  }
  tty.print("Or add this key by hand (time-based, " + describe_params(params) + "):\n\n    ");
  tty.print(group_in_fours(base32.view()).view());
  tty.print("\n\nKey URI: ");
  tty.print(uri.view());
  tty.print("\n\n");
}

const Action kEnroll{"enroll", true, false, false};

Exit run_enroll(const ConfigLocation& where, int argc, char** argv) {
  QrStyle style = QrStyle::ansi;
  static const struct option long_options[] = {{"qr", required_argument, nullptr, 'q'},
                                               {"help", no_argument, nullptr, 'h'},
                                               {nullptr, 0, nullptr, 0}};
  auto qr_option = [&](int, const char* value) -> std::optional<Exit> {
    auto parsed = parse_qr_style(value);
    if (!parsed) return usage_error("--qr: must be ansi, utf8, invert or none");
    style = *parsed;
    return std::nullopt;
  };
  Exit early = Exit::error;
  auto started =
      start(kEnroll, ConfigUse::writing, {where, argc, argv}, long_options, qr_option, early);
  if (!started) return early;
  Session& session = started->session;
  const Config& config = started->config;

  auto issuer = issuer_for(config);
  if (!issuer) return session.failed(issuer.error());
  // Open everything before showing a key: a key that cannot be saved would leave a useless
  // entry in the user's app.
  auto opened = open_store_for_writing(config);
  if (!opened) return session.failed(opened.error());
  std::optional<Enrollment> previous;
  {
    auto txn = opened->store->begin_write();
    if (!txn) return session.failed(txn.error());
    auto found = (*txn)->find(session.user());
    if (!found) return session.failed(found.error());
    previous = std::move(found).value();
  }  // rolled back: nothing to change yet

  auto secret = random_bytes(kSecretBytes);
  if (!secret) return session.failed(secret.error());
  auto base32 = base32_encode(*secret);
  if (!base32) return session.failed(base32.error());
  const TotpParams& params = config.totp;
  const SecretString uri = otpauth_uri(*issuer, session.user(), base32->view(), params);

  InterruptScope interrupts;
  Terminal tty(Terminal::Source::controlling);
  if (previous) {
    tty.print(session.user() +
              " is already enrolled. The new key replaces the old one once you confirm a code.\n");
  }
  show_key(tty, *issuer, session.user(), *base32, uri, params, style);

  auto confirmation = confirm_code(tty, *secret, params, config.window);
  if (!confirmation) return session.failed(confirmation.error());
  using Outcome = Confirmation::Outcome;
  if (confirmation->outcome == Outcome::exhausted) {
    return session.refused(Exit::verification, "wrong-code",
                           "no valid code after three attempts; nothing was saved");
  }
  if (confirmation->outcome == Outcome::aborted || InterruptScope::interrupted()) {
    return session.refused(Exit::verification, "aborted", "aborted; nothing was saved");
  }

  // The confirmation code is spent: its step becomes the last used one.
  if (auto st = save(*opened, session.user(), params, *secret, confirmation->step); !st) {
    return session.failed(st.error());
  }
  tty.print(session.user() +
            " is enrolled. The code you typed is used up: log in with a later one.\n");
  return session.done(Exit::ok, "ok");
}

// --------------------------------------------------------------------------------------------
// import

const Action kImport{"import", true, true, true};

// The single base32 line on stdin; exits are usage errors (bad input) except a read failure.
Result<SecureBytes> read_imported_key(Terminal& in) {
  auto bad = [](const std::string& why) { return make_error(Errc::invalid_argument, why); };
  if (in.input_is_tty()) in.print("Base32 key: ");
  LineRead line = in.read_line(kMaxKeyLine, /*echo=*/false);
  switch (line.status) {
    case ReadStatus::line:
      break;
    case ReadStatus::end_of_input:
      return bad("standard input: no key (expected one base32 line)");
    case ReadStatus::too_long:
      return bad("standard input: line longer than " + std::to_string(kMaxKeyLine) + " bytes");
    case ReadStatus::interrupted:
    case ReadStatus::failed:
      return make_error(Errc::io, std::string("standard input: ") + std::strerror(errno));
  }
  if (!in.input_is_tty()) {
    LineRead extra = in.read_line(kMaxKeyLine, /*echo=*/false);
    if (extra.status == ReadStatus::too_long ||
        (extra.status == ReadStatus::line && !extra.text.empty())) {
      return bad("standard input: more than one line (expected one base32 key)");
    }
  }
  auto key = base32_decode(line.text.view());
  if (!key) return bad("standard input: " + key.error().message);
  if (key->size() < kMinImportBytes) {
    return bad("standard input: the key has " + std::to_string(key->size() * 8) +
               " bits; at least " + std::to_string(kMinImportBytes * 8) +
               " are required (RFC 4226)");
  }
  if (key->size() > kMaxImportBytes) {
    return bad("standard input: the key is longer than " + std::to_string(kMaxImportBytes) +
               " bytes");
  }
  return key;
}

Exit run_import(const ConfigLocation& where, int argc, char** argv) {
  enum : int { kAlgorithm = 1000, kDigits, kPeriod };
  static const struct option long_options[] = {
      {"algorithm", required_argument, nullptr, kAlgorithm},
      {"digits", required_argument, nullptr, kDigits},
      {"period", required_argument, nullptr, kPeriod},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0}};
  std::optional<Algorithm> algorithm;
  std::optional<unsigned> digits;
  std::optional<unsigned> period;
  auto param_option = [&](int option, const char* value) -> std::optional<Exit> {
    if (option == kAlgorithm) {
      algorithm = parse_algorithm(value);
      if (!algorithm) {
        return usage_error("--algorithm: must be sha1, sha256 or sha512");
      }
    } else if (option == kDigits) {
      digits = parse_param(value, &TotpParams::digits);
      if (!digits) return usage_error("--digits: must be 6 or 8");
    } else {
      period = parse_param(value, &TotpParams::period);
      if (!period) return usage_error("--period: must be 15 to 120");
    }
    return std::nullopt;
  };
  Exit early = Exit::error;
  auto started =
      start(kImport, ConfigUse::writing, {where, argc, argv}, long_options, param_option, early);
  if (!started) return early;
  Session& session = started->session;
  TotpParams params = started->config.totp;
  if (algorithm) params.algorithm = *algorithm;
  if (digits) params.digits = *digits;
  if (period) params.period = *period;

  Terminal in(Terminal::Source::standard);
  auto secret = read_imported_key(in);
  if (!secret) {
    if (secret.error().code != Errc::invalid_argument) return session.failed(secret.error());
    return session.refused(Exit::usage, "bad-input", secret.error().message);
  }

  auto opened = open_store_for_writing(started->config);
  if (!opened) return session.failed(opened.error());
  if (auto st = save(*opened, session.user(), params, *secret, -1); !st) {
    return session.failed(st.error());
  }
  std::printf("Imported the key of %s (%s).\n", session.user().c_str(),
              describe_params(params).c_str());
  return session.done(Exit::ok, "ok");
}

// --------------------------------------------------------------------------------------------
// remove and status

const Action kRemove{"remove", true, true, true};
const Action kStatus{"status", false, false, false};

// remove and status: a started command on the existing store (opened by prepare()).
struct ReadyStore {
  Session session;
  std::unique_ptr<Store> store;  // null: no store file yet, so nobody is enrolled
};

std::optional<ReadyStore> prepare(const Action& action, const Invocation& invocation, Exit& early) {
  static const struct option long_options[] = {{"help", no_argument, nullptr, 'h'},
                                               {nullptr, 0, nullptr, 0}};
  auto no_options = [](int, const char*) -> std::optional<Exit> { return std::nullopt; };
  auto started = start(action, ConfigUse::reading, invocation, long_options, no_options, early);
  if (!started) return std::nullopt;
  auto store = open_existing_store(started->config);
  if (!store) {
    early = started->session.failed(store.error());
    return std::nullopt;
  }
  return ReadyStore{std::move(started->session), std::move(store).value()};
}

Exit run_remove(const ConfigLocation& where, int argc, char** argv) {
  Exit early = Exit::error;
  auto ready = prepare(kRemove, {where, argc, argv}, early);
  if (!ready) return early;
  Session& session = ready->session;
  if (!ready->store) return session.refused(Exit::not_enrolled, "not-enrolled", "not enrolled");
  auto txn = ready->store->begin_write();
  if (!txn) return session.failed(txn.error());
  auto removed = (*txn)->remove(session.user());
  if (!removed) return session.failed(removed.error());
  if (!*removed) return session.refused(Exit::not_enrolled, "not-enrolled", "not enrolled");
  if (auto st = (*txn)->commit(); !st) return session.failed(st.error());
  std::printf("Removed the enrollment of %s.\n", session.user().c_str());
  return session.done(Exit::ok, "ok");
}

Exit run_status(const ConfigLocation& where, int argc, char** argv) {
  Exit early = Exit::error;
  auto ready = prepare(kStatus, {where, argc, argv}, early);
  if (!ready) return early;
  Session& session = ready->session;
  std::optional<Enrollment> enrollment;
  if (ready->store) {
    auto txn = ready->store->begin_write();  // the store has only write transactions
    if (!txn) return session.failed(txn.error());
    auto found = (*txn)->find(session.user());
    if (!found) return session.failed(found.error());
    enrollment = std::move(found).value();
  }
  if (!enrollment) {
    std::printf("%s: not enrolled\n", session.user().c_str());
    return session.done(Exit::not_enrolled, "not-enrolled");
  }
  std::printf("user: %s\nalgorithm: %s\ndigits: %u\nperiod: %u\ncreated: %s\nlast used: %s\n",
              enrollment->user.c_str(), algorithm_name(enrollment->totp.algorithm),
              enrollment->totp.digits, enrollment->totp.period,
              iso8601_utc(enrollment->created_at).c_str(),
              enrollment->last_used_at ? iso8601_utc(*enrollment->last_used_at).c_str() : "never");
  return session.done(Exit::ok, "ok");
}

constexpr Command kCommands[] = {
    {"enroll", "[--qr=STYLE] [USER]", "show a new key and its QR code, confirm a code, save it",
     run_enroll},
    {"import", "USER [--algorithm ALG] [--digits N] [--period SECONDS]",
     "store the base32 key read from stdin (root only)", run_import},
    {"remove", "USER", "delete the enrollment of USER (root only)", run_remove},
    {"status", "[USER]", "show the enrollment of USER", run_status},
};

}  // namespace

std::span<const Command> commands() { return kCommands; }

}  // namespace sshotp::cli
