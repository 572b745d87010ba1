// SPDX-License-Identifier: BSD-3-Clause
#include "common/otpauth_uri.h"

namespace sshotp {

std::string uri_percent_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

SecretString otpauth_uri(std::string_view issuer, std::string_view user,
                         std::string_view base32_secret, const OtpParams& params,
                         std::int64_t next_counter) {
  const bool hotp = params.kind() == OtpKind::hotp;
  const std::string enc_issuer = uri_percent_encode(issuer);
  SecretString uri;
  auto append = [&uri](std::string_view s) {
    for (char c : s) uri.push_back(c);
  };
  append(hotp ? "otpauth://hotp/" : "otpauth://totp/");
  append(enc_issuer);
  append(":");
  append(uri_percent_encode(user));
  append("?secret=");
  append(base32_secret);
  append("&issuer=");
  append(enc_issuer);
  const OtpParams defaults;
  if (params.algorithm != defaults.algorithm) {
    append("&algorithm=");
    append(algorithm_name(params.algorithm));
  }
  if (params.digits != defaults.digits) {
    append("&digits=");
    append(std::to_string(params.digits));
  }
  if (hotp) {
    append("&counter=");
    append(std::to_string(next_counter));
  } else if (params.period != defaults.period) {
    append("&period=");
    append(std::to_string(params.period));
  }
  return uri;
}

}  // namespace sshotp
