#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# The include rules that keep the three parts separable, checked on every `make check` so that a
# stray #include cannot quietly couple them:
#   - common/ (the core, linked into both) includes only common/;
#   - pam_module/ and enroll/ never include each other (the module must not pull in the setuid
#     CLI's code, nor the CLI the module's);
#   - inside enroll/, a folder includes only its own files and the layers below it (ENROLL_LAYERS):
#     the setuid code and the migration parsers nothing above common/, the command-line frame
#     (cli/) none of the commands, and no command folder another one at its own level;
#   - bench/ and tests/ may include anything;
#   - no include cycle between units, a unit being x.h with x.cc: a cycle means neither side can
#     be understood, tested or moved without the other.
# Project headers are included as "common/x.h", "pam_module/x.h", "enroll/x.h"; <...> includes
# are the system's and not looked at. Prints one line per violation, then "N passed, M failed"
# (N files or units that kept the rules, M violations). Needs SSHOTP_SRCDIR (set by `make check`).
import os
import re
import sys

PARTS = ("common", "pam_module", "enroll", "bench", "tests")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
# What each production part may include; a part not listed may include anything.
ALLOWED = {
    "common": ("common",),
    "pam_module": ("common", "pam_module"),
    "enroll": ("common", "enroll"),
}


# enroll/'s layers, lowest first. A file in one of these folders (the longest match) may include
# common/, its own folder and any folder of a lower layer; main.cc, in enroll/ itself, may
# include all of them. program_name.h is a leaf with one constant that everything may include.
ENROLL_LAYERS = (
    ("enroll/setuid", "enroll/migrate/parsers"),
    ("enroll/cli",),
    ("enroll/qr",),
    ("enroll/enrollment",),
    ("enroll/admin", "enroll/import", "enroll/migrate", "enroll/sshd"),
)
ENROLL_LEAF = "enroll/program_name.h"


def enroll_folder(path):
    """The ENROLL_LAYERS folder `path` is in (the longest match), with its layer; or None."""
    best = None
    for layer, folders in enumerate(ENROLL_LAYERS):
        for folder in folders:
            if path.startswith(folder + "/") and (best is None or len(folder) > len(best[0])):
                best = (folder, layer)
    return best


def enroll_violation(rel, target):
    """Why `rel` (in enroll/) must not include `target` (in enroll/), or None."""
    if target == ENROLL_LEAF:
        return None
    mine = enroll_folder(rel)
    if mine is None:
        return None  # main.cc and the leaf header: the top of the CLI
    theirs = enroll_folder(target)
    if theirs is None:
        return f"{mine[0]}/ must not include \"{target}\" (above every layer)"
    if theirs[0] == mine[0] or theirs[1] < mine[1]:
        return None
    return f"{mine[0]}/ must not include \"{target}\" (not a lower layer)"


def sources(srcdir):
    for part in PARTS:
        for root, dirs, files in os.walk(os.path.join(srcdir, part)):
            dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
            for name in sorted(files):
                if name.endswith((".h", ".cc")):
                    path = os.path.join(root, name)
                    yield os.path.relpath(path, srcdir)


def includes(srcdir, rel):
    with open(os.path.join(srcdir, rel), encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                yield number, m.group(1)


def unit(rel):
    return os.path.splitext(rel)[0]


def find_cycles(graph):
    """The cycles a depth-first search meets, each once: at least one whenever there is one."""
    cycles, seen, state = [], set(), {}
    stack = []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycle = stack[stack.index(nxt):]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    cycles.append(cycle + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def main():
    srcdir = os.environ.get("SSHOTP_SRCDIR")
    if not srcdir:
        print("SSHOTP_SRCDIR is not set", file=sys.stderr)
        return 99
    passed, failed = 0, 0
    graph = {}
    for rel in sources(srcdir):
        part = rel.split(os.sep)[0]
        ok = True
        for number, target in includes(srcdir, rel):
            target_part = target.split("/")[0]
            if target_part not in PARTS:
                # A quoted include outside the project layout ("x.h", "../x.h") hides which
                # part it belongs to; only tests/ and bench/ may use them (for generated files).
                if part in ALLOWED:
                    print(f'{rel}:{number}: "{target}" is not a "part/x.h" project include')
                    ok = False
                continue
            if part in ALLOWED and target_part not in ALLOWED[part]:
                print(f'{rel}:{number}: {part}/ must not include "{target}"')
                ok = False
            if part == "enroll" and target_part == "enroll":
                why = enroll_violation(rel.replace(os.sep, "/"), target)
                if why:
                    print(f"{rel}:{number}: {why}")
                    ok = False
            if unit(target) != unit(rel):
                graph.setdefault(unit(rel), set()).add(unit(target))
        passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
    cycles = find_cycles(graph)
    for cycle in cycles:
        print("include cycle: " + " -> ".join(cycle))
    failed += len(cycles)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
