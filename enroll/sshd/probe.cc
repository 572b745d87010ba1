// SPDX-License-Identifier: BSD-3-Clause
// Runs sshd -t and sshd -T as child processes (no shell in between) and reads their output.
#include "enroll/sshd/probe.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace sshotp::cli {
namespace {

// sshd -T prints a few kilobytes; anything far beyond that is not sshd.
constexpr std::size_t kMaxOutput = 1 << 20;

struct Finished {
  int exit_status = -1;  // -1: killed by a signal
  std::string out;
  std::string err;
};

class Pipe {
 public:
  Pipe() {
    if (pipe2(fds_, O_CLOEXEC) != 0) fds_[0] = fds_[1] = -1;
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  bool ok() const { return fds_[0] >= 0; }
  int read_end() const { return fds_[0]; }
  int write_end() const { return fds_[1]; }
  void close_read() { close_fd(fds_[0]); }
  void close_write() { close_fd(fds_[1]); }

 private:
  static void close_fd(int& fd) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  int fds_[2];
};

// Reads both pipes until both are closed, so that neither can fill up and stall the child.
void drain(Pipe& out, Pipe& err, Finished& finished) {
  struct Stream {
    Pipe& pipe;
    std::string& text;
  } streams[] = {{out, finished.out}, {err, finished.err}};
  for (;;) {
    pollfd fds[2];
    nfds_t n = 0;
    for (auto& s : streams) {
      if (s.pipe.read_end() >= 0) fds[n++] = {s.pipe.read_end(), POLLIN, 0};
    }
    if (n == 0) return;
    if (poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (auto& s : streams) {
      if (s.pipe.read_end() < 0) continue;
      char buf[4096];
      ssize_t got = read(s.pipe.read_end(), buf, sizeof buf);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0 || s.text.size() > kMaxOutput) {
        s.pipe.close_read();
        continue;
      }
      s.text.append(buf, static_cast<std::size_t>(got));
    }
  }
}

// Runs argv[0] with `args`, a bare environment and stdin from /dev/null.
Result<Finished> run(const std::vector<std::string>& args) {
  Pipe out, err;
  if (!out.ok() || !err.ok())
    return make_error(Errc::io, std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write_end(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write_end(), STDERR_FILENO);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // sshd needs no environment; ours (maybe from sudo) has no business in it.
  char path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  char* envp[] = {path, nullptr};
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return make_error(Errc::unavailable, args[0] + ": " + std::strerror(spawned));
  out.close_write();
  err.close_write();
  Finished finished;
  drain(out, err, finished);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return make_error(Errc::io, args[0] + ": " + std::strerror(errno));
  }
  if (WIFEXITED(status)) finished.exit_status = WEXITSTATUS(status);
  return finished;
}

std::string complaint_of(const Finished& finished) {
  std::string text = finished.err;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  // One message line per sshd line, the later ones indented under the first.
  for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1)) {
    text.insert(at + 1, "    ");
  }
  if (text.empty()) {
    text = finished.exit_status < 0 ? "killed by a signal"
                                    : "exit status " + std::to_string(finished.exit_status);
  }
  return text;
}

EffectiveSettings parse_settings(const std::string& text) {
  EffectiveSettings settings;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    const std::size_t space = line.find(' ');
    if (space == std::string::npos || space == 0) continue;
    // Repeated keywords (e.g. hostkey) keep their first line; ours are all single-valued.
    settings.emplace(line.substr(0, space), line.substr(space + 1));
  }
  return settings;
}

}  // namespace

bool plain_user_name(std::string_view user) {
  if (user.empty() || user.front() == '-') return false;
  for (char c : user) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<SshdVerdict> sshd_test(const SshdProgram& sshd) {
  auto finished = run({sshd.binary, "-t", "-f", sshd.main_config});
  if (!finished) return std::move(finished).error();
  if (finished->exit_status == 0) return SshdVerdict{true, ""};
  return SshdVerdict{false, complaint_of(*finished)};
}

Result<EffectiveSettings> sshd_effective(const SshdProgram& sshd, const std::string& user) {
  if (!plain_user_name(user)) {
    return make_error(Errc::invalid_argument, "user name '" + user + "' is not plain");
  }
  auto finished = run({sshd.binary, "-T", "-f", sshd.main_config, "-C",
                       "user=" + user + ",host=localhost,addr=127.0.0.1"});
  if (!finished) return std::move(finished).error();
  if (finished->exit_status != 0) {
    return make_error(Errc::unavailable, "sshd -T: " + complaint_of(*finished));
  }
  return parse_settings(finished->out);
}

}  // namespace sshotp::cli
