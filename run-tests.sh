#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The README's second command, and what CI runs (.ci/run): install the dependencies, build with
# warnings as errors, run every test layer (`make check`: unit, module through libpam, CLI,
# oracles, fuzz corpus replay, crash loop, valgrind, real sshd end to end) and then `make
# distcheck` (the tarball holds every tracked file, builds, installs, and runs the tests that need
# no server from a read-only source tree). Then the Debian package
# built from that tarball and taken through install, login, remove, reinstall and purge on this
# machine, the Arch and RPM packages built from it and compared with the .deb, and the .deb's
# autopkgtest. Two more stages follow, each in its own build directory: the whole suite again
# under ASan+UBSan (real sshd included), and every libFuzzer target for FUZZ_SECONDS (default 30)
# under ASan+UBSan.
# Run as root on Debian 12; as non-root the sshd test is skipped.
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)

if [ "$(id -u)" -eq 0 ]; then
  ./deps.sh --tests
else
  echo "run-tests.sh: not root: assuming the dependencies are installed; the sshd test will skip"
fi

./autogen.sh
build="$top/_build"
rm -rf "$build"
mkdir -p "$build"
cd "$build"
# --with-postgresql: CI must build (and so test) the PostgreSQL store plugin, not skip it
# because libpq went missing.
"$top/configure" --enable-werror --with-postgresql

jobs=$(nproc 2>/dev/null || echo 2)
started=$SECONDS
# took STAGE: how long the stage that just ended took, from $started, and the CPU time (user +
# system) the stages' processes have used so far: with 2 cores, a stage whose CPU time grows by
# much less than twice its wall time is waiting, and would gain from running beside another.
# (From /proc: `times` in a command substitution would report the subshell's children, none.)
took() {
  local cpu
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($16 + $17) / hz }' "/proc/$$/stat")
  echo "run-tests.sh: $1 took $((SECONDS - started)) s (CPU so far: $cpu s)"
  started=$SECONDS
}
# show_test_logs RC: every test's own output in the current build directory (cmocka's summaries,
# the shell tests' PASS/FAIL lines), and automake's summary when something failed.
show_test_logs() {
  find . -name '*.log' ! -name 'test-suite.log' ! -name 'config.log' -path './tests/*' -print0 \
    | sort -z | xargs -0 -r tail -n +1
  if [ -f test-suite.log ] && [ "$1" -ne 0 ]; then cat test-suite.log; fi
  slowest_tests
}
# slowest_tests: the fifteen slowest tests of the current build directory, from the line
# tests/support/time_test.sh ends each test's log with (CI's time budget is chosen on these).
slowest_tests() {
  echo "run-tests.sh: the slowest tests in $(pwd):"
  grep -r --include='*.log' -H '^time_test.sh: took [0-9]* ms$' tests 2>/dev/null |
    sed -E 's#^(.*)\.log:time_test.sh: took ([0-9]+) ms$#\2 \1#' | sort -rn | head -n 15 |
    awk '{ printf "  %7.1f s  %s\n", $1 / 1000, $2 }'
}

make -j"$jobs"
status=0
rc=0
# Twice as many tests as cores at once: the tests spend about half their time waiting (on sshd,
# PostgreSQL, timeouts, fsync), and every one of them passes at a load of 10 on 2 cores.
test_jobs=$((jobs * 2))
make -j"$test_jobs" check || rc=$?
show_test_logs "$rc"
status=$rc
took "build and make check"

# distcheck runs only the layers that need no server, without the long loops: make check has
# just run everything from the same files (Makefile.am's distcheck-hook and distcheck-tests).
if [ "$status" -eq 0 ]; then
  make -j"$jobs" distcheck TESTS="$(make -s distcheck-tests)" || status=$?
  took "make distcheck"
fi

# The benchmark's smoke run: every module and path once, small N. It fails only on a functional
# problem (a success path that fails, a lost update), never on timing; the full run is
# `make bench` (docs/PERFORMANCE.md).
if [ "$status" -eq 0 ]; then
  make -j"$jobs" bench BENCH_FLAGS=--quick || status=$?
  took "benchmark smoke run"
fi

# The Debian package (tests/package/): built with dpkg-buildpackage from the tarball distcheck
# left (from the tree's files if there is none), installed with apt-get, logged in through a real
# sshd, removed, reinstalled and purged on this machine; then its autopkgtest on the same .deb, as
# Debian's CI runs it (`autopkgtest ... -- null`). Their output and a .trs result each go into
# tests/package/ of the build directory, where the closing count reads them.
packages="$top/_build-deb"
rm -rf "$packages"
mkdir -p "$packages/debs" "$packages/source" "$build/tests/package"
tarball=$(find "$build" -maxdepth 1 -name 'pam_sshotp-*.tar.gz' | head -n 1)
# package_result NAME RC: NAME's log shown, and its result where the closing count finds it.
package_result() {
  local result=FAIL
  case $2 in 0) result=PASS ;; 77) result=SKIP ;; esac
  cat "$build/tests/package/$1.log"
  echo ":test-result: $result" >"$build/tests/package/$1.trs"
  echo "$result: $1"
  if [ "$result" = FAIL ]; then status=1; fi
}
rc=0
SSHOTP_DEB_OUT="$packages/debs" DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=$jobs" \
  "$top/tests/package/test_deb.sh" ${tarball:+"$tarball"} >"$build/tests/package/test_deb.log" \
  2>&1 || rc=$?
