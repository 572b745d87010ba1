// SPDX-License-Identifier: BSD-3-Clause
// A test-only LD_PRELOAD shim (tests/support/with_nss.sh puts it before nss_wrapper) that makes
// the directory fail the way SSSD or LDAP can, which nss_wrapper cannot do by itself:
//   getpwnam_r / getgrnam_r of a name starting "nss-eio"    -> EIO (a server unreachable)
//   getpwnam_r / getgrnam_r of a name starting "nss-erange" -> ERANGE at any buffer size
//   getpwnam_r / getgrnam_r of a name starting "nss-enoent" -> ENOENT (how libnss_sss reports
//                                                             sssd not running)
//   getgrouplist of a user starting "nss-nogroups"          -> -1 without a usable length
//   getgrouplist of a user starting "nss-shortgroups"       -> only the primary group: what
//                                                             glibc returns when the backend
//                                                             that knows the memberships fails
//                                                             (initgroups skips it silently)
// Every other call goes to the next definition (nss_wrapper, then libc), with two quirks of
// nss_wrapper 1.1.12 turned into glibc's contract, which is what the code under test meets in
// production: "no such entry" is ENOENT there (glibc: 0 and a NULL result, as POSIX says), and
// a group too big for the buffer is -1 (glibc: ERANGE).
#include <dlfcn.h>
#include <grp.h>
#include <pwd.h>

#include <cerrno>
#include <cstring>

namespace {

bool starts(const char* name, const char* prefix) {
  return name != nullptr && std::strncmp(name, prefix, std::strlen(prefix)) == 0;
}

// The error to inject for `name`, or 0.
int injected(const char* name) {
  if (starts(name, "nss-eio")) return EIO;
  if (starts(name, "nss-erange")) return ERANGE;
  if (starts(name, "nss-enoent")) return ENOENT;
  return 0;
}

template <typename Entry>
int as_glibc(int rc, Entry** result) {
  if (rc == ENOENT && *result == nullptr) return 0;
  if (rc == -1) return ERANGE;
  return rc;
}

template <typename Fn>
Fn next(const char* symbol) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, symbol));
}

// getpwnam_r and getgrnam_r, which differ only in the entry type.
template <typename Entry>
int by_name(const char* symbol, const char* name, Entry* entry, char* buf, size_t len,
            Entry** result) {
  if (const int rc = injected(name)) {
    *result = nullptr;
    return rc;
  }
  using Fn = int (*)(const char*, Entry*, char*, size_t, Entry**);
  const Fn real = next<Fn>(symbol);
  return real == nullptr ? ENOSYS : as_glibc(real(name, entry, buf, len, result), result);
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int getpwnam_r(const char* name, struct passwd* pw,
                                                      char* buf, size_t len,
                                                      struct passwd** result) {
  return by_name("getpwnam_r", name, pw, buf, len, result);
}

__attribute__((visibility("default"))) int getgrnam_r(const char* name, struct group* gr,
                                                      char* buf, size_t len,
                                                      struct group** result) {
  return by_name("getgrnam_r", name, gr, buf, len, result);
}

__attribute__((visibility("default"))) int getpwuid_r(uid_t uid, struct passwd* pw, char* buf,
                                                      size_t len, struct passwd** result) {
  using Fn = int (*)(uid_t, struct passwd*, char*, size_t, struct passwd**);
  static const Fn real = next<Fn>("getpwuid_r");
  return real == nullptr ? ENOSYS : as_glibc(real(uid, pw, buf, len, result), result);
}

__attribute__((visibility("default"))) int getgrouplist(const char* user, gid_t group,
                                                        gid_t* groups, int* ngroups) {
  if (starts(user, "nss-nogroups")) return -1;  // "too small", yet no bigger length given
  if (starts(user, "nss-shortgroups")) {
    if (*ngroups < 1) {
      *ngroups = 1;
      return -1;
    }
    groups[0] = group;
    *ngroups = 1;
    return 1;
  }
  using Fn = int (*)(const char*, gid_t, gid_t*, int*);
  static const Fn real = next<Fn>("getgrouplist");
  return real == nullptr ? -1 : real(user, group, groups, ngroups);
}

}  // extern "C"
