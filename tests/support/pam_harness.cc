// SPDX-License-Identifier: BSD-3-Clause
#include "tests/support/pam_harness.h"

#include <security/pam_appl.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sys/stat.h>

namespace {

std::atomic<std::int64_t> g_fake_time{1700000000};

}  // namespace

// Interposes libc's time() for the whole test process, including the dlopen'ed module. The
// build's -fvisibility=hidden would keep -rdynamic from exporting it, hence the attribute.
extern "C" __attribute__((visibility("default"))) time_t time(time_t* out) noexcept {
  const auto now = static_cast<time_t>(g_fake_time.load());
  if (out != nullptr) *out = now;
  return now;
}

namespace sshotp::test {
namespace {

struct ConvState {
  const AuthRun* run;
  AuthOutcome* outcome;
  std::size_t next_reply = 0;
};

int conversation(int num_msg, const struct pam_message** msg, struct pam_response** resp,
                 void* appdata) {
  auto* state = static_cast<ConvState*>(appdata);
  if (state->run->conversation_fails) return PAM_CONV_ERR;
  auto* replies = static_cast<pam_response*>(
      std::calloc(static_cast<std::size_t>(num_msg), sizeof(pam_response)));
  if (replies == nullptr) return PAM_BUF_ERR;
  for (int i = 0; i < num_msg; ++i) {
    const pam_message* m = msg[i];
    const std::string text = m->msg != nullptr ? m->msg : "";
    if (m->msg_style == PAM_PROMPT_ECHO_OFF || m->msg_style == PAM_PROMPT_ECHO_ON) {
      state->outcome->prompts.push_back(text);
      state->outcome->echo_on_seen |= m->msg_style == PAM_PROMPT_ECHO_ON;
      if (state->next_reply < state->run->replies.size()) {
        replies[i].resp = strdup(state->run->replies[state->next_reply].c_str());
      }
      ++state->next_reply;
    } else {
      state->outcome->messages.push_back(text);
    }
  }
  *resp = replies;
  return PAM_SUCCESS;
}

}  // namespace

void set_fake_time(std::int64_t unix_time) { g_fake_time.store(unix_time); }
std::int64_t fake_time() { return g_fake_time.load(); }

std::string module_path() {
  const char* path = std::getenv("PAM_SSHOTP_MODULE");
  if (path == nullptr || *path != '/') {
    std::fprintf(stderr, "PAM_SSHOTP_MODULE must name the built module (run via make check)\n");
    std::abort();
  }
  return path;
}

std::string write_service(const TestEnv& env, std::string_view extra_args) {
  const std::string confdir = env.dir + "/pam.d";
  mkdir(confdir.c_str(), 0700);
  write_file(confdir + "/sshotp-test",
             "auth required " + module_path() + " config=" + env.config_path + " " +
                 std::string(extra_args) + "\n",
             0644);
  // Without an `other` file a misnamed service would fall back to the system's.
  write_file(confdir + "/other", "auth required pam_deny.so\naccount required pam_deny.so\n",
             0644);
  return confdir;
}

AuthOutcome run_authenticate(const std::string& confdir, const AuthRun& run) {
  AuthOutcome outcome;
  ConvState state{&run, &outcome};
  const struct pam_conv conv = {conversation, &state};
  pam_handle_t* pamh = nullptr;
  int rc = pam_start_confdir("sshotp-test", run.user.c_str(), &conv, confdir.c_str(), &pamh);
  if (rc != PAM_SUCCESS) {
    outcome.rc = rc;
    return outcome;
  }
  pam_set_item(pamh, PAM_RHOST, "127.0.0.1");
  if (run.publickey_done) {
    pam_putenv(pamh, "SSH_AUTH_INFO_0=publickey ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITEST\n");
  }
  outcome.rc = pam_authenticate(pamh, run.flags);
  pam_end(pamh, outcome.rc);
  return outcome;
}

}  // namespace sshotp::test
