# SPDX-License-Identifier: BSD-3-Clause
# The pseudo-terminal half of tests/cli/test_selfservice.sh: a user other than root runs the
# setuid copy of sshotp-enroll through pexpect, and this script (root) looks at the process, the
# store and logins (pam_login.py) while it waits. Codes come from pyotp, the URI is parsed by
# enroll_session.py's checks. The user's current secret and recovery codes are kept in
# WORK/secret and WORK/codes (mode 0600) between steps, never in argv.
# Steps:
#   first       the user's first enrollment, in a hostile setting (umask 000, an inherited
#               descriptor, odd TZ/TMPDIR/OPENSSL_CONF and PG* variables): while it waits for
#               the code, the process runs as the user with saved uid 0, has closed the
#               descriptor, cannot be inspected by the user and holds the SQLite store open (or
#               no PostgreSQL connection); a wrong code, then the right one, enrolls.
#   pending     re-enrollment with a recovery code as proof: while the new key waits for its
#               code, status shows "pending since" and the old secret still logs in; afterwards
#               the old secret and the old recovery codes are refused and the new secret works.
#   fresh-code  prints a code of WORK/secret that is neither a replay nor outside the window
#               (waiting for the next time step if need be).
# Prints "ok:"/"not ok:" lines; exits 0 only if every check held.
import argparse
import os
import pwd
import re
import subprocess
import sys
import time

import pexpect
import pyotp

sys.dont_write_bytecode = True  # no __pycache__ in the source tree (distcheck, CI's git status)
import session_common  # noqa: E402
from enroll_session import (SHOWN_CODE, check_uri, type_right_code,  # noqa: E402
                            wrong_code_for)
from session_common import PROMPT, check  # noqa: E402
from store_rows import POSTGRESQL, other_client_sessions, row_of  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PROOF_PROMPT = "Current code from your authenticator app, or a recovery code: "
PAM_SUCCESS, PAM_AUTH_ERR = 0, 7
PENDING_LINE = re.compile(r"^pending since: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", re.M)


def save_factor(work, secret, codes):
    os.umask(0o077)
    with open(os.path.join(work, "secret"), "w") as f:
        f.write(secret + "\n")
    with open(os.path.join(work, "codes"), "w") as f:
        f.write("".join(code + "\n" for code in codes))


def load_factor(work):
    with open(os.path.join(work, "secret")) as f:
        secret = f.read().strip()
    with open(os.path.join(work, "codes")) as f:
        codes = f.read().split()
    return pyotp.TOTP(secret), codes


def fresh_code(totp, db, user):
    """A code of the earliest step after the last accepted one, once it is inside the window."""
    while True:
        now_step = int(time.time()) // totp.interval
        step = max(now_step, row_of(db, user)[4] + 1)
        if step <= now_step + 1:  # the default window accepts one step either side
            return totp.at(step * totp.interval)
        time.sleep(1)


def login(args, code):
    """One login through libpam and the built module; returns the PAM result."""
    done = subprocess.run([sys.executable, os.path.join(HERE, "pam_login.py"), args.pam_confdir,
                           args.service, args.user], input=code + "\n", capture_output=True,
                          text=True, check=False)
    return done.returncode


def root_status(args):
    return subprocess.run([args.root_enroll, "status", args.user], capture_output=True,
                          text=True, check=False)


def spawn_as_user(args, setup="", extra=(), env=None):
    """The setuid copy as the user, on a pseudo-terminal; `setup` runs in the shell first."""
    script = setup + 'exec setpriv --reuid="$1" --regid="$2" --init-groups "$3" enroll --qr=none'
    return pexpect.spawn("/bin/sh", ["-c", script, "sh", args.user, args.group, args.enroll,
                                     *extra], encoding="utf-8", timeout=30,
                         dimensions=(60, 200), env=env)


