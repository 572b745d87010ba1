// SPDX-License-Identifier: BSD-3-Clause
// What `import USER` and `import --batch` share: the options that override the config's
// parameters (--algorithm, --digits, --period), that make the import counter-based (--hotp,
// --counter) or read hex keys (--hex), and the rules an imported key must meet. One place for
// both, so a batch accepts exactly the keys a single import accepts.
#pragma once

#include <getopt.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/otp_params.h"
#include "common/result.h"
#include "common/secret.h"
#include "enroll/cli/exit_status.h"

namespace sshotp::cli {

// getopt_long values of the import options.
enum : int {
  kAlgorithmOption = 1000,
  kDigitsOption,
  kPeriodOption,
  kHotpOption,
  kCounterOption,
  kHexOption,
};

// A command's long options: its own, then the import options above, then the terminating entry
// getopt_long wants.
std::vector<struct option> with_import_options(std::initializer_list<struct option> own);

// How the key on standard input is written: base32 (what apps and google-authenticator use) or
// hex (what hardware tokens' seed files, `ykman` and pam_oath use).
enum class KeyEncoding { base32, hex };
const char* encoding_name(KeyEncoding encoding) noexcept;  // "base32", "hex"

// The import options given on the command line; each parameter left out keeps the config's
// value.
class ImportOptions {
 public:
  // Takes one of the import options (each value checked on its own) and returns nothing, or the
  // usage error to stop with. Other options are not its business: std::nullopt.
  std::optional<Exit> handle(int option, const char* value);
  // Once every option is in: why they do not go together (--period or --counter with or without
  // --hotp), or nothing. Never quotes a value.
  std::optional<std::string> conflict() const;

  // The config's parameters with the options applied; --hotp makes them counter-based.
  OtpParams applied_to(OtpParams params) const;
  bool hotp() const noexcept { return hotp_; }
  bool counter_given() const noexcept { return counter_.has_value(); }
  // The enrollment's last used step: for --hotp the counter before --counter N (the next one
  // the token will use, 0 if not given), so that its code at N is the first one accepted; for
  // TOTP -1, no code used yet.
  std::int64_t last_step() const noexcept;
  KeyEncoding encoding() const noexcept { return hex_ ? KeyEncoding::hex : KeyEncoding::base32; }

 private:
  std::optional<Algorithm> algorithm_;
  std::optional<unsigned> digits_;
  std::optional<unsigned> period_;
  std::optional<std::int64_t> counter_;
  bool hotp_ = false;
  bool hex_ = false;
};

// An HOTP enrollment's last used step for the next counter `next_counter` (at most
// kMaxHotpCounter), as `import --hotp --counter` and a batch's `hotp:N` field give it.
std::int64_t last_step_before(std::int64_t next_counter) noexcept;

// A next counter as typed (--counter N, a batch's hotp:N): a decimal in [0, kMaxHotpCounter].
std::optional<std::int64_t> parse_next_counter(std::string_view text);

// The longest line read where a key is expected.
inline constexpr std::size_t kMaxKeyLine = 1024;

// Decodes an imported key and checks its size (RFC 4226 §4: at least 128 bits). Errors are
// Errc::invalid_argument and never quote the input.
Result<SecureBytes> decode_imported_key(std::string_view text, KeyEncoding encoding);

}  // namespace sshotp::cli
