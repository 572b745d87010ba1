// SPDX-License-Identifier: BSD-3-Clause
// Fail closed when the disk says no: a full file system and a read-only one must refuse a login
// (never "let in without recording the use"), leave the store intact, and work again once the
// condition is gone, with the same code still unused. Needs root for a private mount namespace
// with a tiny tmpfs; skipped otherwise. Also: a directory holding the key file or the config
// that someone else could write to refuses logins too.
#include <fcntl.h>
#include <sched.h>
#include <security/pam_appl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "tests/support/pam_harness.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

using namespace sshotp;
using namespace sshotp::test;

namespace {

// Runs `body` in a child with its own mount namespace and a 2 MiB tmpfs as TMPDIR; the child's
// exit status is the body's result (0 = as expected). cmocka asserts are not used in the child.
int in_small_tmpfs(const std::function<int(const std::string& mount_point)>& body) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr)) {
      std::perror("unshare/mount private");
      _exit(90);
    }
    char dir[] = "/tmp/sshotp-fs.XXXXXX";
    if (mkdtemp(dir) == nullptr || mount("tmpfs", dir, "tmpfs", 0, "size=2m,mode=0700") != 0) {
      std::perror("tmpfs");
      _exit(91);
    }
    setenv("TMPDIR", dir, 1);
    const int rc = body(dir);
    umount2(dir, MNT_DETACH);
    rmdir(dir);
    std::fflush(nullptr);  // _exit does not flush stdio
    _exit(rc);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

#define CHILD_EXPECT(cond, code)                                               \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
      return code;                                                             \
    }                                                                          \
  } while (0)

// Fills the file system with one file; returns its path.
std::string fill_up(const std::string& dir) {
  const std::string path = dir + "/filler";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  static const char block[4096] = {};
  while (fd >= 0 && write(fd, block, sizeof block) > 0) {
  }
  if (fd >= 0) close(fd);
  return path;
}

void test_full_disk_refuses_then_recovers(void**) {
  if (getuid() != 0) skip();
  const int rc = in_small_tmpfs([](const std::string& dir) {
    const PamFixture f = make_pam_fixture();  // in the tmpfs: it is TMPDIR
    const std::string code = f.code();
    const std::string filler = fill_up(dir);
    const int full = f.login("alice", code);
    std::printf("full disk: pam_authenticate -> %d (%s)\n", full, pam_strerror(nullptr, full));
    CHILD_EXPECT(full == PAM_AUTHINFO_UNAVAIL, 1);
    unlink(filler.c_str());
    CHILD_EXPECT(f.login("alice", code) == PAM_SUCCESS, 2);   // the code was never consumed
    CHILD_EXPECT(f.login("alice", code) == PAM_AUTH_ERR, 3);  // and now it is
    return 0;
  });
  assert_int_equal(rc, 0);
}

void test_read_only_store_refuses_then_recovers(void**) {
  if (getuid() != 0) skip();
  const int rc = in_small_tmpfs([](const std::string& dir) {
    const PamFixture f = make_pam_fixture();
    const std::string code = f.code();
    CHILD_EXPECT(mount(nullptr, dir.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) == 0, 10);
    const int ro = f.login("alice", code);
    std::printf("read-only store: pam_authenticate -> %d (%s)\n", ro, pam_strerror(nullptr, ro));
    CHILD_EXPECT(ro == PAM_AUTHINFO_UNAVAIL, 1);
    CHILD_EXPECT(mount(nullptr, dir.c_str(), nullptr, MS_REMOUNT, nullptr) == 0, 11);
    CHILD_EXPECT(f.login("alice", code) == PAM_SUCCESS, 2);
    CHILD_EXPECT(f.login("alice", code) == PAM_AUTH_ERR, 3);
    return 0;
  });
  assert_int_equal(rc, 0);
}

// The key file and the config share the fixture's directory: group-writable, or owned by
// another uid, either could be swapped for one of an attacker's choosing.
void test_unsafe_key_and_config_directory_refuses(void**) {
  if (getuid() != 0) skip();  // chown to another uid
  const PamFixture f = make_pam_fixture();
  const std::string code = f.code();
  const char* dir = f.env.dir.c_str();
  assert_int_equal(chmod(dir, 0770), 0);
  assert_int_equal(f.login("alice", code), PAM_AUTHINFO_UNAVAIL);
  assert_int_equal(chmod(dir, 0700), 0);
  assert_int_equal(chown(dir, 65534, static_cast<gid_t>(-1)), 0);
  assert_int_equal(f.login("alice", code), PAM_AUTHINFO_UNAVAIL);
  assert_int_equal(chown(dir, 0, static_cast<gid_t>(-1)), 0);
  assert_int_equal(f.login("alice", code), PAM_SUCCESS);  // the code was never consumed
  destroy_test_env(f.env);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_full_disk_refuses_then_recovers),
      cmocka_unit_test(test_read_only_store_refuses_then_recovers),
      cmocka_unit_test(test_unsafe_key_and_config_directory_refuses),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
