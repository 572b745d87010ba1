// SPDX-License-Identifier: BSD-3-Clause
// `import`: a script hands over an existing base32 secret on standard input (never on the
// command line, where other users could read it). The enrollment and a fresh set of recovery
// codes are saved in one transaction; the codes, and nothing else, go to standard output.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "common/base32.h"
#include "common/totp.h"
#include "enroll/command_support.h"
#include "enroll/commands.h"
#include "enroll/recovery_set.h"
#include "enroll/terminal.h"

namespace sshotp::cli {
namespace {

// RFC 4226 §4 R6: the shared secret MUST be at least 128 bits. The upper bound only stops
// absurd input; 64 bytes is a full SHA-512 block (the RFC 6238 SHA-512 test key).
constexpr std::size_t kMinImportBytes = 16;
constexpr std::size_t kMaxImportBytes = 128;
constexpr std::size_t kMaxKeyLine = 1024;

// One numeric TOTP parameter, range-checked by the same rule the core applies.
std::optional<unsigned> parse_param(const char* text, unsigned TotpParams::*field) {
  auto n = parse_unsigned(text);
  if (!n) return std::nullopt;
  TotpParams probe;
  probe.*field = *n;
  if (!validate_params(probe)) return std::nullopt;
  return n;
}

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

}  // namespace

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
  auto codes =
      save_enrollment(*opened, session.user(), params, *secret, -1, started->config.recovery_codes);
  if (!codes) return session.failed(codes.error());
  // Standard output is the script's: the recovery codes, one per line, and nothing else.
  std::fprintf(stderr, "%s: imported the key of %s (%s)\n", kProgramName, session.user().c_str(),
               describe_params(params).c_str());
  print_secret(recovery_codes_text(session.user(), *codes, CodesLayout::for_scripts));
  return session.done(Exit::ok, "ok");
}

}  // namespace sshotp::cli
