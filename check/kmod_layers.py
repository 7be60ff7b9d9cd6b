#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""kmod_layers.py OBJDIR: the module's files call each other without a circle.

Reads the symbols each kmod/*.o defines and uses (nm), draws an edge
A -> B when A uses a symbol B defines, and fails, naming the circle, if
the graph has one.  Prints the files bottom layer first: every file only
uses files printed before it.  Exit 0 clean, 1 a circle, 2 usage.
"""
import pathlib
import subprocess
import sys


def symbols(obj):
    out = subprocess.run(["nm", str(obj)], capture_output=True, text=True,
                         check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBRG":
            defined.add(parts[2])
    return defined, used


def main():
    if len(sys.argv) != 2:
        print("usage: kmod_layers.py OBJDIR (the build's kmod/)", file=sys.stderr)
        return 2
    objs = sorted(pathlib.Path(sys.argv[1]).glob("*.o"))
    objs = [o for o in objs if not o.name.endswith(".mod.o")]
    if not objs:
        print(f"kmod_layers.py: no objects in {sys.argv[1]}", file=sys.stderr)
        return 2
    owner, uses = {}, {}
    for o in objs:
        d, u = symbols(o)
        for s in d:
            owner[s] = o.stem
        uses[o.stem] = u
    deps = {f: sorted({owner[s] for s in u if s in owner and owner[s] != f})
            for f, u in uses.items()}

    order, state = [], {}

    def visit(f, path):
        if state.get(f) == "done":
            return None
        if state.get(f) == "open":
            return path[path.index(f):] + [f]
        state[f] = "open"
        for d in deps[f]:
            circle = visit(d, path + [f])
            if circle:
                return circle
        state[f] = "done"
        order.append(f)
        return None

    for f in sorted(deps):
        circle = visit(f, [])
        if circle:
            print("dependency circle: " + " -> ".join(c + ".c" for c in circle))
            return 1
    for f in order:
        print(f"{f}.c uses: {' '.join(d + '.c' for d in deps[f]) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
