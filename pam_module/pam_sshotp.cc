// SPDX-License-Identifier: BSD-3-Clause
// The only extern "C" surface of pam_sshotp.so. Each entry point is a firewall around C++ code:
// no exception may unwind through libpam's C frames (that would abort sshd's PAM child), so
// everything is caught and turned into a PAM code here. Only pam_sm_* symbols are exported.
// The pam_sm_* definitions carry no `noexcept`: pam_modules.h declares them without one, and a
// mismatched exception specification is an error in clang (gcc lets it pass). guard() is the
// noexcept boundary instead, and the other entry points cannot throw.
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <syslog.h>

#include <exception>
#include <new>
#include <span>

#include "common/audit.h"
#include "pam_module/authenticate.h"

#define SSHOTP_EXPORT __attribute__((visibility("default")))

namespace {

template <typename Body>
int guard(pam_handle_t* pamh, const char* what, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    pam_syslog(pamh, LOG_CRIT, "%s: out of memory", what);
    return PAM_BUF_ERR;
  } catch (const std::exception& e) {  // what() never carries secrets (see common/result.h)
    // ...but may quote a user name or path with control bytes (a forged log line): sanitised
    // like every other line the module logs. log_text allocates, so it may throw in turn.
    try {
      pam_syslog(pamh, LOG_CRIT, "%s: internal error: %s", what,
                 sshotp::log_text(e.what()).c_str());
    } catch (...) {
      pam_syslog(pamh, LOG_CRIT, "%s: internal error", what);
    }
  } catch (...) {
    pam_syslog(pamh, LOG_CRIT, "%s: unknown internal error", what);
  }
  return PAM_SERVICE_ERR;
}

std::span<const char* const> arguments(int argc, const char** argv) {
  if (argc <= 0 || argv == nullptr) return {};
  return {argv, static_cast<std::size_t>(argc)};
}

}  // namespace

extern "C" {

SSHOTP_EXPORT int pam_sm_authenticate(pam_handle_t* pamh, int flags, int argc,
                                      const char** argv) {
  return guard(pamh, "authenticate", [&] {
    return sshotp::pam::authenticate(pamh, flags, arguments(argc, argv));
  });
}

// sshd treats a failing setcred after a successful authentication as fatal; we establish no
// credentials, so there is nothing that could fail.
SSHOTP_EXPORT int pam_sm_setcred(pam_handle_t*, int, int, const char**) {
  return PAM_SUCCESS;
}

// Listed in an account, session or password stack by mistake, the module has no opinion.
SSHOTP_EXPORT int pam_sm_acct_mgmt(pam_handle_t*, int, int, const char**) {
  return PAM_IGNORE;
}
SSHOTP_EXPORT int pam_sm_open_session(pam_handle_t*, int, int, const char**) {
  return PAM_IGNORE;
}
SSHOTP_EXPORT int pam_sm_close_session(pam_handle_t*, int, int, const char**) {
  return PAM_IGNORE;
}
SSHOTP_EXPORT int pam_sm_chauthtok(pam_handle_t* pamh, int, int, const char**) {
  pam_syslog(pamh, LOG_ERR, "password changes are not supported; use sshotp-enroll");
  return PAM_SERVICE_ERR;
}

}  // extern "C"
