#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The cgroup freezer against the setuid sshotp-enroll (see "SECURITY MODEL" in
# sshotp-enroll(8) and enroll/setuid/cgroup_guard.h). A throwaway user owns a delegated cgroup, as
# systemd hands user@UID.service over (the directory and its cgroup.procs, cgroup.freeze,
# cgroup.subtree_control and cgroup.threads chowned; in a v1 freezer hierarchy, if mounted, the
# directory, cgroup.procs, tasks and freezer.state). sshotp-enroll enroll starts inside it,
# stdin from a FIFO, and waits at the code prompt. The user then closes the FIFO (the abort
# withdraws the pending key in a write transaction) and freezes their cgroups a few hundred
# microseconds later, in rounds with varied delays, as the review did. The process sits in the
# root-owned refuge only while it is root (inside a store call): at the prompt it is back in the
# user's cgroups, which each round checks, so the user may freeze it there, holding nothing.
# Each round checks that a login through libpam and the built module meanwhile gets its answer
# at once, not PAM_AUTHINFO_UNAVAIL after busy_timeout_ms, and that the abort finishes (exit 3)
# once thawed. Before the fix the process stayed frozen (inside the transaction, in some rounds,
# with every login failing). The last case checks deterministically, with root holding the
# store's lock until the test releases it, that the process is in the refuge during its store
# call (in cgroup v1 even after the user moved it back at the prompt) and back afterwards.
# Like test_selfservice.sh: a private mount namespace with tmpfs over /etc/security and
# /var/lib, a setuid copy, the user removed and the cgroups thawed and removed on every exit
# path. Needs root and a cgroup2 mount with cgroup.freeze (Linux 5.2): exit 77 else.

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"

ROUNDS=${SSHOTP_FREEZE_ROUNDS:-20}  # attack rounds per case
# A loaded 2-core CI machine, under ASan in a second stage: generous margins. busy_timeout_ms is
# set to 10000 below, so a login waiting for a frozen lock takes 10 s; anything under 5 s did not.
DEADLINE_MS=8000     # for the abort to finish
SLOW_LOGIN_MS=5000

setuid_namespace_or_skip "$0" "$@"

