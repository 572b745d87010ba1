// SPDX-License-Identifier: BSD-3-Clause
// Loading a store plugin (see store_plugin_loader.h).
#include "common/store_plugin_loader.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "common/file_checks.h"

#ifndef SSHOTP_PKGLIBDIR
#error "SSHOTP_PKGLIBDIR must name the directory the plugins are installed in"
#endif

namespace sshotp {
namespace {

Error refused(const std::string& path, const std::string& why) {
  return make_error(Errc::unavailable, path + ": " + why);
}

// Opens, checks and loads `path`; the plugin's own code does not run before its stamp matched
// (its constructors aside: a plugin has none of its own).
Result<const StorePlugin*> load_checked(const std::string& path) {
  if (path.empty() || path.front() != '/') return refused(path, "not an absolute path");
  if (auto st = check_directory(parent_directory(path)); !st) return std::move(st).error();
  // O_NONBLOCK: a FIFO in the plugin's place would otherwise block the open until a writer
  // came (the check below refuses it); it changes nothing for a regular file.
  const int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 && errno == ELOOP) return refused(path, "is a symbolic link");
  if (fd < 0) return refused(path, std::strerror(errno));
  struct stat st {};
  Status checked = fstat(fd, &st) == 0 ? check_file_stat(st, path, Exposure::world_readable)
                                       : refused(path, std::strerror(errno));
  if (!checked) {
    close(fd);
    return std::move(checked).error();
  }
  // The descriptor's /proc name: the file that was checked, whatever happens to `path` now.
  // The descriptor stays open for good (close-on-exec): the dynamic loader knows a library by
  // its name too, and a later plugin opened on a reused descriptor number would be taken for
  // this one. Plugins are never unloaded either, so nothing is lost.
  const std::string by_fd = "/proc/self/fd/" + std::to_string(fd);
  void* handle = dlopen(by_fd.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (handle == nullptr) close(fd);
  if (handle == nullptr) {
    const char* why = dlerror();
    return refused(path, std::string("cannot load: ") + (why != nullptr ? why : "unknown error"));
  }
  auto entry = reinterpret_cast<StorePluginEntry>(dlsym(handle, kStorePluginSymbol));
  const StorePlugin* plugin = entry != nullptr ? entry() : nullptr;
  if (plugin == nullptr) return refused(path, "not a store plugin");
  // The stamp first: another build's table may not even have this build's layout.
  if (plugin->build_stamp == nullptr || std::strcmp(plugin->build_stamp, kStoreBuildStamp) != 0) {
    return refused(path,
                   "built for another pam_sshotp (plugin '" +
                       std::string(plugin->build_stamp != nullptr ? plugin->build_stamp : "") +
                       "', this build '" + kStoreBuildStamp + "'): install both from one build");
  }
  // Every entry point is called without a further check (logins, db init/upgrade, db check).
  if (plugin->open == nullptr || plugin->migrate == nullptr || plugin->inspect == nullptr) {
    return refused(path, "not a store plugin (an entry point is missing)");
  }
  return plugin;
}

}  // namespace

std::string default_postgresql_plugin() { return SSHOTP_PKGLIBDIR "/store_postgresql.so"; }

Result<const StorePlugin*> load_store_plugin(const std::string& path) {
  static std::mutex lock;
  static std::map<std::string, const StorePlugin*> loaded;
  std::lock_guard<std::mutex> held(lock);
  if (auto found = loaded.find(path); found != loaded.end()) return found->second;
  auto plugin = load_checked(path);
  if (plugin) loaded.emplace(path, *plugin);
  return plugin;
}

}  // namespace sshotp
