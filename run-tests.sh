#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The README's second command, and what CI runs (.ci/run): install the dependencies, build with
# warnings as errors, run every test layer (`make check`: unit, module through libpam, CLI,
# oracles, real sshd end to end) and then `make distcheck` (tarball builds and passes from a
# read-only source tree). Run as root on Debian 12; as non-root the sshd test is skipped.
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
"$top/configure" --enable-werror

jobs=$(nproc 2>/dev/null || echo 2)
make -j"$jobs"

status=0
make -j"$jobs" check || status=$?
# Show every test's own output: cmocka's summaries and the shell tests' PASS/FAIL lines.
find . -name '*.log' ! -name 'test-suite.log' ! -name 'config.log' -path './tests/*' -print0 \
  | sort -z | xargs -0 -r tail -n +1
if [ -f test-suite.log ] && [ "$status" -ne 0 ]; then cat test-suite.log; fi

if [ "$status" -eq 0 ]; then
  make -j"$jobs" distcheck || status=$?
fi

# One closing line with the number of test cases, from each test's own summary: cmocka's
# "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)" and the shell tests' "N passed, M failed".
summary() {
  find tests -name '*.log' -print0 | xargs -0 -r cat | awk '
    /^\[  PASSED  \] [0-9]+ test/ { p += $4 }
    /^\[  FAILED  \] [0-9]+ test/ { f += $4 }
    /^[0-9]+ passed, [0-9]+ failed/ { p += $1; f += $3 }
    END { printf "%d %d\n", p, f }'
}
read -r pass fail < <(summary)
# grep finds nothing when no test skipped; that must not trip pipefail.
skip=$( (grep -rh '^:test-result: SKIP' tests --include='*.trs' || true) | wc -l)
if [ "$status" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi
echo "Tests: $pass passed, $fail failed, $skip skipped"
exit "$status"
