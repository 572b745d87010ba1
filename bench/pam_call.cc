// SPDX-License-Identifier: BSD-3-Clause
#include "bench/pam_call.h"

#include <security/pam_appl.h>

#include <cstdlib>
#include <cstring>
#include <ctime>

namespace sshotp::bench {
namespace {

struct Answers {
  const char* reply;
  int prompts;
};

int answer_prompts(int num_msg, const struct pam_message** msg, struct pam_response** resp,
                   void* appdata) {
  auto* answers = static_cast<Answers*>(appdata);
  auto* replies = static_cast<pam_response*>(
      std::calloc(static_cast<std::size_t>(num_msg), sizeof(pam_response)));
  if (replies == nullptr) return PAM_BUF_ERR;
  for (int i = 0; i < num_msg; ++i) {
    const int style = msg[i]->msg_style;
    if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON) continue;
    ++answers->prompts;
    if (answers->reply == nullptr) {
      std::free(replies);
      return PAM_CONV_ERR;
    }
    replies[i].resp = strdup(answers->reply);
  }
  *resp = replies;
  return PAM_SUCCESS;
}

std::int64_t monotonic_ns() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

PamCallResult timed_pam_call(const PamCall& call) {
  Answers answers{call.reply, 0};
  const struct pam_conv conv = {answer_prompts, &answers};
  PamCallResult result;
  const std::int64_t start = monotonic_ns();
  pam_handle_t* pamh = nullptr;
  result.rc = pam_start_confdir(call.service, call.user, &conv, call.confdir, &pamh);
  result.start_nanoseconds = monotonic_ns() - start;
  if (result.rc == PAM_SUCCESS) {
    // sshd sets the remote host before authenticating; the modules log it.
    pam_set_item(pamh, PAM_RHOST, "127.0.0.1");
    result.rc = pam_authenticate(pamh, 0);
    pam_end(pamh, result.rc);
  }
  result.nanoseconds = monotonic_ns() - start;
  result.prompts = answers.prompts;
  return result;
}

}  // namespace sshotp::bench
