#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The benchmark: pam_sshotp against google-authenticator and pam_oath (and pam_permit, libpam's
# own cost), measured in one run, interleaved call by call, through the real libpam. Installs the
# competitors (and eatmydata, valgrind, strace) with apt-get, runs every phase of sshotp-bench,
# counts instructions (callgrind) and durable syncs (strace) per call, times whole logins through
# a real sshd, and writes docs/PERFORMANCE.md with the machine, the versions, the commands and
# the tables. See bench/README.md.
#
#   make bench                      the full run (writes docs/PERFORMANCE.md; its phases took 123 s
#                                   in the committed run, more on a disk with slow syncs)
#   make bench BENCH_FLAGS=--quick  a smoke run for CI (under 3 minutes; writes nothing)
#   bench/run.sh [--quick] [--output FILE]   the same, with the environment `make bench` sets
#   make bench BENCH_FLAGS='--output /tmp/perf.md'   a full run that leaves docs/ alone
#
# Exit status: 0; 1 on a functional failure (a call that returned the wrong PAM code, a failure
# or lost update of pam_sshotp under concurrency, an sshd login that failed); 2 on a setup error;
# 77 when not root. Never because of a timing.
# shellcheck disable=SC2317 # the phase functions run through phase() and per_call()
set -euo pipefail

die() {
  printf 'bench/run.sh: %s\n' "$*" >&2
  exit 2
}

quick=0
output=""
while (($#)); do
  case $1 in
    --quick) quick=1 ;;
    --output)
      (($# > 1)) || die "--output needs a file"
      output=$2
      shift
      ;;
    -h | --help)
      awk 'NR > 2 && /^#/ && !/shellcheck/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"
      exit 0
      ;;
    *) die "unknown argument: $1 (try --help)" ;;
  esac
  shift
done

: "${SSHOTP_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
for var in BENCH_DRIVER BENCH_PAM_ONCE BENCH_PAM_SHIM BENCH_ACCOUNTS PAM_SSHOTP_MODULE SSHOTP_ENROLL; do
  [[ -n ${!var:-} && -e ${!var} ]] || die "$var is not set or missing: run 'make bench'"
done
((quick)) || output=${output:-$SSHOTP_SRCDIR/docs/PERFORMANCE.md}

if [[ $(id -u) != 0 ]]; then
  echo "SKIP: the benchmark installs packages and starts sshd: it needs root"
  exit 77
fi

# --- competitors and tools ------------------------------------------------------------------

packages=(libpam-google-authenticator libpam-oath eatmydata valgrind strace)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  echo "== installing ${missing[*]}"
  apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
fi

# --- settings -------------------------------------------------------------------------------

if ((quick)); then
  latency_calls=10 cold_calls=4 sizes=100,1000 scale_calls=3 parallel_calls=64 count_calls=0
  logins=0 fsync_calls=20
  # sizes, calls of each path, contention processes, steps, probe iterations (bench/fleet.sh)
  fleet=(1000 16 "2,4" 2 3)
else
  latency_calls=200 cold_calls=40 sizes=1000,10000,100000,1000000 scale_calls=30
  parallel_calls=1000 count_calls=5 logins=20 fsync_calls=200
  fleet=("1000,1000000" 600 "2,8,32" 12 200)
fi

# The synthetic users are accounts for every driver, pam-once, valgrind and strace process from
# here on (bench/bench_accounts.cc): the module refuses names the directory does not know.
export LD_PRELOAD="$BENCH_ACCOUNTS${LD_PRELOAD:+ $LD_PRELOAD}"

# State lives on the disk under test (/var/tmp, not a tmpfs /tmp), removed at exit.
work=$(mktemp -d /var/tmp/sshotp-bench.XXXXXX) || die "mktemp failed"
trap 'rm -rf "$work"' EXIT
results="$work/results.tsv"
commands="$work/commands.txt"
: >"$results"
: >"$commands"
status=0

bench() {
  with_syslog "$BENCH_DRIVER" --work "$work/state" --module "$PAM_SSHOTP_MODULE" \
    --pam-once "$BENCH_PAM_ONCE" --results "$results" "$@"
}

