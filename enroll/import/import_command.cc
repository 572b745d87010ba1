// SPDX-License-Identifier: BSD-3-Clause
// `import`: a script hands over an existing secret on standard input, base32 or (--hex) hex,
// never on the command line, where other users could read it. With --hotp the key is a
// counter-based token's and --counter N the counter of its next code: the enrollment starts
// with N - 1 used, so the token's next press logs in and none of its earlier codes ever does. The
// enrollment and a fresh set of recovery codes are saved in one transaction; the codes, and nothing
// else, go to standard output.
#include "enroll/import/import_command.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "common/totp.h"
#include "enroll/cli/command_start.h"
#include "enroll/cli/reporting.h"
#include "enroll/cli/terminal.h"
#include "enroll/enrollment/recovery_set.h"
#include "enroll/enrollment/save_enrollment.h"
#include "enroll/import/import_batch.h"
#include "enroll/import/import_rules.h"
#include "enroll/program_name.h"

namespace sshotp::cli {
namespace {

const Action kImport{"import", true, true, true};

// The single key line on stdin; exits are usage errors (bad input) except a read failure.
Result<SecureBytes> read_imported_key(Terminal& in, KeyEncoding encoding) {
  auto bad = [](const std::string& why) { return make_error(Errc::invalid_argument, why); };
  const std::string one_line = std::string("one ") + encoding_name(encoding) + " line";
  if (in.input_is_tty()) in.print(encoding == KeyEncoding::hex ? "Hex key: " : "Base32 key: ");
  LineRead line = in.read_line(kMaxKeyLine, /*echo=*/false);
  switch (line.status) {
    case ReadStatus::line:
      break;
    case ReadStatus::end_of_input:
      return bad("standard input: no key (expected " + one_line + ")");
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
      return bad("standard input: more than one line (expected " + one_line + ")");
    }
  }
  auto key = decode_imported_key(line.text.view(), encoding);
  if (!key) return bad("standard input: " + key.error().message);
  return key;
}

}  // namespace

Exit run_import(const ConfigLocation& where, int argc, char** argv) {
  if (wants_batch(argc, argv)) return run_import_batch(where, argc, argv);
  static const std::vector<struct option> long_options =
      with_import_options({{"help", no_argument, nullptr, 'h'}});
  ImportOptions param_options;
  auto param_option = [&](int option, const char* value) {
    return param_options.handle(option, value);
  };
  Exit early = Exit::error;
  auto started = start(kImport, ConfigUse::writing, {where, argc, argv}, long_options.data(),
                       param_option, early);
  if (!started) return early;
  Session& session = started->session;
  if (auto conflict = param_options.conflict()) {
    return session.refused(Exit::usage, "bad-input", *conflict);
  }
  const OtpParams params = param_options.applied_to(started->config.otp);

  Terminal in(Terminal::Source::standard);
  auto secret = read_imported_key(in, param_options.encoding());
  if (!secret) {
    if (secret.error().code != Errc::invalid_argument) return session.failed(secret.error());
    return session.refused(Exit::usage, "bad-input", secret.error().message);
  }

  auto opened = open_store_for_writing(started->config);
  if (!opened) return session.failed(opened.error());
  auto codes = save_enrollment(*opened, session.user(), params, *secret, param_options.last_step(),
                               started->config.recovery_codes);
  if (!codes) return session.failed(codes.error());
  // Standard output is the script's: the recovery codes, one per line, and nothing else.
  std::fprintf(stderr, "%s: imported the key of %s (%s)\n", kProgramName, session.user().c_str(),
               describe_params(params).c_str());
  print_secret(recovery_codes_text(session.user(), *codes, CodesLayout::for_scripts));
  return session.done(Exit::ok, "ok");
}

}  // namespace sshotp::cli