# The mount of each hierarchy's whole tree (mount root "/"): cgroup2, and a v1 freezer.
CG2=$(awk '$4 == "/" && / - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
FZ=$(awk '$4 == "/" && / - cgroup / && $NF ~ /(^|,)freezer(,|$)/ { print $5; exit }' \
  /proc/self/mountinfo)
if [ -z "$CG2" ] || [ ! -w "$CG2/cgroup.procs" ]; then
  echo "SKIP: no writable cgroup2 mount here"
  exit 77
fi

setup_work
DELEGATED="$CG2/sshotp-test-freeze-$$"
DELEGATED_V1="${FZ:+$FZ/sshotp-test-freeze-$$}"
# A v1 memory cgroup with only memory.oom_control handed over (OOM killer off plus a limit near
# usage hangs the process): no fixed list of "dangerous" files would name it.
MEM=$(awk '$4 == "/" && / - cgroup / && $NF ~ /(^|,)memory(,|$)/ { print $5; exit }' \
  /proc/self/mountinfo)
DELEGATED_MEM="${MEM:+$MEM/sshotp-test-freeze-$$}"
IN_MEM=""  # set while the victim was started in DELEGATED_MEM
thaw() {
  [ -d "$DELEGATED" ] && echo 0 >"$DELEGATED/cgroup.freeze" 2>/dev/null
  [ -n "$DELEGATED_V1" ] && [ -d "$DELEGATED_V1" ] &&
    echo THAWED >"$DELEGATED_V1/freezer.state" 2>/dev/null
  return 0
}
cleanup() {
  thaw
  # The victim, the attacker and the locker, whichever is still running on this path.
  for pid in "${VPID:-}" "${apid:-}" "${lpid:-}"; do
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  # Emptied first: rmdir fails on a cgroup with a (zombie-free) member; retried briefly.
  for dir in "$DELEGATED" $DELEGATED_V1 $DELEGATED_MEM; do
    tries=0
    while [ -d "$dir" ] && ! rmdir "$dir" 2>/dev/null && [ "$tries" -lt 50 ]; do
      sleep 0.1
      tries=$((tries + 1))
    done
    [ -d "$dir" ] && echo "cleanup: could not remove $dir" >&2
  done
  # The refuges: removed when no other sshotp-enroll is in them (rmdir refuses otherwise).
  for top in "$CG2" $FZ $MEM; do rmdir "$top/sshotp-enroll" 2>/dev/null; done
  remove_setuid_fixture
}
trap cleanup EXIT
trap 'exit 99' INT TERM HUP
add_test_user "sshotp-cg$$"

# The delegated cgroups, handed over as systemd does (Delegate=yes).
mkdir "$DELEGATED" || exit 99
if [ ! -e "$DELEGATED/cgroup.freeze" ]; then
  echo "SKIP: this kernel's cgroup2 cannot freeze (Linux 5.2 or later needed)"
  exit 77
fi
chown "$TUSER:$TUSER" "$DELEGATED" "$DELEGATED/cgroup.procs" "$DELEGATED/cgroup.freeze" \
  "$DELEGATED/cgroup.subtree_control" "$DELEGATED/cgroup.threads" || exit 99
if [ -n "$DELEGATED_V1" ]; then
  mkdir "$DELEGATED_V1" && chown "$TUSER:$TUSER" "$DELEGATED_V1" "$DELEGATED_V1/cgroup.procs" \
    "$DELEGATED_V1/tasks" "$DELEGATED_V1/freezer.state" || exit 99
fi
if [ -n "$DELEGATED_MEM" ]; then
  mkdir "$DELEGATED_MEM" && chown "$TUSER" "$DELEGATED_MEM/memory.oom_control" || exit 99
fi

private_default_paths sshotp-cgroup
pam_service sshotp-cgroup "$CONF" || exit 99
# root is enrolled (a private store: nothing real), for the logins that must write the store;
# the failures they count must not lock it out within the test.
if ! printf 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n' | "$ENROLL" import root >/dev/null 2>&1 ||
  ! printf 'max_failures = 100\nbusy_timeout_ms = 10000\n' >>"$CONF"; then
  echo "cannot set up the store"
  exit 99
fi
# The attacker's corner: their FIFO and the files the rounds signal through.
ATT="$WORK/att"
mkdir "$ATT" && mkfifo "$ATT/fifo" && chown -R "$TUSER:$TUSER" "$ATT" || exit 99

# The attacker, as the user: holds the FIFO open for writing, waits for the go file (the victim's
# pid in it), optionally moves the victim into a cgroup of theirs, closes the FIFO, spins for
# DELAY_US and freezes. Prints what the move did.
# shellcheck disable=SC2016  # Python
ATTACKER='
import os, sys, time
att, delay_us, move = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fd = os.open(att + "/fifo", os.O_RDWR)
open(att + "/ready", "w").close()
while not os.path.exists(att + "/go"):
    time.sleep(0.002)
pid = open(att + "/go").read().strip()
if move:
    try:
        with open(move, "w") as f:
            f.write(pid)
        print("moved back")
    except OSError as e:
        print("move refused:", e.strerror)
os.close(fd)
end = time.perf_counter() + delay_us / 1e6
while time.perf_counter() < end:
    pass
for spec in sys.argv[4:]:
    path, value = spec.split("=", 1)
    with open(path, "w") as f:
        f.write(value)
'

# where_is: the victim's cgroup v2 and (if mounted) v1 freezer paths, into $where.
where_is() {
  where=$(grep -E '^0::|:freezer:|:memory:' "/proc/$VPID/cgroup" 2>/dev/null | tr '\n' ' ')
}
# Positive checks: every line read, and each one in the right place (an unreadable
# /proc/PID/cgroup passes neither).
in_users_cgroups() {
  where_is
  case $where in *"0::/sshotp-test-freeze-$$"*) ;; *) return 1 ;; esac
  [ -z "$DELEGATED_V1" ] || case $where in *":freezer:/sshotp-test-freeze-$$"*) ;; *) return 1 ;; esac
  [ -z "$IN_MEM" ] || case $where in *":memory:/sshotp-test-freeze-$$"*) ;; *) return 1 ;; esac
}
in_refuge() {
  where_is
  case $where in *"0::/sshotp-enroll "*) ;; *) return 1 ;; esac
  [ -z "$DELEGATED_V1" ] || case $where in *":freezer:/sshotp-enroll "*) ;; *) return 1 ;; esac
  [ -z "$IN_MEM" ] || case $where in *":memory:/sshotp-enroll "*) ;; *) return 1 ;; esac
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_for TEST MS: polls the shell condition TEST every 10 ms, for up to MS milliseconds.
wait_for() {
  until_ms=$(($(now_ms) + $2))
  while ! eval "$1"; do
    [ "$(now_ms)" -lt "$until_ms" ] || return 1
    sleep 0.01
  done
}

gone() { # the victim exited (a zombie until waited for) or is no more
  state=$(sed 's/.*) //' "/proc/$VPID/stat" 2>/dev/null | cut -d' ' -f1)
  [ -z "$state" ] || [ "$state" = Z ]
}