# with_syslog COMMAND...: COMMAND with a syslog listener on /dev/log (bench/with-syslog.sh says
# why the timed phases need one).
with_syslog() {
  bash "$SSHOTP_SRCDIR/bench/with-syslog.sh" "$@"
}

# phase TITLE COMMAND...: runs one phase and records its command line for the report. A
# functional failure (exit 1) is remembered and the run goes on; anything else ends it.
phase() {
  local title=$1 rc=0
  shift
  echo "== $title"
  printf '%s\n' "$*" >>"$commands"
  "$@" || rc=$?
  case $rc in
    0) ;;
    1) status=1 ;;
    *) die "$title: exit status $rc" ;;
  esac
}

# per_call COUNTER ANCHOR PATH: what one call costs by COUNTER (instructions or syncs), as the
# difference between runs of 1 and 1+count_calls calls, so set-up and warm-up cancel out.
per_call() {
  local counter=$1 anchor=$2 path=$3 one many
  one=$("$counter" "$anchor" "$path" 1)
  many=$("$counter" "$anchor" "$path" $((1 + count_calls)))
  awk -v a="$one" -v b="$many" -v k="$count_calls" 'BEGIN { printf "%.1f\n", (b - a) / k }'
}

# once_argv ANCHOR PATH CALLS: the driver making CALLS calls and touching the disk for nothing
# else (sets ONCE).
once_argv() {
  ONCE=("$BENCH_DRIVER" --work "$work/once-$RANDOM" --module "$PAM_SSHOTP_MODULE" once
    --anchor "$1" --path "$2" --calls "$3")
}

instructions() {
  once_argv "$@"
  valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
    --toggle-collect='*timed_pam_call*' "${ONCE[@]}" >/dev/null 2>"$work/valgrind.err" ||
    { cat "$work/valgrind.err" >&2; die "callgrind failed: ${ONCE[*]}"; }
  awk '/^totals:/ { print $2 }' "$work/callgrind.out"
}

syncs() {
  once_argv "$@"
  strace -f -qq -c -e trace=fsync,fdatasync -o "$work/strace.out" "${ONCE[@]}" >/dev/null ||
    die "strace failed: ${ONCE[*]}"
  awk '$NF == "fsync" || $NF == "fdatasync" { n += $4 } END { print n + 0 }' "$work/strace.out"
}

count_per_call() {
  local anchor path
  for anchor in pam_sshotp google-authenticator pam_oath pam_permit; do
    for path in success wrong unenrolled; do
      [[ $anchor == pam_permit && $path != success ]] && continue
      [[ $anchor != pam_sshotp && $path == unenrolled ]] && continue
      printf 'ir\t%s\t%s\t%s\n' "$anchor" "$path" "$(per_call instructions "$anchor" "$path")" \
        >>"$results"
      printf 'syncs\t%s\t%s\t%s\n' "$anchor" "$path" "$(per_call syncs "$anchor" "$path")" \
        >>"$results"
    done
  done
  grep -E '^(ir|syncs)' "$results"
}

# --- the run --------------------------------------------------------------------------------

started=$(date +%s)
load_before=$(cut -d ' ' -f 1-3 /proc/loadavg)
phase "fsync probe" bench fsync --iterations "$fsync_calls"
phase "latency" bench latency --iterations "$latency_calls"
phase "latency without fsync (eatmydata)" \
  with_syslog env LD_PRELOAD="libeatmydata.so $LD_PRELOAD" "$BENCH_DRIVER" \
  --work "$work/state" --module "$PAM_SSHOTP_MODULE" --results "$results" \
  latency --iterations "$latency_calls" --paths success,wrong --label nosync
phase "latency, a fresh process per call" bench cold --iterations "$cold_calls"
if ((count_calls)); then
  phase "instructions (callgrind) and syncs (strace) per call" count_per_call
fi
phase "scale" bench scale --sizes "$sizes" --iterations "$scale_calls"
phase "parallel" bench parallel --workers 1,2,4,8 --calls "$parallel_calls"
phase "fleet: PostgreSQL direct and through PgBouncer, contention, where the time goes" \
  bash "$SSHOTP_SRCDIR/bench/fleet.sh" "$results" "${fleet[@]}"
