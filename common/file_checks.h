// SPDX-License-Identifier: BSD-3-Clause
// StrictModes for our own files: the store, its directory, the key file and the config file must
// be ours (root, or the effective uid in tests), not symlinks, and not writable by anyone else.
// Anything else fails closed, because whoever can write these files can log in as anyone.
#pragma once

#include <sys/stat.h>

#include <string>

#include "common/result.h"
#include "common/secret.h"

namespace sshotp {

enum class Exposure {
  private_only,    // no group/other bits at all (secrets: store, key file)
  world_readable,  // group/other may read, never write (config file)
};

// True only when nothing at all is at `path` (lstat says ENOENT). Any other failure, EACCES say,
// is not "missing": callers that would create the file must not create it then.
bool file_missing(const std::string& path);

// Checks an already-obtained stat of `path` (from fstat on an O_NOFOLLOW descriptor, or lstat).
Status check_file_stat(const struct stat& st, const std::string& path, Exposure exposure);

// The same for the directory holding the store: ours, a real directory, not group/world writable.
Status check_directory(const std::string& path);

// Reads a whole small file opened with O_NOFOLLOW after checking it as above. max_bytes bounds
// what a corrupted or hostile file can make us allocate. The buffer wipes itself, because the
// same reader loads the key file.
Result<SecureBytes> read_checked_file(const std::string& path, Exposure exposure,
                                      std::size_t max_bytes);

// Creates `path` (O_CREAT|O_EXCL|O_NOFOLLOW) with exactly `mode` whatever the umask, writes
// `data` and fsyncs it; on failure the partial file is removed. Creating never overwrites:
// an existing file is reported with `already_exists` set (and an Errc::io status), so callers
// that race another creator can tell "someone was first" from a real failure.
struct CreateResult {
  Status status;
  bool already_exists = false;
};
CreateResult create_new_file(const std::string& path, const void* data, std::size_t size,
                             mode_t mode);

// The directory part of a path ("/var/lib/sshotp/sshotp.db" -> "/var/lib/sshotp").
std::string parent_directory(const std::string& path);

}  // namespace sshotp
