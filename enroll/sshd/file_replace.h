// SPDX-License-Identifier: BSD-3-Clause
// Replacing a configuration file so that its readers (sshd, at any moment) see either the whole
// old content or the whole new one, never half a file: a temporary file in the same directory,
// fsync, rename over the target, fsync of the directory. And undoing such a replacement byte for
// byte, with the old mode and owner, when the new content turns out to be wrong.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/result.h"

namespace sshotp::cli {

// What a file was before we replaced it.
struct FileSnapshot {
  std::string path;
  bool existed = false;
  std::string bytes;
  mode_t mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Reads `path` (at most 1 MiB) as it is now. A missing file is a snapshot too (existed false);
// a symbolic link or anything but a regular file is refused, because renaming over it would not
// do what its owner meant.
Result<FileSnapshot> snapshot_file(const std::string& path);

// Atomically replaces (or creates) `path` with `text`, mode exactly `mode` whatever the umask.
// The temporary file is named ".<name>.XXXXXX": it never matches an `Include *.conf` glob.
Status replace_file(const std::string& path, std::string_view text, mode_t mode);

// Puts `before` back the same way: the old bytes, mode and owner, or no file at all.
Status restore_file(const FileSnapshot& before);

}  // namespace sshotp::cli
