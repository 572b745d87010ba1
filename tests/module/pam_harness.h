// SPDX-License-Identifier: BSD-3-Clause
// Drives the built pam_sshotp.so through the real libpam: a private PAM config directory read by
// pam_start_confdir (no /etc/pam.d, no LD_PRELOAD), a scripted conversation that records every
// prompt, and one-call helpers for a PAM transaction. Header-only so the module test needs no
// extra object; the clock the module reads is interposed in test_pam_module.cc.
#pragma once

#include <security/pam_appl.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tests/support/cmocka.h"
#include "tests/support/fixture.h"

namespace sshotp::test {

inline constexpr const char* kService = "sshotp-test";  // libpam lower-cases names: keep it so
inline constexpr const char* kRhost = "127.0.0.1";

struct Prompt {
  int style;
  std::string text;
};

// What the application answers, and what it was asked. Replies are given to ECHO_OFF/ECHO_ON
// prompts in order; running out of replies is a conversation error, as a closed terminal is.
struct FakeConversation {
  enum class Mode { script, fail, null_reply };
  Mode mode = Mode::script;
  std::vector<std::string> replies;
  std::size_t next_reply = 0;
  std::vector<Prompt> prompts;  // every message received, including errors and info

  static FakeConversation answering(std::vector<std::string> answers) {
    FakeConversation conv;
    conv.replies = std::move(answers);
    return conv;
  }
};

inline int fake_conv(int num_msg, const struct pam_message** msg, struct pam_response** resp,
                     void* appdata) {
  auto* conv = static_cast<FakeConversation*>(appdata);
  for (int i = 0; i < num_msg; ++i) conv->prompts.push_back({msg[i]->msg_style, msg[i]->msg});
  if (conv->mode == FakeConversation::Mode::fail) return PAM_CONV_ERR;
  auto* answers =
      static_cast<pam_response*>(std::calloc(static_cast<std::size_t>(num_msg), sizeof **resp));
  if (answers == nullptr) return PAM_BUF_ERR;
  for (int i = 0; i < num_msg; ++i) {
    const int style = msg[i]->msg_style;
    if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON) continue;
    if (conv->mode == FakeConversation::Mode::null_reply) continue;  // resp stays NULL
    if (conv->next_reply >= conv->replies.size()) {
      for (int j = 0; j < i; ++j) std::free(answers[j].resp);
      std::free(answers);
      return PAM_CONV_ERR;
    }
    answers[i].resp = strdup(conv->replies[conv->next_reply++].c_str());
  }
  *resp = answers;
  return PAM_SUCCESS;
}

// Writes `name` into `confdir` (0644, as /etc/pam.d files are).
inline void write_pam_file(const std::string& confdir, const std::string& name,
                           const std::string& text) {
  write_file(confdir + "/" + name, text, 0644);
}

// A confdir whose `other` service denies everything, so a misnamed service cannot pass.
inline std::string make_pam_confdir(const TestEnv& env) {
  std::string confdir = env.dir + "/pam.d";
  if (mkdir(confdir.c_str(), 0700) != 0) fail_msg("mkdir %s", confdir.c_str());
  write_pam_file(confdir, "other",
                 "auth required pam_deny.so\naccount required pam_deny.so\n"
                 "session required pam_deny.so\npassword required pam_deny.so\n");
  return confdir;
}

inline std::string module_path() {
  const char* path = std::getenv("PAM_SSHOTP_MODULE");
  if (path == nullptr || *path != '/') fail_msg("PAM_SSHOTP_MODULE must be an absolute path");
  return path;
}

// `auth required <module> config=<env's config> <args>`.
inline std::string auth_line(const TestEnv& env, const std::string& args = "") {
  return "auth required " + module_path() + " config=" + env.config_path +
         (args.empty() ? "" : " " + args) + "\n";
}

// An open handle for `user` on `service` with PAM_RHOST set; pam_end on destruction.
class PamSession {
 public:
  PamSession(const std::string& confdir, const char* user, FakeConversation& conv,
             const char* service = kService)
      : conv_{fake_conv, &conv} {
    int rc = pam_start_confdir(service, user, &conv_, confdir.c_str(), &pamh_);
    assert_int_equal(rc, PAM_SUCCESS);
    assert_int_equal(pam_set_item(pamh_, PAM_RHOST, kRhost), PAM_SUCCESS);
  }
  ~PamSession() { pam_end(pamh_, last_); }
  PamSession(const PamSession&) = delete;
  PamSession& operator=(const PamSession&) = delete;

  int authenticate() { return last_ = pam_authenticate(pamh_, 0); }
  int setcred() { return last_ = pam_setcred(pamh_, PAM_ESTABLISH_CRED); }
  int acct_mgmt() { return last_ = pam_acct_mgmt(pamh_, 0); }
  int open_session() { return last_ = pam_open_session(pamh_, 0); }
  int close_session() { return last_ = pam_close_session(pamh_, 0); }
  int chauthtok() { return last_ = pam_chauthtok(pamh_, 0); }

 private:
  struct pam_conv conv_;
  pam_handle_t* pamh_ = nullptr;
  int last_ = PAM_SUCCESS;
};

// One whole login as sshd does it: authenticate, and on success establish credentials (which
// must never fail after a success, or sshd drops the connection).
inline int login(const std::string& confdir, const char* user, FakeConversation& conv) {
  PamSession session(confdir, user, conv);
  int rc = session.authenticate();
  if (rc == PAM_SUCCESS) assert_int_equal(session.setcred(), PAM_SUCCESS);
  return rc;
}

// Asserts the conversation was asked exactly once, hidden, with `text`.
inline void assert_prompted_once(const FakeConversation& conv, const char* text) {
  assert_int_equal(conv.prompts.size(), 1);
  assert_int_equal(conv.prompts[0].style, PAM_PROMPT_ECHO_OFF);
  assert_string_equal(conv.prompts[0].text.c_str(), text);
}

}  // namespace sshotp::test
