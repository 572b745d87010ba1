// SPDX-License-Identifier: BSD-3-Clause
// Fuzzes the otpauth:// URI builder with arbitrary issuer and user names (an admin's issuer
// setting, a user name from the system) and parses the result back with a small strict parser
// written here: the label and the issuer parameter must decode to exactly what went in, the
// secret and non-default parameters must appear once each, and nothing a QR scanner could
// misread (a raw ':', '?', '&', '#', space or non-ASCII byte) may appear unencoded.
//
// Input: byte 0 picks the parameters (time- or counter-based, and for the latter the next
// counter), byte 1 where the issuer ends, the rest is the text.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/hotp.h"
#include "common/otpauth_uri.h"
#include "tests/fuzz/fuzz_support.h"

using namespace sshotp;
using sshotp::fuzz::require;

namespace {

constexpr std::string_view kTotpPrefix = "otpauth://totp/";
constexpr std::string_view kHotpPrefix = "otpauth://hotp/";
constexpr std::string_view kSecret = "JBSWY3DPEHPK3PXP";

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // lower-case hex is never produced
}

// Strict RFC 3986 decoding of one component: only unreserved characters and %HH.
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (unreserved(text[i])) {
      out.push_back(text[i]);
      continue;
    }
    if (text[i] != '%' || i + 2 >= text.size()) return std::nullopt;
    const int hi = hex_value(text[i + 1]);
    const int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

struct ParsedUri {
  std::string issuer_label;
  std::string user;
  std::map<std::string, std::string> query;
};

std::optional<ParsedUri> parse_uri(std::string_view uri, std::string_view prefix) {
  if (uri.substr(0, prefix.size()) != prefix) return std::nullopt;
  uri.remove_prefix(prefix.size());
  const auto question = uri.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  const std::string_view label = uri.substr(0, question);
  const auto colon = label.find(':');
  if (colon == std::string_view::npos || label.find(':', colon + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  auto issuer = percent_decode(label.substr(0, colon));
  auto user = percent_decode(label.substr(colon + 1));
  if (!issuer || !user) return std::nullopt;
  ParsedUri parsed{*issuer, *user, {}};
  for (std::string_view pair : fuzz::split(uri.substr(question + 1), '&')) {
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    auto value = percent_decode(pair.substr(eq + 1));
    if (!value) return std::nullopt;
    if (!parsed.query.emplace(std::string(pair.substr(0, eq)), *value).second) {
      return std::nullopt;  // a parameter given twice
    }
  }
  return parsed;
}

OtpParams params_from(std::uint8_t selector) {
  static constexpr unsigned kPeriods[] = {30, 15, 60, 120};
  OtpParams params;
  params.algorithm = static_cast<Algorithm>(selector % 3);
  params.digits = (selector & 4) != 0 ? 8 : 6;
  params.period = (selector & 0x20) != 0 ? kCounterBased : kPeriods[(selector >> 3) & 3];
  return params;
}

// The next counter of a counter-based URI: the ends of the range and two in between.
std::int64_t counter_from(std::uint8_t selector) {
  static constexpr std::int64_t kCounters[] = {0, 1, 123456789, kMaxHotpCounter};
  return kCounters[selector >> 6];
}

void require_encoding_invariants(std::string_view text) {
  const std::string encoded = uri_percent_encode(text);
  auto decoded = percent_decode(encoded);
  require(decoded.has_value(), "percent-encoding gives only unreserved characters and %HH");
  require(*decoded == text, "percent-decoding undoes percent-encoding");
  bool all_unreserved = true;
  for (char c : text) all_unreserved = all_unreserved && unreserved(c);
  require(!all_unreserved || encoded == text, "unreserved text is left as it is");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const OtpParams params = params_from(data[0]);
  const std::string_view text = fuzz::as_text(data + 2, size - 2);
  const std::size_t split_at = std::min<std::size_t>(data[1], text.size());
  const std::string_view issuer = text.substr(0, split_at);
  const std::string_view user = text.substr(split_at);
  require_encoding_invariants(issuer);
  require_encoding_invariants(user);

  const bool hotp = params.kind() == OtpKind::hotp;
  const std::int64_t counter = counter_from(data[0]);
  const SecretString uri = otpauth_uri(issuer, user, kSecret, params, counter);
  auto parsed = parse_uri(uri.view(), hotp ? kHotpPrefix : kTotpPrefix);
  require(parsed.has_value(), "the URI parses strictly");
  require(parsed->issuer_label == issuer && parsed->user == user, "label round trip");
  const OtpParams defaults;
  std::map<std::string, std::string> expected = {{"secret", std::string(kSecret)},
                                                 {"issuer", std::string(issuer)}};
  if (params.algorithm != defaults.algorithm)
    expected["algorithm"] = algorithm_name(params.algorithm);
  if (params.digits != defaults.digits) expected["digits"] = std::to_string(params.digits);
  if (hotp) {
    expected["counter"] = std::to_string(counter);  // always: the Key URI format requires it
  } else if (params.period != defaults.period) {
    expected["period"] = std::to_string(params.period);
  }
  require(parsed->query == expected, "exactly the expected parameters, each once");
  return 0;
}