package_result test_deb "$rc"
deb_rc=$rc
took "Debian package: build, install, remove, reinstall, purge"
# The Arch and RPM packages (dist/), built with Debian's makepkg and rpmbuild from the same
# tarball and held against that .deb: files, modes, owners, config files, version.
if [ "$deb_rc" -eq 0 ] && [ -n "$tarball" ]; then
  rc=0
  SSHOTP_DIST_JOBS=$jobs "$top/tests/package/test_dist_packages.sh" "$tarball" "$packages/debs" \
    >"$build/tests/package/test_dist_packages.log" 2>&1 || rc=$?
  package_result test_dist_packages "$rc"
  took "Arch and RPM packages: build, compare with the .deb"
fi
if [ "$deb_rc" -eq 0 ]; then
  if [ -n "$tarball" ]; then
    tar -xzf "$tarball" -C "$packages/source"
  else
    mkdir "$packages/source/pam-sshotp"
    git -C "$top" ls-files -z --cached --others --exclude-standard |
      tar -C "$top" --null -T - -cf - | tar -xf - -C "$packages/source/pam-sshotp"
  fi
  rc=0
  "$top/tests/package/run_autopkgtest.sh" "$(find "$packages/debs" -name 'libpam-sshotp_*.deb')" \
    "$(find "$packages/source" -mindepth 1 -maxdepth 1 -type d | head -n 1)" \
    >"$build/tests/package/autopkgtest.log" 2>&1 || rc=$?
  # autopkgtest's 2 (a test skipped) is a failure: as root with the test's dependencies installed
  # nothing may skip, or the installed-package login would silently stop being tested.
  package_result autopkgtest "$rc"
fi
took "autopkgtest of the Debian package"

# The whole suite again with AddressSanitizer and UndefinedBehaviorSanitizer (GCC), leaks
# included; the python driver and sshd that load the module get the runtimes preloaded.
sanitizers="$top/_build-sanitizers"
rm -rf "$sanitizers"
mkdir -p "$sanitizers"
cd "$sanitizers"
export UBSAN_OPTIONS=print_stacktrace=1
rc=0
{ "$top/configure" -q --enable-werror --enable-sanitizers --with-postgresql && make -j"$jobs" &&
  make -j"$test_jobs" check-sanitized; } || rc=$?
show_test_logs "$rc"
if [ "$rc" -ne 0 ]; then status=$rc; fi
took "sanitizer build and tests"

# Each libFuzzer target for FUZZ_SECONDS under ASan+UBSan (clang), from the seed corpus. The
# module and sshotp-enroll are built here too (`all`), so that the tree keeps compiling with clang
# as well as gcc.
fuzzing="$top/_build-fuzz"
rm -rf "$fuzzing"
mkdir -p "$fuzzing/tests/fuzz"
cd "$fuzzing"
export FUZZ_SECONDS=${FUZZ_SECONDS:-30}
# One fuzzer per core at once (each libFuzzer process is single-threaded).
export FUZZ_JOBS=${FUZZ_JOBS:-$jobs}
rc=0
# Two make runs, not `make all fuzz`: automake's `all` builds in a make of its own, which would
# compile the same objects as `fuzz`'s prerequisites at the same time (a .lo read half-written).
{ "$top/configure" -q --enable-fuzzing && make -j"$jobs" all && make -j"$jobs" fuzz; } || rc=$?
if [ "$rc" -ne 0 ]; then status=$rc; fi
took "fuzzing build and runs ($FUZZ_SECONDS s per target)"
cd "$build"

# One closing line with the number of test cases, from each test's own summary: cmocka's
# "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)" and the shell tests' "N passed, M failed".
summary() {
  find tests "$sanitizers/tests" "$fuzzing/tests" -name '*.log' -print0 | xargs -0 -r cat | awk '
    /^\[  PASSED  \] [0-9]+ test/ { p += $4 }
    /^\[  FAILED  \] [0-9]+ test/ { f += $4 }
    /^[0-9]+ passed, [0-9]+ failed/ { p += $1; f += $3 }
    END { printf "%d %d\n", p, f }'
}
read -r pass fail < <(summary)
# grep finds nothing when no test skipped; that must not trip pipefail.
skip=$( (grep -rh '^:test-result: SKIP' tests "$sanitizers/tests" --include='*.trs' || true) \
  | wc -l)
if [ "$status" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi
echo "Tests: $pass passed, $fail failed, $skip skipped"
exit "$status"
