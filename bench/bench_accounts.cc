// SPDX-License-Identifier: BSD-3-Clause
// An LD_PRELOAD shim that bench/run.sh loads into the benchmark driver: it makes the synthetic
// users of bench/bench_users.cc ("bench" and seven digits) and their never-enrolled twins of
// bench/measure.cc ("ghost" and the same digits) real accounts. The module resolves
// every PAM_USER to its passwd entry and refuses a name the directory does not know
// (PAM_USER_UNKNOWN), so without them every benchmark call would be an unknown-user refusal.
// A million useradd calls are not an option, and nss_wrapper reads its whole passwd file on
// each lookup, which would make the scale phase measure nss_wrapper.
//
//   benchNNNNNNN  <->  uid and gid  3000000 + NNNNNNN, home /nonexistent
//   ghostNNNNNNN  <->  uid and gid 13000000 + NNNNNNN
//
// An answer costs a few dozen instructions, less than a lookup in a short /etc/passwd: the
// figures exclude the directory's cost, which every anchor pays in its own way (google-
// authenticator and pam_oath look the user up too). Every other name and uid goes to libc.
// Only libc is used, as for pam_timing_shim.cc.
#include <dlfcn.h>
#include <pwd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace {

constexpr unsigned long kFirstUid = 3000000;
constexpr unsigned long kUsers = 10000000;  // seven digits, per prefix
const char* const kPrefixes[] = {"bench", "ghost"};  // uids kFirstUid + i * kUsers onwards

// The account number of a "bench%07lu" or "ghost%07lu" name (its uid less kFirstUid), or -1.
long bench_index(const char* name) {
  if (name == nullptr) return -1;
  long prefix = -1;
  for (long p = 0; p < 2; ++p) {
    if (std::strncmp(name, kPrefixes[p], 5) == 0) prefix = p;
  }
  if (prefix < 0) return -1;
  long number = 0;
  for (int i = 5; i < 12; ++i) {
    if (name[i] < '0' || name[i] > '9') return -1;
    number = number * 10 + (name[i] - '0');
  }
  return name[12] == '\0' ? prefix * static_cast<long>(kUsers) + number : -1;
}

// Fills `pw` for user `index`, its strings in `buf`, the way glibc's getpw*_r do.
int fill(long index, struct passwd* pw, char* buf, size_t buflen, struct passwd** result) {
  static const char kRest[] = "x\0\0/nonexistent\0/usr/sbin/nologin";  // passwd, gecos, dir, shell
  char name[16];
  const int n = std::snprintf(name, sizeof name, "%s%07ld", kPrefixes[index / static_cast<long>(kUsers)],
                              index % static_cast<long>(kUsers));
  const size_t need = static_cast<size_t>(n) + 1 + sizeof kRest;
  *result = nullptr;
  if (buflen < need) return ERANGE;
  std::memcpy(buf, name, static_cast<size_t>(n) + 1);
  char* rest = buf + n + 1;
  std::memcpy(rest, kRest, sizeof kRest);
  pw->pw_name = buf;
  pw->pw_passwd = rest;
  pw->pw_gecos = rest + 2;
  pw->pw_dir = rest + 3;
  pw->pw_shell = rest + 16;
  pw->pw_uid = static_cast<uid_t>(kFirstUid + static_cast<unsigned long>(index));
  pw->pw_gid = pw->pw_uid;
  *result = pw;
  return 0;
}

template <typename Fn>
Fn next(const char* symbol) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, symbol));
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int getpwnam_r(const char* name, struct passwd* pw,
                                                      char* buf, size_t buflen,
                                                      struct passwd** result) {
  const long index = bench_index(name);
  if (index >= 0) return fill(index, pw, buf, buflen, result);
  using Fn = int (*)(const char*, struct passwd*, char*, size_t, struct passwd**);
  static const Fn real = next<Fn>("getpwnam_r");
  if (real == nullptr) return ENOSYS;
  return real(name, pw, buf, buflen, result);
}

__attribute__((visibility("default"))) int getpwuid_r(uid_t uid, struct passwd* pw, char* buf,
                                                      size_t buflen, struct passwd** result) {
  if (uid >= kFirstUid && uid - kFirstUid < 2 * kUsers) {
    return fill(static_cast<long>(uid - kFirstUid), pw, buf, buflen, result);
  }
  using Fn = int (*)(uid_t, struct passwd*, char*, size_t, struct passwd**);
  static const Fn real = next<Fn>("getpwuid_r");
  if (real == nullptr) return ENOSYS;
  return real(uid, pw, buf, buflen, result);
}

}  // extern "C"
