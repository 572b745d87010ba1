// SPDX-License-Identifier: BSD-3-Clause
// sshotp-totp: a test tool that prints the code our core (common/totp.cc, common/hotp.cc)
// computes for a base32 secret read from stdin. test_oracles.sh compares its output with
// oathtool and pyotp, and the shell tests use it to type a valid code. The secret is read from
// stdin so that it never shows in argv (ps, /proc/PID/cmdline). Not installed.
//
//   sshotp-totp [--algorithm SHA1|SHA256|SHA512] [--digits N] [--period S] [--time UNIX]
//               [--counter N] [--count K]
//
// Without --time it uses the current time. --counter prints the HOTP code at that counter
// instead of the TOTP code. --count prints K codes, one per line, for the K steps or counters
// from the first (one process for many codes keeps the oracle test fast). Exit status: 0 ok,
// 1 bad secret or code failure, 2 usage error.
#include <getopt.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>

#include "common/base32.h"
#include "common/clock.h"
#include "common/hotp.h"
#include "common/secret.h"
#include "common/totp.h"

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
// Far more than any base32 secret (a 64-byte key is 103 characters); bounds what we read.
constexpr std::size_t kMaxSecretText = 1024;

int usage(const char* why) {
  std::fprintf(stderr,
               "sshotp-totp: %s\n"
               "usage: sshotp-totp [--algorithm SHA1|SHA256|SHA512] [--digits 6|8] "
               "[--period SECONDS] [--time UNIX] [--counter N] [--count K] < base32-secret\n",
               why);
  return kExitUsage;
}

template <typename T>
std::optional<T> parse_number(const char* text) {
  T value{};
  const char* end = text + std::strlen(text);
  auto [stop, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || stop != end || stop == text) return std::nullopt;
  return value;
}

// Reads the whole of stdin (up to the bound) into wipe-on-destroy memory.
std::optional<sshotp::SecretString> read_secret() {
  sshotp::SecretString text;
  for (int c; (c = std::getchar()) != EOF;) {
    if (text.size() == kMaxSecretText) return std::nullopt;
    text.push_back(static_cast<char>(c));
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  static const option kOptions[] = {
      {"algorithm", required_argument, nullptr, 'a'},
      {"digits", required_argument, nullptr, 'd'},
      {"period", required_argument, nullptr, 'p'},
      {"time", required_argument, nullptr, 't'},
      {"counter", required_argument, nullptr, 'c'},
      {"count", required_argument, nullptr, 'n'},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  sshotp::OtpParams params;
  std::int64_t unix_time = sshotp::now_unix();
  std::optional<std::int64_t> counter;
  unsigned count = 1;
  for (int opt; (opt = getopt_long(argc, argv, "a:d:p:t:c:n:h", kOptions, nullptr)) != -1;) {
    switch (opt) {
      case 'a': {
        auto algorithm = sshotp::parse_algorithm(optarg);
        if (!algorithm) return usage("unknown algorithm");
        params.algorithm = *algorithm;
        break;
      }
      case 'd': {
        auto digits = parse_number<unsigned>(optarg);
        if (!digits) return usage("--digits needs a number");
        params.digits = *digits;
        break;
      }
      case 'p': {
        auto period = parse_number<unsigned>(optarg);
        if (!period) return usage("--period needs a number");
        params.period = *period;
        break;
      }
      case 't': {
        auto at = parse_number<std::int64_t>(optarg);
        if (!at) return usage("--time needs a unix time");
        unix_time = *at;
        break;
      }
      case 'c':
        counter = parse_number<std::int64_t>(optarg);
        if (!counter) return usage("--counter needs a number");
        break;
      case 'n': {
        auto n = parse_number<unsigned>(optarg);
        if (!n || *n == 0 || *n > 100000) return usage("--count needs a number from 1 to 100000");
        count = *n;
        break;
      }
      case 'h':
        usage("prints the TOTP code for the secret on stdin");
        return 0;
      default:
        return usage("unknown option");
    }
  }
  if (optind != argc) return usage("the secret is read from stdin, not the command line");
  if (auto st = sshotp::validate_params(params); !st) return usage(st.error().message.c_str());

  auto text = read_secret();
  if (!text) return usage("stdin is too long for a base32 secret");
  auto key = sshotp::base32_decode(text->view());
  if (!key) {
    std::fprintf(stderr, "sshotp-totp: %s\n", key.error().message.c_str());
    return kExitError;
  }
  const std::int64_t first = counter ? *counter : sshotp::time_step(unix_time, params.period);
  for (std::int64_t at = first; at < first + count; ++at) {
    auto code = counter ? sshotp::hotp_code(*key, params, at) : sshotp::totp_code(*key, params, at);
    if (!code) {
      std::fprintf(stderr, "sshotp-totp: %s\n", code.error().message.c_str());
      return kExitError;
    }
    std::printf("%s\n", code->c_str());
  }
  return std::fflush(stdout) == 0 ? 0 : kExitError;
}
