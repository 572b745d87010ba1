// SPDX-License-Identifier: BSD-3-Clause
// What `import USER` and `import --batch` share: the --algorithm/--digits/--period options that
// override the config's TOTP parameters, and the rules an imported base32 key must meet. One
// place for both, so a batch accepts exactly the keys a single import accepts.
#pragma once

#include <getopt.h>

#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/secret.h"
#include "common/totp.h"
#include "enroll/cli/exit_status.h"

namespace sshotp::cli {

// getopt_long values of the parameter options.
enum : int { kAlgorithmOption = 1000, kDigitsOption, kPeriodOption };

// A command's long options: its own, then --algorithm, --digits and --period, then the
// terminating entry getopt_long wants.
std::vector<struct option> with_totp_param_options(std::initializer_list<struct option> own);

// The parameters given on the command line; each one left out keeps the config's value.
class TotpParamOptions {
 public:
  // Takes one of the three options (validated by the core's own rule) and returns nothing, or
  // the usage error to stop with. Other options are not its business: std::nullopt.
  std::optional<Exit> handle(int option, const char* value);
  OtpParams applied_to(OtpParams params) const;

 private:
  std::optional<Algorithm> algorithm_;
  std::optional<unsigned> digits_;
  std::optional<unsigned> period_;
};

// The longest line read where a base32 key is expected.
inline constexpr std::size_t kMaxKeyLine = 1024;

// Decodes an imported base32 key and checks its size (RFC 4226 §4: at least 128 bits). Errors
// are Errc::invalid_argument and never quote the input.
Result<SecureBytes> decode_imported_key(std::string_view base32);

}  // namespace sshotp::cli
