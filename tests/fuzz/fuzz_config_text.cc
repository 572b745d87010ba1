// SPDX-License-Identifier: BSD-3-Clause
// Fuzzes the config file parser (parse_config_text) with arbitrary text. Oracles: parsing is
// deterministic, an accepted file yields a sane Config, and a refusal names its line.
#include <string>

#include "tests/fuzz/fuzz_support.h"

using namespace sshotp;
using sshotp::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  Config first;
  const Status parsed = parse_config_text(first, text);
  Config second;
  const Status again = parse_config_text(second, text);
  require(parsed.ok() == again.ok(), "parsing is deterministic");
  if (parsed) {
    fuzz::require_sane_config(first);
    require(first.db == second.db && first.prompt == second.prompt &&
                first.window == second.window && first.otp.period == second.otp.period,
            "the same text gives the same settings");
  } else {
    const std::string& message = parsed.error().message;
    require(message.rfind("line ", 0) == 0, "a refusal names its line");
    require(message == again.error().message, "the same text gives the same error");
    require(parsed.error().code == Errc::invalid_argument, "a bad file is invalid_argument");
  }
  return 0;
}
