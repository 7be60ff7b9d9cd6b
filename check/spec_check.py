#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host-side check that the YNL spec and the UAPI header describe one ABI.

Validates Documentation/netlink/specs/smtpguard.yaml against the kernel's
genetlink-legacy schema, then compares every command, attribute and enum
value of the spec with the numbers the C compiler assigns in
include/uapi/linux/smtpguard.h, checks that every command and attribute of
the header is in the spec too, and that the multicast groups agree.  Prints
KTAP lines; exit 1 on a mismatch.

usage: spec_check.py KERNEL_SOURCE_DIR
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(TOP, "Documentation/netlink/specs/smtpguard.yaml")
HEADER_DIR = os.path.join(TOP, "include/uapi")

results = []


def check(ok, desc):
    results.append(ok)
    print(f"{'ok' if ok else 'not ok'} {len(results)} spec: {desc}")


def c_name(*parts):
    return "_".join(p.replace("-", "_").upper().strip("_") for p in parts)


def header_values(names):
    """Ask the compiler for the value of each enum name in the header."""
    src = "#include <stdio.h>\n#include <linux/smtpguard.h>\nint main(void)\n{\n"
    for n in names:
        src += f'\tprintf("%s %ld\\n", "{n}", (long){n});\n'
    src += "\treturn 0;\n}\n"
    with tempfile.TemporaryDirectory() as tmp:
        c = os.path.join(tmp, "v.c")
        exe = os.path.join(tmp, "v")
        with open(c, "w") as f:
            f.write(src)
        r = subprocess.run(["cc", "-I", HEADER_DIR, "-o", exe, c],
                           capture_output=True, text=True)
        if r.returncode:
            return None, r.stderr.strip().splitlines()[0]
        out = subprocess.run([exe], capture_output=True, text=True).stdout
    return {k: int(v) for k, v in (line.split() for line in out.splitlines())}, None


def main():
    ksrc = sys.argv[1]
    print("TAP version 13")
    with open(SPEC) as f:
        spec = yaml.safe_load(f)

    import jsonschema
    with open(os.path.join(ksrc, "Documentation/netlink/genetlink-legacy.yaml")) as f:
        schema = yaml.safe_load(f)
    try:
        jsonschema.validate(spec, schema)
        check(True, "validates against the genetlink-legacy schema")
    except jsonschema.ValidationError as e:
        check(False, f"schema violation: {e.message}")

    expected = {}
    ops = spec["operations"]
    # Commands and attributes count from 1 unless a "value" says otherwise.
    for prefix, items in [(ops["name-prefix"], ops["list"])] + \
            [(a["name-prefix"], a["attributes"]) for a in spec["attribute-sets"]]:
        val = 1
        for item in items:
            val = item.get("value", val)
            expected[c_name(prefix, item["name"])] = val
            val += 1
    for d in spec["definitions"]:
        if d["type"] == "enum":
            val = d.get("value-start", 0)
            for e in d["entries"]:
                name = e["name"] if isinstance(e, dict) else e
                expected[c_name("smtpguard", d["name"], name)] = val
                val += 1
        elif d["type"] == "flags":
            bit = d.get("value-start", 0)
            for e in d["entries"]:
                name = e["name"] if isinstance(e, dict) else e
                expected[c_name("smtpguard", d["name"], name)] = 1 << bit
                bit += 1
        elif d["type"] == "const":
            expected[c_name("smtpguard", d["name"])] = d["value"]
    expected["SMTPGUARD_GENL_VERSION"] = spec.get("version", 1)

    got, err = header_values(sorted(expected))
    if got is None:
        check(False, f"header lacks a name the spec has: {err}")
    else:
        bad = [f"{n}: spec {v}, header {got[n]}" for n, v in expected.items() if got[n] != v]
        check(not bad, "every command, attribute and enum value matches the header"
              + ("" if not bad else " (" + "; ".join(bad) + ")"))

    # The other way round: a command or attribute the spec lacks.
    with open(os.path.join(HEADER_DIR, "linux/smtpguard.h")) as f:
        text = f.read()
    in_header = set()
    for body in re.findall(r"enum\s+smtpguard_\w+\s*\{(.*?)\}", text, re.S):
        body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
        for name in re.findall(r"^\s*(SMTPGUARD_\w+)", body, re.M):
            if not name.endswith(("_UNSPEC", "_MAX")):
                in_header.add(name)
    missing = sorted(in_header - set(expected))
    check(not missing, "every enum name of the header is in the spec"
          + ("" if not missing else " (missing: " + ", ".join(missing) + ")"))

    groups = {c_name("smtpguard", "mcgrp", g["name"]): g["name"]
              for g in spec.get("mcast-groups", {}).get("list", [])}
    defined = dict(re.findall(r'#define\s+(SMTPGUARD_MCGRP_\w+)\s+"([^"]*)"', text))
    check(groups == defined, "the multicast groups match the header"
          + ("" if groups == defined else f" (spec {groups}, header {defined})"))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