# One round: the victim starts in the user's cgroups (moved there by its root parent, the way
# systemd starts user@UID.service), the attacker closes the FIFO and freezes after DELAY_US.
# Sets round_failure (empty: all well) and login_ms.
attack_round() {
  delay_us=$1 move=$2
  round_failure="" login_ms=0
  rm -f "$ATT/ready" "$ATT/go"
  set -- "$DELEGATED/cgroup.freeze=1"
  [ -n "$DELEGATED_V1" ] && set -- "$@" "$DELEGATED_V1/freezer.state=FROZEN"
  setpriv --reuid="$TUSER" --regid="$TUSER" --init-groups "$PY" -c "$ATTACKER" "$ATT" \
    "$delay_us" "$move" "$@" >"$WORK/attacker" 2>&1 &
  apid=$!
  # shellcheck disable=SC2016  # wait_for evaluates it
  wait_for '[ -e "$ATT/ready" ]' 5000 ||
    { round_failure="the attacker did not start"; kill "$apid"; return; }
  # shellcheck disable=SC2016  # the inner shell expands these
  setsid /bin/sh -c 'echo $$ >"$1/cgroup.procs" && { [ -z "$2" ] || echo $$ >"$2/cgroup.procs"; } &&
    exec setpriv --reuid="$3" --regid="$3" --init-groups "$4" enroll --qr=none' victim \
    "$DELEGATED" "$DELEGATED_V1" "$TUSER" "$SUID_ENROLL" <"$ATT/fifo" >"$WORK/out" \
    2>"$WORK/err" &
  VPID=$!
  # shellcheck disable=SC2016
  if ! wait_for 'grep -q "Code from your authenticator app" "$WORK/out"' 5000; then
    round_failure="no code prompt"
  else
    # (a) At the prompt, as the user, it is back in the user's cgroups (not in the refuge).
    in_users_cgroups || round_failure="not back in the user's cgroups at the prompt: $where"
  fi
  echo "$VPID" >"$ATT/go.new" && chmod 644 "$ATT/go.new" && mv "$ATT/go.new" "$ATT/go"
  wait "$apid"
  # (c) A login while the user's cgroups are frozen, counting a wrong code: a write.
  start=$(now_ms)
  pam_login sshotp-cgroup root 000000
  login_ms=$(($(now_ms) - start))
  if [ "$rc" -ne 7 ]; then
    round_failure="${round_failure:+$round_failure; }login: PAM code $rc after $login_ms ms"
  elif [ "$login_ms" -ge "$SLOW_LOGIN_MS" ]; then
    round_failure="${round_failure:+$round_failure; }login took $login_ms ms"
  fi
  # (b) The abort may finish while they stay frozen (frozen in its store call it is not: it is
  # in the refuge then), or be frozen before or after it, holding nothing: then it finishes
  # once thawed.
  if wait_for gone 300; then finished_frozen=$((finished_frozen + 1)); fi
  thaw
  if wait_for gone "$DEADLINE_MS"; then
    rc=0
    wait "$VPID" || rc=$?
    [ "$rc" -eq 3 ] ||
      round_failure="${round_failure:+$round_failure; }exit $rc: $(tr '\n' ' ' <"$WORK/err")"
  else  # let it go, so that the next round starts clean
    round_failure="${round_failure:+$round_failure; }still not finished after a thaw"
    kill -9 "$VPID" 2>/dev/null
    wait "$VPID" 2>/dev/null
  fi
  VPID=""
}

# ROUNDS rounds with the freeze 0, 50, 100 ... microseconds after EOF; [MOVE]: the cgroup.procs
# the attacker first moves the victim back into.
attack_rounds() {
  move=${1:-}
  ok=0 bad=0 slowest=0 finished_frozen=0
  round=0
  while [ "$round" -lt "$ROUNDS" ]; do
    attack_round $((round * 50)) "$move"
    [ "$login_ms" -gt "$slowest" ] && slowest=$login_ms
    if [ -z "$round_failure" ]; then
      ok=$((ok + 1))
    else
      bad=$((bad + 1))
      note "round $round (freeze $((round * 50)) us after EOF): $round_failure"
    fi
    round=$((round + 1))
  done
  moved=""
  [ -n "$move" ] && moved="; moving it back: $(cat "$WORK/attacker")"
  note "$ok of $ROUNDS rounds held; slowest login $slowest ms; $finished_frozen aborts finished" \
    "while frozen$moved"
  [ "$bad" -eq 0 ] && expect_no_pending
}