def check_process(pid, args, inherited):
    """What the caller could reach while the process waits at a prompt with the store open."""
    uid = pwd.getpwnam(args.user).pw_uid
    with open(f"/proc/{pid}/status") as f:
        status = f.read()
    ids = re.search(r"^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", status, re.M)
    check(ids and ids.groups() == (str(uid), str(uid), "0", str(uid)),
          "waiting for the code, it acts as the user (real/effective/fs uid), saved uid 0",
          ids.group(0) if ids else "no Uid line")
    targets = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            targets.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass
    check(inherited not in targets, "a descriptor the caller left open was closed")
    if args.db == POSTGRESQL:
        # A connection held across the prompt would be one a user keeps open at will, for every
        # host of the fleet: each lasts one transaction.
        sessions = other_client_sessions()
        check(sessions == 0, "no connection to the database is held at the prompt",
              f"{sessions} client sessions")
    else:
        check(args.db in targets, "the store is open meanwhile", " ".join(targets))
    peek = subprocess.run(["setpriv", f"--reuid={args.user}", f"--regid={args.group}",
                           "--init-groups", "ls", f"/proc/{pid}/fd"], capture_output=True,
                          check=False)
    check(peek.returncode != 0, "the user cannot list its descriptors")


def first(args):
    inherited = os.path.join(args.work, "inherited")
    open(inherited, "w").close()
    # libpq reads PG* variables; a setuid process must not let the caller's reach it.
    env = dict(os.environ, TZ=":/etc/shadow", TMPDIR="/nonexistent",
               SQLITE_TMPDIR="/nonexistent", OPENSSL_CONF="/nonexistent/openssl.cnf",
               PGHOST="/nonexistent", PGSSLMODE="disable", PGSERVICEFILE="/etc/shadow",
               PGPASSFILE="/etc/shadow", PGOPTIONS="-c default_transaction_read_only=on")
    child = spawn_as_user(args, 'umask 000; exec 7<"$4"; ', [inherited], env)
    child.expect_exact(PROMPT)
    screen = child.before.replace("\r\n", "\n")
    check(PROOF_PROMPT not in screen, "a first enrollment asks for no proof")
    check_process(child.pid, args, inherited)
    uri, totp = check_uri(screen, args.user, args.issuer)
    if not uri:
        return
    child.sendline(wrong_code_for(totp))
    child.expect_exact("not right")
    child.expect_exact(PROMPT)
    tail = type_right_code(child, totp, args.db, args.user)
    save_factor(args.work, totp.secret, SHOWN_CODE.findall(tail))


def pending(args):
    old, old_codes = load_factor(args.work)
    before = row_of(args.db, args.user)
    child = spawn_as_user(args)
    child.expect_exact(PROOF_PROMPT)
    child.sendline(old_codes[0])
    child.expect_exact(PROMPT)
    screen = child.before.replace("\r\n", "\n")
    check("old one keeps working" in screen, "the user is told the old key works until confirmed")
    uri, new = check_uri(screen, args.user, args.issuer)
    if not uri:
        return
    status = root_status(args)
    check(status.returncode == 0 and "state: active" in status.stdout and
          PENDING_LINE.search(status.stdout), "status shows the active enrollment, pending since",
          status.stdout + status.stderr)
    check(row_of(args.db, args.user)[3] == before[3], "the active secret is unchanged meanwhile")
    check(login(args, fresh_code(old, args.db, args.user)) == PAM_SUCCESS,
          "the old secret still logs in while the new one is pending")
    tail = type_right_code(child, new, args.db, args.user)
    check(not PENDING_LINE.search(root_status(args).stdout), "nothing is pending any more")
    check(login(args, fresh_code(old, args.db, args.user)) == PAM_AUTH_ERR,
          "the old secret is refused once the new one is confirmed")
    check(login(args, old_codes[1]) == PAM_AUTH_ERR, "an old recovery code is refused")
    check(login(args, fresh_code(new, args.db, args.user)) == PAM_SUCCESS,
          "the new secret logs in")
    save_factor(args.work, new.secret, SHOWN_CODE.findall(tail))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=["first", "pending", "fresh-code"])
    ap.add_argument("--enroll", help="the setuid copy")
    ap.add_argument("--root-enroll", help="sshotp-enroll for root's own checks")
    ap.add_argument("--user", required=True)
    ap.add_argument("--group")
    ap.add_argument("--db", required=True, help=f"the SQLite file, or {POSTGRESQL}")
    ap.add_argument("--work", required=True)
    ap.add_argument("--issuer")
    ap.add_argument("--pam-confdir")
    ap.add_argument("--service")
    args = ap.parse_args()
    if args.step == "fresh-code":
        print(fresh_code(load_factor(args.work)[0], args.db, args.user))
        return 0
    {"first": first, "pending": pending}[args.step](args)
    return 1 if session_common.failures else 0


if __name__ == "__main__":
    sys.exit(main())
