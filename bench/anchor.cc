// SPDX-License-Identifier: BSD-3-Clause
// The anchor base (directories, PAM service files), file helpers, and the pam_permit baseline.
#include "bench/anchor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sshotp::bench {

void die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(2);
}

void write_text_file(const std::string& path, const std::string& text, unsigned mode) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) die("cannot write " + path + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n <= 0) die("write " + path + ": " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  fchmod(fd, static_cast<mode_t>(mode));
  close(fd);
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void make_private_dir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    die("mkdir " + path + ": " + std::strerror(errno));
  }
}

Anchor::Anchor(std::string name, std::string dir)
    : name_(std::move(name)), dir_(std::move(dir)), confdir_(dir_ + "/pam.d") {
  make_private_dir(dir_);
  make_private_dir(confdir_);
  // Without an `other` file a misnamed service would fall back to the system's.
  write_text_file(confdir_ + "/other", "auth required pam_deny.so\n", 0644);
}

void Anchor::write_service(const std::string& auth_line) const {
  write_text_file(confdir_ + "/" + kService, auth_line + "\n", 0644);
}

namespace {

// libpam's own cost: pam_start, loading a trivial module, pam_end.
class PermitAnchor final : public Anchor {
 public:
  explicit PermitAnchor(const std::string& dir) : Anchor("pam_permit", dir) {
    write_service("auth required pam_permit.so");
  }
  bool verifies_codes() const override { return false; }
  void enroll(std::size_t, std::size_t) override {}
  void reset(std::size_t) override {}
  bool recorded(std::size_t, std::int64_t) override { return true; }
};

}  // namespace

std::unique_ptr<Anchor> make_permit_anchor(const std::string& dir) {
  return std::make_unique<PermitAnchor>(dir);
}

}  // namespace sshotp::bench
