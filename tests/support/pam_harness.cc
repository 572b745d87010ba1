// SPDX-License-Identifier: BSD-3-Clause
// The module-test harness (see pam_harness.h), and the fake clock every module test binary
// gets by linking this file with -rdynamic.
#include "tests/support/pam_harness.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

namespace {

std::atomic<std::int64_t> g_fake_time{sshotp::test::kFakeNow};

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

bool is_prompt(int style) { return style == PAM_PROMPT_ECHO_OFF || style == PAM_PROMPT_ECHO_ON; }

int fake_conv(int num_msg, const struct pam_message** msg, struct pam_response** resp,
              void* appdata) {
  auto* conv = static_cast<FakeConversation*>(appdata);
  if (num_msg <= 0 || num_msg > PAM_MAX_NUM_MSG) return PAM_CONV_ERR;
  for (int i = 0; i < num_msg; ++i) {
    conv->received.push_back({msg[i]->msg_style, msg[i]->msg != nullptr ? msg[i]->msg : ""});
  }
  if (conv->mode == FakeConversation::Mode::fail) return PAM_CONV_ERR;
  auto* answers =
      static_cast<pam_response*>(std::calloc(static_cast<std::size_t>(num_msg), sizeof **resp));
  if (answers == nullptr) return PAM_BUF_ERR;
  for (int i = 0; i < num_msg; ++i) {
    if (!is_prompt(msg[i]->msg_style)) continue;
    if (conv->while_prompting) conv->while_prompting();
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

// `<env.dir>/pam.d` with an `other` service that denies every stack.
std::string make_pam_confdir(const TestEnv& env) {
  const std::string confdir = env.dir + "/pam.d";
  if (mkdir(confdir.c_str(), 0700) != 0) {
    std::perror(confdir.c_str());
    std::abort();
  }
  write_file(confdir + "/other",
             "auth required pam_deny.so\naccount required pam_deny.so\n"
             "session required pam_deny.so\npassword required pam_deny.so\n",
             0644);
  return confdir;
}

// The class of a login's result as a child's exit status, for race_logins.
int exit_status_of_login(const PamFixture& f, const Attempt& attempt) {
  const int rc = f.login(attempt.user, attempt.reply);
  return rc == PAM_SUCCESS ? 0 : rc == PAM_AUTH_ERR ? 1 : 2;
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

std::string auth_line(const TestEnv& env, std::string_view module_args) {
  return "auth required " + module_path() + " config=" + env.config_path +
         (module_args.empty() ? "" : " " + std::string(module_args)) + "\n";
}

FakeConversation FakeConversation::answering(std::vector<std::string> answers) {
  FakeConversation conv;
  conv.replies = std::move(answers);
  return conv;
}

std::vector<std::string> FakeConversation::prompts() const {
  std::vector<std::string> texts;
  for (const Message& m : received) {
    if (is_prompt(m.style)) texts.push_back(m.text);
  }
  return texts;
}

std::vector<std::string> FakeConversation::notices() const {
  std::vector<std::string> texts;
  for (const Message& m : received) {
    if (!is_prompt(m.style)) texts.push_back(m.text);
  }
  return texts;
}

bool FakeConversation::was_told(std::string_view needle) const {
  for (const std::string& text : notices()) {
    if (text.find(needle) != std::string::npos) return true;
  }
  return false;
}

PamSession::PamSession(const std::string& confdir, const std::string& user, FakeConversation& conv,
                       bool publickey_done)
    : conv_{fake_conv, &conv} {
  int rc = pam_start_confdir(kService, user.c_str(), &conv_, confdir.c_str(), &pamh_);
  if (rc == PAM_SUCCESS) rc = pam_set_item(pamh_, PAM_RHOST, kRhost);
  if (rc == PAM_SUCCESS && publickey_done) {
    // What sshd exports after a public key succeeded (ExposeAuthInfo).
    rc = pam_putenv(pamh_, "SSH_AUTH_INFO_0=publickey ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITEST\n");
  }
  if (rc != PAM_SUCCESS) {
    std::fprintf(stderr, "pam_harness: cannot open a PAM handle: %s\n", pam_strerror(pamh_, rc));
    if (pamh_ != nullptr) pam_end(pamh_, rc);
    pamh_ = nullptr;
  }
}

PamSession::~PamSession() {
  if (pamh_ != nullptr) pam_end(pamh_, last_);
}

int PamSession::record(int rc) { return last_ = rc; }

int PamSession::authenticate(int flags) {
  return pamh_ == nullptr ? kNotOpened : record(pam_authenticate(pamh_, flags));
}
int PamSession::setcred() {
  return pamh_ == nullptr ? kNotOpened : record(pam_setcred(pamh_, PAM_ESTABLISH_CRED));
}
int PamSession::acct_mgmt() {
  return pamh_ == nullptr ? kNotOpened : record(pam_acct_mgmt(pamh_, 0));
}
int PamSession::open_session() {
  return pamh_ == nullptr ? kNotOpened : record(pam_open_session(pamh_, 0));
}
int PamSession::close_session() {
  return pamh_ == nullptr ? kNotOpened : record(pam_close_session(pamh_, 0));
}
int PamSession::chauthtok() {
  return pamh_ == nullptr ? kNotOpened : record(pam_chauthtok(pamh_, 0));
}

std::string PamFixture::code(int steps) const {
  return code_at(secret, params, fake_time() + steps * std::int64_t{params.period});
}

void PamFixture::use_stack(std::string_view stack) const {
  write_file(confdir + "/" + kService, stack, 0644);
}

void PamFixture::use_module_args(std::string_view module_args) const {
  use_stack(auth_line(env, module_args));
}

int PamFixture::login(const std::string& user, FakeConversation& conv,
                      const LoginOptions& options) const {
  PamSession session(confdir, user, conv, options.publickey_done);
  const int rc = session.authenticate(options.flags);
  if (rc != PAM_SUCCESS) return rc;
  const int cred = session.setcred();
  if (cred != PAM_SUCCESS) {
    std::fprintf(stderr, "pam_harness: pam_setcred failed after a success: %d\n", cred);
  }
  return cred;
}

int PamFixture::login(const std::string& user, const std::string& reply,
                      const LoginOptions& options) const {
  auto conv = FakeConversation::answering({reply});
  return login(user, conv, options);
}

Tally race_logins(const PamFixture& f, const std::vector<Attempt>& attempts) {
  return race_logins(std::vector<const PamFixture*>{&f}, attempts);
}

Tally race_logins(const std::vector<const PamFixture*>& hosts,
                  const std::vector<Attempt>& attempts) {
  Tally tally;
  int gate[2];
  if (pipe(gate) != 0) {
    std::perror("pipe");
    std::abort();
  }
  std::vector<pid_t> children;
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    const PamFixture& host = *hosts[i % hosts.size()];
    const pid_t pid = fork();
    if (pid < 0) {
      ++tally.other;
      continue;
    }
    if (pid == 0) {
      close(gate[1]);
      char byte;
      (void)!read(gate[0], &byte, 1);  // returns 0 when the parent closes the write end
      _exit(exit_status_of_login(host, attempts[i]));
    }
    children.push_back(pid);
  }
  close(gate[0]);
  close(gate[1]);  // the starting gun
  for (const pid_t pid : children) {
    int status = 0;
    const int code = waitpid(pid, &status, 0) == pid && WIFEXITED(status) ? WEXITSTATUS(status) : 2;
    (code == 0 ? tally.successes : code == 1 ? tally.refusals : tally.other)++;
  }
  return tally;
}

PamFixture make_pam_fixture(std::string_view config_lines, std::string_view module_args) {
  // A PostgreSQL store's TLS checks certificates against time(), which the fake clock answers
  // for the whole process, libssl included: the harness's certificates, made today, are not
  // valid yet at kFakeNow. Against PostgreSQL the clock stands at the real now instead.
  set_fake_time(store_is_postgresql() ? std::chrono::duration_cast<std::chrono::seconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count()
                                      : kFakeNow);
  PamFixture f;
  f.env = make_test_env(config_lines);
  f.confdir = make_pam_confdir(f.env);
  f.use_module_args(module_args);
  enroll(f.env, "alice", f.secret, f.params);
  return f;
}

PamFixture another_host(const PamFixture& f) {
  auto read_all = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
      std::fprintf(stderr, "another_host: cannot read %s\n", path.c_str());
      std::abort();
    }
    return text.str();
  };
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/sshotp.XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  PamFixture host = f;
  host.env.dir = dir;
  host.env.key_path = dir + "/sshotp.key";
  host.env.config_path = dir + "/sshotp.conf";
  write_file(host.env.key_path, read_all(f.env.key_path), 0600);
  // The same settings, the same store; only the key file's path is this host's own.
  std::string config = read_all(f.env.config_path);
  const std::string key_line = "key_file = " + f.env.key_path + "\n";
  const std::size_t at = config.find(key_line);
  if (at == std::string::npos) {
    std::fprintf(stderr, "another_host: no key_file line in %s\n", f.env.config_path.c_str());
    std::abort();
  }
  config.replace(at, key_line.size(), "key_file = " + host.env.key_path + "\n");
  write_file(host.env.config_path, config, 0644);
  host.confdir = make_pam_confdir(host.env);
  host.use_stack(auth_line(host.env));
  return host;
}

int setup_pam_fixture(void** state) {
  install_pam_fixture(state, "");
  return 0;
}

int teardown_pam_fixture(void** state) {
  auto* f = static_cast<PamFixture*>(*state);
  if (f != nullptr) destroy_test_env(f->env);
  delete f;
  *state = nullptr;
  return 0;
}

PamFixture& install_pam_fixture(void** state, std::string_view config_lines,
                                std::string_view module_args) {
  teardown_pam_fixture(state);
  auto* f = new PamFixture(make_pam_fixture(config_lines, module_args));
  *state = f;
  return *f;
}

PamFixture& pam_fixture(void** state) { return *static_cast<PamFixture*>(*state); }

}  // namespace sshotp::test
