// SPDX-License-Identifier: BSD-3-Clause
#include "bench/bench_users.h"

#include <cstdio>
#include <cstdlib>

#include "bench/fake_clock.h"
#include "common/crypto.h"
#include "common/totp.h"

namespace sshotp::bench {
namespace {

// SplitMix64: a well-mixed, reproducible stream of bytes per user.
std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string code_at_step(std::size_t index, std::int64_t step) {
  auto code = totp_code(user_secret(index), OtpParams{}, step);
  if (!code) {
    std::fprintf(stderr, "bench: totp_code: %s\n", code.error().message.c_str());
    std::exit(2);
  }
  return std::string(code->view());
}

}  // namespace

std::string user_name(std::size_t index) {
  char name[32];
  std::snprintf(name, sizeof name, "bench%07zu", index);
  return name;
}

SecureBytes user_secret(std::size_t index) {
  std::uint64_t state = index * 0x2545f4914f6cdd1dULL + 1;
  SecureBytes secret;
  secret.reserve(24);
  for (int word = 0; word < 3; ++word) {
    const std::uint64_t bits = splitmix64(state);
    for (int byte = 0; byte < 8; ++byte) {
      secret.push_back(static_cast<std::uint8_t>(bits >> (8 * byte)));
    }
  }
  secret.resize(20);  // 160 bits, what every authenticator app is given
  return secret;
}

std::string code_for(std::size_t index, std::int64_t unix_time) {
  return code_at_step(index, time_step(unix_time, kPeriod));
}

std::string wrong_code_for(std::size_t index, std::int64_t unix_time) {
  // pam_oath and pam_sshotp accept one step either side, google-authenticator's WINDOW_SIZE 3
  // the same; stay clear of two steps either side to be safe.
  const std::int64_t step = time_step(unix_time, kPeriod);
  std::string candidate = code_for(index, unix_time);
  for (;;) {
    const long next = (std::strtol(candidate.c_str(), nullptr, 10) + 1) % 1000000;
    char text[8];
    std::snprintf(text, sizeof text, "%06ld", next);
    candidate = text;
    bool matches = false;
    for (std::int64_t s = step - 2; s <= step + 2; ++s)
      matches |= code_at_step(index, s) == candidate;
    if (!matches) return candidate;
  }
}

Enrollment sealed_enrollment(const SecureBytes& key, std::size_t index) {
  Enrollment e;
  e.user = user_name(index);
  auto sealed = seal(key, user_secret(index), secret_aad(e.user));
  if (!sealed) {
    std::fprintf(stderr, "bench: seal: %s\n", sealed.error().message.c_str());
    std::exit(2);
  }
  e.sealed_secret = std::move(sealed).value();
  e.created_at = fake_time();
  return e;
}

}  // namespace sshotp::bench
