#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# The include rules that keep the three parts separable, checked on every `make check` so that a
# stray #include cannot quietly couple them:
#   - common/ (the core, linked into both) includes only common/;
#   - pam_module/ and enroll/ never include each other (the module must not pull in the setuid
#     CLI's code, nor the CLI the module's);
#   - inside enroll/, a folder includes only its own files and the layers below it (ENROLL_LAYERS):
#     the setuid code and the migration parsers nothing above common/ (but the one-constant
#     program_name.h), the command-line frame (cli/) none of the commands, and no command folder
#     another one at its own level; a folder missing from ENROLL_LAYERS is itself a violation;
#   - common/postgresql/ (the PostgreSQL store plugin, linked with libpq) is included only by its
#     own files, tests/ and bench/ (whose probe times the store's own statements): the core loads
#     the plugin at run time (common/store_plugin.h), so nothing a SQLite host runs may depend on
#     its code;
#   - bench/ and tests/ may include anything;
#   - no include cycle between units, a unit being x.h with x.cc: a cycle means neither side can
#     be understood, tested or moved without the other.
# Project headers are included as "common/x.h", "pam_module/x.h", "enroll/x.h". The same path in
# <...> counts too (-I$(top_srcdir) resolves it), and a path with ".." is refused outright: it
# could name any folder while looking like another. Every C/C++ file is read, whatever its
# ending. Before the tree, the script checks itself on small made-up trees (self_test), so that
# a rule that stopped biting fails here rather than passing quietly. Prints one line per
# violation, then "N passed, M failed". Needs SSHOTP_SRCDIR (set by `make check`).
import os
import re
import sys
import tempfile

PARTS = ("common", "pam_module", "enroll", "bench", "tests")
SOURCE_ENDINGS = (".h", ".hh", ".hpp", ".c", ".cc", ".cpp", ".cxx", ".inc", ".ipp", ".tcc")
QUOTED = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
ANGLED = re.compile(r'^\s*#\s*include\s+<([^>]+)>')
# What each production part may include; a part not listed may include anything.
ALLOWED = {
    "common": ("common",),
    "pam_module": ("common", "pam_module"),
    "enroll": ("common", "enroll"),
}
# enroll/'s layers, lowest first. A file in one of these folders (the longest match) may include
# common/, its own folder and any folder of a lower layer. The files directly in enroll/ (main.cc,
# the command table) are the top and may include all of them; program_name.h is a leaf with one
# constant that everything may include.
ENROLL_LAYERS = (
    ("enroll/setuid", "enroll/migrate/parsers"),
    ("enroll/cli",),
    ("enroll/qr",),
    ("enroll/enrollment",),
    ("enroll/admin", "enroll/database", "enroll/import", "enroll/migrate", "enroll/sshd"),
)
ENROLL_LEAF = "enroll/program_name.h"
# The plugin's folder, and who may include its files besides itself.
PLUGIN = "common/postgresql"
PLUGIN_USERS = ("tests", "bench")


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
        return None  # the top of the CLI (unknown folders are reported by unknown_enroll_folder)
    theirs = enroll_folder(target)
    if theirs is None:
        return f'{mine[0]}/ must not include "{target}" (above every layer)'
    if theirs[0] == mine[0] or theirs[1] < mine[1]:
        return None
    return f'{mine[0]}/ must not include "{target}" (not a lower layer)'


def unknown_enroll_folder(rel):
    """A file in an enroll/ subfolder that ENROLL_LAYERS does not place: no rule would hold it."""
    return rel.count("/") > 1 and enroll_folder(rel) is None


def sources(srcdir):
    for part in PARTS:
        for root, dirs, files in os.walk(os.path.join(srcdir, part)):
            dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
            for name in sorted(files):
                if name.endswith(SOURCE_ENDINGS):
                    path = os.path.join(root, name)
                    yield os.path.relpath(path, srcdir).replace(os.sep, "/")


