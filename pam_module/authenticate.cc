// SPDX-License-Identifier: BSD-3-Clause
// Return codes (pam_sshotp(8) documents them):
//   PAM_SUCCESS           the code was right and its use is committed to the store
//   PAM_AUTH_ERR          wrong, replayed or malformed code; the user is not enrolled, or the
//                         enrollment is disabled
//   PAM_MAXTRIES          the user is locked out after too many failures (ends sshd's
//                         keyboard-interactive for the connection)
//   PAM_IGNORE            nullok and not enrolled, or outside the group policy
//   PAM_USER_UNKNOWN      no such account in the passwd database (never PAM_IGNORE, even nullok)
//   PAM_AUTHINFO_UNAVAIL  config, key or store missing/unsafe/corrupt/busy, or a user or group
//                         lookup failed (EIO, timeout, entry too large): fail closed
//   PAM_SERVICE_ERR       a bad module argument (logged at LOG_ERR with its name)
//   PAM_CONV_ERR          the application could not ask the question
#include "pam_module/authenticate.h"

#include <security/pam_ext.h>
#include <sys/prctl.h>

#include <cstdio>
#include <string>
#include <utility>

#include "common/account.h"
#include "common/audit.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/crypto.h"
#include "common/key_check.h"
#include "common/login_policy.h"
#include "common/policy.h"
#include "common/store_factory.h"
#include "common/verifier.h"
#include "pam_module/pam_io.h"

namespace sshotp::pam {
namespace {

constexpr const char* kLockedMessage =
    "Too many failed attempts. Try again later or ask your administrator.";

// Collects what the audit line needs and writes it exactly once per decision.
class Decision {
 public:
  Decision(pam_handle_t* pamh, PamLogger& log, std::string_view user) : log_(log) {
    event_.user = user;
    event_.rhost = string_item(pamh, PAM_RHOST);
    event_.service = string_item(pamh, PAM_SERVICE);
    event_.method = "none";
  }

  int finish(int pam_code, std::string_view reason, Method method = Method::none,
             long codes_left = -1) {
    event_.accepted = pam_code == PAM_SUCCESS;
    event_.ignored = pam_code == PAM_IGNORE;
    event_.reason = reason;
    event_.method = method_name(method);
    event_.codes_left = codes_left;
    log_.write(event_.accepted || event_.ignored ? LOG_INFO : LOG_NOTICE, audit_line(event_));
    return pam_code;
  }

  int store_failure(const Error& error) {
    // Busy past the timeout is an operational condition, not tampering: LOG_ERR, not LOG_ALERT.
    logf(log_, error.code == Errc::busy ? LOG_ERR : LOG_ALERT, "store unavailable: %s",
         error.message.c_str());
    return finish(PAM_AUTHINFO_UNAVAIL, "store-error");
  }

