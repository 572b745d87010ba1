// SPDX-License-Identifier: BSD-3-Clause
// One PAM call in a fresh process, as each sshd connection makes it: libpam loads the module and
// everything it links (SQLite, OpenSSL, liboath, libstdc++) cold. This program links nothing but
// libpam (and libc), so none of that is loaded before the call.
//
//   pam-once CONFDIR SERVICE USER UNIX_TIME   < code
//
// The code is read from stdin (never argv); prints "<pam rc> <nanoseconds> <nanoseconds in
// pam_start>" (the module's load; bench/compare_builds.sh reads it, the driver the first two).
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "bench/fake_clock.h"
#include "bench/pam_call.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: pam-once CONFDIR SERVICE USER UNIX_TIME < code\n");
    return 2;
  }
  char code[64] = {};
  if (std::fgets(code, sizeof code, stdin) == nullptr) return 2;
  code[std::strcspn(code, "\n")] = '\0';
  sshotp::bench::set_fake_time(std::strtoll(argv[4], nullptr, 10));
  const auto result = sshotp::bench::timed_pam_call({argv[1], argv[2], argv[3], code});
  std::printf("%d %lld %lld\n", result.rc, static_cast<long long>(result.nanoseconds),
              static_cast<long long>(result.start_nanoseconds));
  return 0;
}