def includes(srcdir, rel):
    """(line number, target, quoted) of each project include; <...> only when it names a part."""
    with open(os.path.join(srcdir, rel), encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            m = QUOTED.match(line)
            if m:
                yield number, m.group(1), True
                continue
            m = ANGLED.match(line)
            if m and m.group(1).split("/")[0] in PARTS:
                yield number, m.group(1), False


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


def file_violations(srcdir, rel, graph):
    """The rules one file breaks; adds its includes to the unit graph."""
    part = rel.split("/")[0]
    found = []
    if part == "enroll" and unknown_enroll_folder(rel):
        found.append(f"{rel}: enroll/{rel.split('/')[1]}/ is not in ENROLL_LAYERS")
    for number, target, _quoted in includes(srcdir, rel):
        where = f"{rel}:{number}"
        if ".." in target.split("/"):
            found.append(f'{where}: "{target}" climbs with "..": name the part directly')
            continue
        target_part = target.split("/")[0]
        if target_part not in PARTS:
            # A quoted include outside the project layout ("x.h") hides which part it belongs
            # to; only tests/ and bench/ may use them (for generated files).
            if part in ALLOWED:
                found.append(f'{where}: "{target}" is not a "part/x.h" project include')
            continue
        if part in ALLOWED and target_part not in ALLOWED[part]:
            found.append(f'{where}: {part}/ must not include "{target}"')
        if (target.startswith(PLUGIN + "/") and not rel.startswith(PLUGIN + "/")
                and part not in PLUGIN_USERS):
            found.append(f'{where}: only {PLUGIN}/, tests/ and bench/ may include "{target}" (a plugin)')
        if part == "enroll" and target_part == "enroll":
            why = enroll_violation(rel, target)
            if why:
                found.append(f"{where}: {why}")
        if unit(target) != unit(rel):
            graph.setdefault(unit(rel), set()).add(unit(target))
    return found


def check_tree(srcdir):
    """(files that kept the rules, one line per violation)."""
    passed, lines, graph = 0, [], {}
    for rel in sources(srcdir):
        found = file_violations(srcdir, rel, graph)
        lines += found
        passed += not found
    lines += ["include cycle: " + " -> ".join(c) for c in find_cycles(graph)]
    return passed, lines


# Each case: files of a made-up tree, and a piece of the violation it must produce (None: the
# tree is clean). One case per rule, so that loosening any rule fails the self-test.
SELF_TEST = (
    ({"common/a.h": '#include "common/b.h"\n', "common/b.h": ""}, None),
    ({"common/a.cc": '#include "enroll/cli/x.h"\n'}, 'common/ must not include "enroll/cli/x.h"'),
    ({"common/a.cc": "#include <pam_module/x.h>\n"}, 'common/ must not include "pam_module/x.h"'),
    ({"pam_module/a.cc": '#include "enroll/x.h"\n'}, 'pam_module/ must not include "enroll/x.h"'),
    ({"enroll/x.cc": '#include "pam_module/a.h"\n'}, 'enroll/ must not include "pam_module/a.h"'),
    ({"enroll/setuid/p.cc": '#include "enroll/setuid/../cli/s.h"\n'}, 'climbs with ".."'),
    ({"enroll/setuid/p.cc": '#include "enroll/cli/s.h"\n'}, "not a lower layer"),
    ({"enroll/setuid/p.cc": '#include "enroll/program_name.h"\n'}, None),
    ({"enroll/migrate/parsers/g.cc": '#include "enroll/migrate/m.h"\n'}, "not a lower layer"),
    ({"enroll/admin/a.cc": '#include "enroll/sshd/d.h"\n'}, "not a lower layer"),
    ({"enroll/import/i.cc": '#include "enroll/enrollment/s.h"\n'}, None),
    ({"enroll/cli/o.cc": '#include "enroll/command_table.h"\n'}, "above every layer"),
    ({"enroll/fleet/f.cc": ""}, "enroll/fleet/ is not in ENROLL_LAYERS"),
    ({"enroll/migrate/parsers/x.inc": '#include "enroll/cli/s.h"\n'}, "not a lower layer"),
    ({"enroll/main.cc": '#include "x.h"\n'}, 'is not a "part/x.h" project include'),
    ({"common/a.h": '#include "common/b.h"\n', "common/b.h": '#include "common/a.h"\n'},
     "include cycle"),
    ({"tests/t.cc": '#include "enroll/sshd/d.h"\n#include "x.h"\n'}, None),
    ({"common/f.cc": '#include "common/postgresql/p.h"\n'}, "(a plugin)"),
    ({"pam_module/a.cc": '#include "common/postgresql/p.h"\n'}, "(a plugin)"),
    ({"common/postgresql/q.cc": '#include "common/postgresql/p.h"\n#include "common/s.h"\n'},
     None),
    ({"tests/postgresql/t.cc": '#include "common/postgresql/p.h"\n'}, None),
    ({"bench/probe.cc": '#include "common/postgresql/p.h"\n'}, None),
    ({"enroll/database/x.cc": '#include "common/postgresql/p.h"\n'}, "(a plugin)"),
)


def self_test():
    """Lines describing each case the rules got wrong; empty when all hold."""
    wrong = []
    for files, expected in SELF_TEST:
        with tempfile.TemporaryDirectory() as tree:
            for rel, text in files.items():
                os.makedirs(os.path.join(tree, os.path.dirname(rel)), exist_ok=True)
                with open(os.path.join(tree, rel), "w", encoding="utf-8") as f:
                    f.write(text)
            _, lines = check_tree(tree)
        hit = any(expected in line for line in lines) if expected else not lines
        if not hit:
            wrong.append(f"self-test: {sorted(files)} expected {expected or 'no violation'}, "
                         f"got {lines or 'none'}")
    return wrong


def main():
    srcdir = os.environ.get("SSHOTP_SRCDIR")
    if not srcdir:
        print("SSHOTP_SRCDIR is not set", file=sys.stderr)
        return 99
    wrong = self_test()
    for line in wrong:
        print(line)
    if not wrong:
        print(f"self-test: {len(SELF_TEST)} made-up trees judged right")
    passed, lines = check_tree(srcdir)
    for line in lines:
        print(line)
    failed = len(lines) + len(wrong)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