 private:
  PamLogger& log_;
  AuditEvent event_;
};

bool has_publickey_evidence(pam_handle_t* pamh) {
  const char* info = pam_getenv(pamh, "SSH_AUTH_INFO_0");
  return info != nullptr && auth_info_has_publickey(info);
}

void tell_recovery_codes_left(pam_handle_t* pamh, int flags, long left) {
  char line[160];
  std::snprintf(line, sizeof line,
                left <= 2 ? "Recovery code accepted. Only %ld left: create new ones with "
                            "'sshotp-enroll recovery'."
                          : "Recovery code accepted. %ld left.",
                left);
  tell_user_info(pamh, flags, line);
}

// Maps the verifier's verdict to a PAM code, telling the user what they need to know.
int conclude(pam_handle_t* pamh, int flags, Decision& decision, const Verdict& verdict) {
  const char* reason = outcome_reason(verdict.outcome);
  switch (verdict.outcome) {
    case Outcome::accepted:
      if (verdict.method == Method::recovery) {
        tell_recovery_codes_left(pamh, flags, verdict.recovery_codes_left);
      }
      return decision.finish(PAM_SUCCESS, reason, verdict.method, verdict.recovery_codes_left);
    case Outcome::locked:
      tell_user_error(pamh, flags, kLockedMessage);
      return decision.finish(PAM_MAXTRIES, reason);
    case Outcome::disabled:
    case Outcome::not_enrolled:
      // Same prompt, same refusal as a wrong code; only the audit line tells them apart.
      return decision.finish(PAM_AUTH_ERR, reason);
    case Outcome::wrong_code:
    case Outcome::replayed:
    case Outcome::bad_input:
      break;
  }
  if (verdict.locked_now) {
    // This failure used up the allowance: end the connection's attempts now.
    tell_user_error(pamh, flags, kLockedMessage);
    return decision.finish(PAM_MAXTRIES, reason, verdict.method);
  }
  return decision.finish(PAM_AUTH_ERR, reason, verdict.method);
}

// Maps a decision taken before the prompt (login_policy.h) to a PAM code.
int before_prompt(pam_handle_t* pamh, int flags, Decision& decision, PrePrompt action,
                  const char* reason) {
  switch (action) {
    case PrePrompt::skip:
      return decision.finish(PAM_IGNORE, reason);
    case PrePrompt::refuse:
      return decision.finish(PAM_AUTH_ERR, reason);
    case PrePrompt::locked:
      return conclude(pamh, flags, decision, Verdict{Outcome::locked});
    case PrePrompt::ask:
      break;
  }
  // Not reached: the caller prompts when the look says ask. Refuse, should that ever change.
  return decision.finish(PAM_AUTH_ERR, reason);
}

// Logins do not read the key check value (key_check.h): opening the user's sealed secret
// already refuses a wrong key, fail closed, and one more query on every login would undo the
// work on cold-login time. Only after a secret failed to open (a rare path) is the value
// consulted, so that the log names a wrong key file rather than leaving "wrong key or altered
// row" to guess.
void name_wrong_key(PamLogger& log, Store& store, const SecureBytes& key, const Config& config) {
  auto snapshot = store.begin_read();
  if (!snapshot || !store_key_differs(**snapshot, key)) return;
  logf(log, LOG_ALERT,
       "%s is not the key of %s (the store's key check value differs): restore the key file "
       "that belongs with the store",
       config.key_file.c_str(), store_name(config).c_str());
}

// The `debug` line naming where the settings came from: the file, and which module arguments
// override it (their names only: an argument's value is not the debug line's business).
void debug_config_source(const DebugLog& debug, std::span<const char* const> args) {
  if (!debug.enabled()) return;
  auto path = module_args_config_path(args);  // already checked by config_from_module_args
  std::string overrides;
  for (const char* arg : args) {
    const std::string_view name = std::string_view(arg).substr(0, std::string_view(arg).find('='));
    if (name == "config") continue;
    overrides += overrides.empty() ? "" : " ";
    overrides += name;
  }
  debug("config: file %s; overridden by module arguments: %s",
        path ? path->c_str() : kDefaultConfigPath, overrides.empty() ? "none" : overrides.c_str());
}

// The settings: the file, then the module arguments over it. Returns PAM_SUCCESS, or the code
// to return (logged).
int load_config(PamLogger& log, std::span<const char* const> args, Config& config) {
  auto failure = config_from_module_args(args, config);
  if (!failure) return PAM_SUCCESS;
  if (failure->from_file) {
    logf(log, LOG_ALERT, "configuration unusable: %s", failure->error.message.c_str());
    return PAM_AUTHINFO_UNAVAIL;
  }
  logf(log, LOG_ERR, "bad module argument: %s", failure->error.message.c_str());
  return PAM_SERVICE_ERR;
}

// Who logs in: the canonical account of the name PAM gives. Returns PAM_SUCCESS with `account`
// set, or the code to return (logged, and audited once there is a name).
int login_account(pam_handle_t* pamh, PamLogger& log, const DebugLog& debug, Account& account) {
  const char* user = nullptr;
  const int rc = pam_get_user(pamh, &user, nullptr);
  if (rc != PAM_SUCCESS) {
    logf(log, LOG_ERR, "cannot determine the user: %s", pam_strerror(pamh, rc));
    return rc == PAM_CONV_AGAIN ? PAM_CONV_ERR : rc;
  }
  if (user == nullptr || *user == '\0') {
    logf(log, LOG_ERR, "empty user name");
    return PAM_USER_UNKNOWN;
  }
  auto found = canonical_account(user);
  if (!found) {
    if (found.error().code == Errc::not_found) {
      return Decision(pamh, log, user).finish(PAM_USER_UNKNOWN, "unknown-user");
    }
    logf(log, LOG_ERR, "user lookup failed: %s", found.error().message.c_str());
    return Decision(pamh, log, user).finish(PAM_AUTHINFO_UNAVAIL, "user-lookup-error");
  }
  account = std::move(found).value();
  // From here on only the canonical name: the store key, the groups, the AAD and the audit line
  // must be the same for every spelling of one account, or an alias would look "not enrolled".
  if (account.name != user) {
    logf(log, LOG_INFO, "user '%s' is the account '%s'", user, account.name.c_str());
  }
  debug("account: '%s' is '%s' (uid %u)", user, account.name.c_str(),
        static_cast<unsigned>(account.uid));
  return PAM_SUCCESS;
}

const char* yes_no(bool b) { return b ? "yes" : "no"; }

}  // namespace

int authenticate(pam_handle_t* pamh, int flags, std::span<const char* const> args) {
  PamLogger log(pamh);
  // The process is about to hold a decrypted secret and a typed code: no core dump, no ptrace
  // by the same uid. Under sshd this is the throwaway PAM child, so nothing else is affected.
  prctl(PR_SET_DUMPABLE, 0);

  Config config;
  if (int rc = load_config(log, args, config); rc != PAM_SUCCESS) return rc;
  const DebugLog debug(log, config.debug);
  debug_config_source(debug, args);

  Account account;
  if (int rc = login_account(pamh, log, debug, account); rc != PAM_SUCCESS) return rc;
  Decision decision(pamh, log, account.name);

  const bool publickey_done = has_publickey_evidence(pamh);
  auto gate = look_at_account(config, account, publickey_done);
  if (!gate) {
    // A directory problem, not a damaged store: LOG_ERR and its own reason, so that alerts on
    // store-error keep meaning "the store or key needs an administrator".
    logf(log, LOG_ERR, "group lookup failed: %s", gate.error().message.c_str());
    return decision.finish(PAM_AUTHINFO_UNAVAIL, "group-lookup-error");
  }
  debug("group policy: %s (require_group '%s', exempt_group '%s')",
        requirement_reason(gate->requirement), config.require_group.c_str(),
        config.exempt_group.c_str());
  if (gate->requirement == Requirement::ask) {
    debug("publickey evidence (SSH_AUTH_INFO_0): %s", yes_no(publickey_done));
  }
  if (gate->action != PrePrompt::ask) {
    return before_prompt(pamh, flags, decision, gate->action, gate->reason);
  }

  // Load the key and open the store before asking anything: if they are unusable the user
  // should not type a code into a login that cannot succeed.
  auto key = load_key_file(config.key_file);
  if (!key) return decision.store_failure(key.error());
  auto store = open_store(config, OpenMode::existing, StoreUse::login);
  if (!store) return decision.store_failure(store.error());

  // nullok users step aside, locked users are not asked; disabled ones are asked like any other,
  // and the write transaction after the prompt decides again (login_policy.cc says why).
  auto look = look_at_enrollment(config, account.name, publickey_done, **store, now_unix());
  if (!look) return decision.store_failure(look.error());
  debug("before the prompt: enrolled %s, disabled %s, locked %s", yes_no(look->enrolled),
        yes_no(look->disabled), yes_no(look->locked));
  if (look->action != PrePrompt::ask) {
    return before_prompt(pamh, flags, decision, look->action, look->reason);
  }

  auto typed = prompt_hidden(pamh, config.prompt);
  if (!typed) return decision.finish(PAM_CONV_ERR, "conv-error");

  const VerifyRequest request{account.name,  typed->view(),  now_unix(),
                              config.window, config.lockout, config.hotp_window};
  auto verdict = verify_and_consume(**store, *key, request);
  if (!verdict) {
    if (verdict.error().code == Errc::crypto) name_wrong_key(log, **store, *key, config);
    return decision.store_failure(verdict.error());
  }
  debug("verdict: %s, method %s%s", outcome_reason(verdict->outcome), method_name(verdict->method),
        verdict->locked_now ? ", locked now" : "");
  return conclude(pamh, flags, decision, *verdict);
}

}  // namespace sshotp::pam