if ((logins)); then
  phase "sshd end to end" bash "$SSHOTP_SRCDIR/bench/e2e.sh" "$logins" "$results"
fi
elapsed=$(($(date +%s) - started))
load_after=$(cut -d ' ' -f 1-3 /proc/loadavg)

report="$work/report.md"
"$BENCH_DRIVER" report "$results" >"$report" || die "report failed"

# --- docs/PERFORMANCE.md --------------------------------------------------------------------

machine() {
  local mount
  mount=$(findmnt -no SOURCE,FSTYPE,OPTIONS --target "$work" 2>/dev/null || echo unknown)
  echo "* CPU: $(nproc) × $(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
  echo "* memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "* kernel: $(uname -sr)"
  echo "* load average (1, 5, 15 min) before the run: $load_before; after: $load_after" \
    "(anything above 0 is other work sharing the CPUs and the disk)"
  echo "* state files: under /var/tmp, on \`$mount\`"
  local version
  version=$(git -C "$SSHOTP_SRCDIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
  # The report this run replaces does not make the build dirty. The index is refreshed first:
  # `diff --quiet` alone can count a file whose timestamps changed but whose content did not.
  if [[ $version != unknown ]]; then
    git -C "$SSHOTP_SRCDIR" update-index -q --refresh >/dev/null 2>&1 || true
    if ! git -C "$SSHOTP_SRCDIR" diff --quiet HEAD -- . ':(exclude)docs/PERFORMANCE.md'; then
      version+="-dirty (built from uncommitted changes)"
    fi
  fi
  # Only a dirty build says so: a legend printed every time read as if every run were dirty.
  echo "* pam_sshotp: $version"
  dpkg-query -W -f='* ${Package} ${Version}\n' libpam0g libpam-google-authenticator libpam-oath \
    liboath0 libsqlite3-0 libssl3 openssh-server eatmydata valgrind 2>/dev/null
}

# The commands as run, with the driver's long common options shortened.
commands_run() {
  local options="--work [^ ]* --module [^ ]*"
  sed -e "s|$BENCH_DRIVER $options --pam-once [^ ]* --results [^ ]*|sshotp-bench|" \
    -e "s|$BENCH_DRIVER $options --results [^ ]*|sshotp-bench|" \
    -e "s|^bench |sshotp-bench |" -e "s|$SSHOTP_SRCDIR/||g" -e "s|$results|RESULTS|" \
    -e "s|$BENCH_ACCOUNTS|bench_accounts.so|g" \
    -e "s|^count_per_call$|(callgrind and strace per call: see below)|" "$commands"
}

write_document() {
  cat <<EOF
# Performance

Written by \`bench/run.sh\` (\`make bench\`) on $(date -u +%Y-%m-%d), a run of ${elapsed} s. Do not
edit by hand: run it again. How the benchmark works and how to read it: bench/README.md.

## Machine and versions

$(machine)

## Commands

\`make bench\` ran these phases (\`sshotp-bench\` stands for \`bench/sshotp-bench --work DIR
--module pam_module/.libs/pam_sshotp.so --pam-once bench/pam-once --results FILE\`):

\`\`\`
$(commands_run)
\`\`\`

For the per-call counts it ran \`sshotp-bench once --anchor A --path P --calls 1\` and
\`--calls $((1 + count_calls))\` under
\`valgrind --tool=callgrind --toggle-collect='*timed_pam_call*'\` and under
\`strace -f -c -e trace=fsync,fdatasync\`, and divided the difference by $count_calls.

$(cat "$report")

## Findings

What these figures mean, and how they changed from build to build, is written up by hand in
[bench/FINDINGS.md](../bench/FINDINGS.md), not by this run.
EOF
}

if [[ -n $output ]]; then
  mkdir -p "$(dirname "$output")"
  write_document >"$output"
  echo "== wrote $output"
fi
cat "$report"
if ((status)); then
  echo "bench/run.sh: FUNCTIONAL FAILURE (see the messages above)" >&2
fi
exit "$status"
