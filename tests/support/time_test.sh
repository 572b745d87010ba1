#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# time_test.sh PROGRAM [ARG...]: runs PROGRAM (a test, through the Makefile's LOG_COMPILER) and
# ends its log with one line saying how long it took. CI has a time budget: run-tests.sh lists
# the slowest tests of each stage from these lines, so the next cut is chosen on figures.
set -u
started=$(date +%s%N)
"$@"
rc=$?
echo "time_test.sh: took $((($(date +%s%N) - started) / 1000000)) ms"
exit "$rc"
