// SPDX-License-Identifier: BSD-3-Clause
#include "common/file_checks.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sshotp {
namespace {

Error unavailable(const std::string& path, const char* why) {
  return make_error(Errc::unavailable, path + ": " + why);
}

bool owner_ok(const struct stat& st) { return st.st_uid == 0 || st.st_uid == geteuid(); }

}  // namespace

bool file_missing(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) != 0 && errno == ENOENT;
}

Status check_file_stat(const struct stat& st, const std::string& path, Exposure exposure) {
  if (S_ISLNK(st.st_mode)) return unavailable(path, "is a symbolic link");
  if (!S_ISREG(st.st_mode)) return unavailable(path, "is not a regular file");
  if (!owner_ok(st)) return unavailable(path, "is owned by another user");
  const mode_t forbidden = exposure == Exposure::private_only ? mode_t{077} : mode_t{022};
  if ((st.st_mode & forbidden) != 0) {
    return unavailable(path, exposure == Exposure::private_only
                                 ? "is accessible by group or others (want mode 0600)"
                                 : "is writable by group or others");
  }
  return Ok{};
}

Status check_directory(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return unavailable(path, std::strerror(errno));
  if (S_ISLNK(st.st_mode)) return unavailable(path, "is a symbolic link");
  if (!S_ISDIR(st.st_mode)) return unavailable(path, "is not a directory");
  if (!owner_ok(st)) return unavailable(path, "is owned by another user");
  if ((st.st_mode & 022) != 0) return unavailable(path, "is writable by group or others");
  return Ok{};
}

Result<SecureBytes> read_checked_file(const std::string& path, Exposure exposure,
                                      std::size_t max_bytes) {
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return unavailable(path, errno == ELOOP ? "is a symbolic link" : std::strerror(errno));
  }
  struct stat st {};
  SecureBytes data;
  Status checked = fstat(fd, &st) == 0 ? check_file_stat(st, path, exposure)
                                       : Status(unavailable(path, std::strerror(errno)));
  if (checked.ok() && static_cast<std::size_t>(st.st_size) > max_bytes) {
    checked = unavailable(path, "is too large");
  }
  if (checked.ok()) {
    data.resize(max_bytes + 1);
    std::size_t got = 0;
    while (got < data.size()) {
      ssize_t n = read(fd, data.data() + got, data.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        checked = unavailable(path, std::strerror(errno));
        break;
      }
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    if (checked.ok() && got > max_bytes) checked = unavailable(path, "is too large");
    data.resize(got);
  }
  close(fd);
  if (!checked.ok()) return std::move(checked).error();
  return data;
}

CreateResult create_new_file(const std::string& path, const void* data, std::size_t size,
                             mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) {
    const bool exists = errno == EEXIST;
    return {make_error(Errc::io, path + ": " + std::strerror(errno)), exists};
  }
  bool ok = fchmod(fd, mode) == 0 && write(fd, data, size) == static_cast<ssize_t>(size) &&
            fsync(fd) == 0;
  int saved = errno;
  close(fd);
  if (!ok) {
    unlink(path.c_str());
    return {make_error(Errc::io, path + ": " + std::strerror(saved))};
  }
  return {Ok{}};
}

std::string parent_directory(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace sshotp
