// SPDX-License-Identifier: BSD-3-Clause
// Atomic replacement and byte-exact restoration of a small file (see file_replace.h).
#include "enroll/sshd/file_replace.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "common/file_checks.h"

namespace sshotp::cli {
namespace {

constexpr std::size_t kMaxSnapshot = 1 << 20;

Error io_error(const std::string& path, int error) {
  return make_error(Errc::io, path + ": " + std::strerror(error));
}

bool write_fully(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// The rename is durable only once the directory entry is on disk too.
Status sync_directory(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error(dir, errno);
  const bool synced = fsync(fd) == 0;
  const int saved = errno;
  close(fd);
  if (!synced) return io_error(dir, saved);
  return Ok{};
}

struct Owner {
  uid_t uid;
  gid_t gid;
};

Status write_then_rename(const std::string& path, std::string_view text, mode_t mode,
                         std::optional<Owner> owner) {
  const std::string dir = parent_directory(path);
  const auto slash = path.find_last_of('/');
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string temp = dir + "/." + name + ".XXXXXX";
  int fd = mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return io_error(dir, errno);
  bool ok = fchmod(fd, mode) == 0 && (!owner || fchown(fd, owner->uid, owner->gid) == 0) &&
            write_fully(fd, text) && fsync(fd) == 0;
  int saved = errno;
  if (close(fd) != 0 && ok) {
    ok = false;
    saved = errno;
  }
  if (ok && rename(temp.c_str(), path.c_str()) != 0) {
    ok = false;
    saved = errno;
  }
  if (!ok) {
    unlink(temp.c_str());
    return io_error(path, saved);
  }
  return sync_directory(dir);
}

}  // namespace

Result<FileSnapshot> snapshot_file(const std::string& path) {
  FileSnapshot snapshot;
  snapshot.path = path;
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0 && errno == ENOENT) return snapshot;
  if (fd < 0 && errno == ELOOP) {
    return make_error(Errc::unavailable, path + ": is a symbolic link; not replacing it");
  }
  if (fd < 0) return make_error(Errc::unavailable, path + ": " + std::strerror(errno));
  struct stat st {};
  std::optional<Error> problem;
  if (fstat(fd, &st) != 0) {
    problem = make_error(Errc::unavailable, path + ": " + std::strerror(errno));
  } else if (!S_ISREG(st.st_mode)) {
    problem = make_error(Errc::unavailable, path + ": is not a regular file; not replacing it");
  } else if (static_cast<std::size_t>(st.st_size) > kMaxSnapshot) {
    problem = make_error(Errc::unavailable, path + ": is too large");
  }
  char buf[4096];
  while (!problem) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) problem = make_error(Errc::unavailable, path + ": " + std::strerror(errno));
    if (n <= 0) break;
    snapshot.bytes.append(buf, static_cast<std::size_t>(n));
    if (snapshot.bytes.size() > kMaxSnapshot) {
      problem = make_error(Errc::unavailable, path + ": is too large");
    }
  }
  close(fd);
  if (problem) return std::move(*problem);
  snapshot.existed = true;
  snapshot.mode = st.st_mode & 07777;
  snapshot.uid = st.st_uid;
  snapshot.gid = st.st_gid;
  return snapshot;
}

Status replace_file(const std::string& path, std::string_view text, mode_t mode) {
  return write_then_rename(path, text, mode, std::nullopt);
}

Status restore_file(const FileSnapshot& before) {
  if (before.existed) {
    return write_then_rename(before.path, before.bytes, before.mode, Owner{before.uid, before.gid});
  }
  if (unlink(before.path.c_str()) != 0 && errno != ENOENT) return io_error(before.path, errno);
  return sync_directory(parent_directory(before.path));
}

}  // namespace sshotp::cli