# Holds the store's write lock from printing "locked" until the file argv[2] appears (30 s at
# most, should the test die without cleanup reaching it).
# shellcheck disable=SC2016  # Python
LOCKER='
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
end = time.monotonic() + 30
while not os.path.exists(sys.argv[2]) and time.monotonic() < end:
    time.sleep(0.01)
db.execute("ROLLBACK")
'

# Deterministic, where the rounds above depend on timing: at the prompt the process is in the
# user's cgroups (and in v1 the user moves it back into theirs anyway); the user closes the FIFO
# while root holds the store's lock, so that the abort waits inside its store call. There it
# must be in the refuge of every hierarchy, for as long as the lock is held; afterwards back.
store_call_in_refuge() {
  rm -f "$ATT/ready" "$ATT/go" "$WORK/release"
  setpriv --reuid="$TUSER" --regid="$TUSER" --init-groups "$PY" -c "$ATTACKER" "$ATT" 0 \
    "${DELEGATED_V1:+$DELEGATED_V1/cgroup.procs}" >"$WORK/attacker" 2>&1 &
  apid=$!
  # shellcheck disable=SC2016
  wait_for '[ -e "$ATT/ready" ]' 5000 || { note "the attacker did not start"; return 1; }
  IN_MEM=$DELEGATED_MEM
  # shellcheck disable=SC2016
  setsid /bin/sh -c 'echo $$ >"$1/cgroup.procs" && { [ -z "$2" ] || echo $$ >"$2/cgroup.procs"; } &&
    { [ -z "$5" ] || echo $$ >"$5/cgroup.procs"; } &&
    exec setpriv --reuid="$3" --regid="$3" --init-groups "$4" enroll --qr=none' victim \
    "$DELEGATED" "$DELEGATED_V1" "$TUSER" "$SUID_ENROLL" "$DELEGATED_MEM" <"$ATT/fifo" \
    >"$WORK/out" 2>"$WORK/err" &
  VPID=$!
  # shellcheck disable=SC2016
  wait_for 'grep -q "Code from your authenticator app" "$WORK/out"' 5000 ||
    { note "no code prompt"; return 1; }
  in_users_cgroups || { note "at the prompt, not in the user's cgroups: $where"; return 1; }
  note "at the prompt: $where"
  "$PY" -c "$LOCKER" "$DB" "$WORK/release" >"$WORK/locker" &
  lpid=$!
  # shellcheck disable=SC2016
  wait_for 'grep -q locked "$WORK/locker"' 5000 || { note "no lock"; return 1; }
  echo "$VPID" >"$ATT/go.new" && chmod 644 "$ATT/go.new" && mv "$ATT/go.new" "$ATT/go"
  wait "$apid"
  apid=""
  if [ -n "$DELEGATED_V1" ]; then
    grep -q "moved back" "$WORK/attacker" || { note "the user could not move it back"; return 1; }
  fi
  # It reads EOF and enters its store call, where it waits for the lock (busy_timeout_ms 10 s).
  wait_for in_refuge 5000 || { note "not in the refuge in its store call: $where"; return 1; }
  # Root now (real uid too), so the user cannot move it back: v2 needs the root cgroup's
  # cgroup.procs for the common ancestor, v1 a uid of the process's.
  for procs in "$DELEGATED/cgroup.procs" ${DELEGATED_V1:+"$DELEGATED_V1/cgroup.procs"}; do
    # shellcheck disable=SC2016  # the inner shell expands these
    if setpriv --reuid="$TUSER" --regid="$TUSER" --init-groups /bin/sh -c 'echo "$1" >"$2"' \
      mover "$VPID" "$procs" 2>/dev/null; then
      note "the user moved it back through $procs during its store call"
      return 1
    fi
  done
  sleep 0.3
  in_refuge || { note "left the refuge while still waiting for the lock: $where"; return 1; }
  note "in its store call: $where"
  : >"$WORK/release"
  wait "$lpid"
  lpid=""
  rc=0
  wait "$VPID" || rc=$?
  VPID=""
  expect_rc 3
}

# --------------------------------------------------------------------------------------------

run_case "freezing the user's cgroups ($ROUNDS rounds) stalls neither the abort nor a login" \
  attack_rounds
if [ -n "$DELEGATED_V1" ]; then
  # v1 lets the user move it back while it acts as them; it leaves again when it becomes root.
  run_case "moved back into the user's v1 freezer cgroup at the prompt, no login waits" \
    attack_rounds "$DELEGATED_V1/cgroup.procs"
else
  skip_case "v1 freezer" "no cgroup v1 freezer hierarchy mounted"
fi
run_case "in the refuge during its store call, unmovable by the user; else in the user's" \
  store_call_in_refuge

finish
