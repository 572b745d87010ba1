// SPDX-License-Identifier: BSD-3-Clause
// Return codes (pam_sshotp(8) documents them):
//   PAM_SUCCESS           the code was right and its use is committed to the store
//   PAM_AUTH_ERR          wrong, replayed or malformed code; or the user is not enrolled
//   PAM_AUTHINFO_UNAVAIL  config, key or store missing/unsafe/corrupt/busy: fail closed
//   PAM_SERVICE_ERR       a bad module argument (logged at LOG_ERR with its name)
//   PAM_CONV_ERR          the application could not ask the question
#include "pam_module/authenticate.h"

#include <security/pam_ext.h>

#include "common/audit.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/crypto.h"
#include "common/sqlite_store.h"
#include "common/verifier.h"
#include "pam_module/pam_io.h"

namespace sshotp::pam {
namespace {

class Decision {
 public:
  Decision(pam_handle_t* pamh, PamLogger& log, std::string_view user)
      : log_(log), event_{} {
    event_.user = user;
    event_.rhost = string_item(pamh, PAM_RHOST);
    event_.service = string_item(pamh, PAM_SERVICE);
    event_.method = "none";
  }

  // Writes the audit line and hands back the PAM code, so every exit path logs exactly once.
  int finish(int pam_code, std::string_view reason, std::string_view method = "none") {
    event_.accepted = pam_code == PAM_SUCCESS;
    event_.reason = reason;
    event_.method = method;
    std::string line = audit_line(event_);
    log_.write(event_.accepted ? LOG_INFO : LOG_NOTICE, line);
    return pam_code;
  }

 private:
  PamLogger& log_;
  AuditEvent event_;
};

int store_failure(PamLogger& log, Decision& decision, const Error& error) {
  // Busy past the timeout is an operational condition, not tampering: LOG_ERR, not LOG_ALERT.
  logf(log, error.code == Errc::busy ? LOG_ERR : LOG_ALERT, "store unavailable: %s",
       error.message.c_str());
  return decision.finish(PAM_AUTHINFO_UNAVAIL, "store-error");
}

}  // namespace

int authenticate(pam_handle_t* pamh, int flags, std::span<const char* const> args) {
  PamLogger log(pamh);

  Config config;
  if (auto failure = config_from_module_args(args, config)) {
    if (failure->from_file) {
      logf(log, LOG_ALERT, "configuration unusable: %s", failure->error.message.c_str());
      return PAM_AUTHINFO_UNAVAIL;
    }
    logf(log, LOG_ERR, "bad module argument: %s", failure->error.message.c_str());
    return PAM_SERVICE_ERR;
  }

  const char* user = nullptr;
  int rc = pam_get_user(pamh, &user, nullptr);
  if (rc != PAM_SUCCESS) {
    logf(log, LOG_ERR, "cannot determine the user: %s", pam_strerror(pamh, rc));
    return rc == PAM_CONV_AGAIN ? PAM_CONV_ERR : rc;
  }
  if (user == nullptr || *user == '\0') {
    logf(log, LOG_ERR, "empty user name");
    return PAM_USER_UNKNOWN;
  }
  Decision decision(pamh, log, user);

  // Load the key and open the store before asking anything: if they are unusable the user
  // should not type a code into a login that cannot succeed.
  auto key = load_key_file(config.key_file);
  if (!key) return store_failure(log, decision, key.error());
  auto store = open_sqlite_store(config.db, OpenMode::existing, config.busy_timeout_ms);
  if (!store) return store_failure(log, decision, store.error());

  auto typed = prompt_hidden(pamh, config.prompt);
  if (!typed) return decision.finish(PAM_CONV_ERR, "conv-error");

  const VerifyRequest request{user, typed->view(), now_unix(), config.window};
  auto outcome = verify_and_consume(**store, *key, request);
  if (!outcome) return store_failure(log, decision, outcome.error());

  switch (*outcome) {
    case Outcome::accepted:
      return decision.finish(PAM_SUCCESS, outcome_reason(*outcome), "totp");
    case Outcome::not_enrolled:
      // Same prompt, same refusal as a wrong code; only the audit line tells them apart.
      return decision.finish(PAM_AUTH_ERR, outcome_reason(*outcome));
    case Outcome::wrong_code:
    case Outcome::replayed:
    case Outcome::bad_input:
      break;
  }
  (void)flags;
  return decision.finish(PAM_AUTH_ERR, outcome_reason(*outcome), "totp");
}

}  // namespace sshotp::pam
