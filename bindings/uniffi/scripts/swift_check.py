"""The Swift checks that need no Swift toolchain.

1. Every .swift file under the given directories parses with zero ERROR and zero MISSING
   nodes under tree-sitter-swift.
2. Every `uniffi_*`/`ffi_*` symbol the Swift code calls is declared in the C header and
   defined by the native library (`nm -D --defined-only`), and every function the header
   declares exists in the library.

usage: swift_check.py --lib LIB --header HEADER DIR [DIR ...]
Exits 1 on any failure; prints one summary line per check.
"""
import argparse
import pathlib
import re
import subprocess
import sys

import tree_sitter_swift
from tree_sitter import Language, Parser

args = argparse.ArgumentParser()
args.add_argument("--lib", required=True)
args.add_argument("--header", required=True)
args.add_argument("dirs", nargs="+")
opts = args.parse_args()

parser = Parser(Language(tree_sitter_swift.language()))
# Not SwiftPM's build directories (.build: generated test runners, kept between stagings).
files = sorted(
    {p for d in opts.dirs for p in pathlib.Path(d).rglob("*.swift") if ".build" not in p.relative_to(d).parts}
)
if not files:
    sys.exit("swift: no .swift files found in " + " ".join(opts.dirs))

# tree-sitter cannot evaluate `#if`: a `#if swift(>=5.8)` block holding only attributes
# (uniffi-bindgen emits `@_documentation(visibility: private)` that way) splits an
# attribute from its declaration, which the grammar rejects although Swift accepts it.
# Resolve such blocks the way every Swift this package supports (>= 5.9, Package.swift)
# does: keep the attributes. Lines are kept, so positions stay right.
ATTRIBUTE_ONLY_IF = re.compile(
    r"^[ \t]*#if swift\(>=5\.[0-8]\)[ \t]*\n((?:[ \t]*@[^\n]*\n)+)[ \t]*#endif[ \t]*$", re.MULTILINE
)
resolved = 0


def resolve(text):
    global resolved

    def keep(m):
        global resolved
        resolved += 1
        return "\n" + m.group(1)  # the `#if` and `#endif` lines become blank lines

    return ATTRIBUTE_ONLY_IF.sub(keep, text)


problems = []
for path in files:
    tree = parser.parse(resolve(path.read_text()).encode())
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            kind = "MISSING" if node.is_missing else "ERROR"
            problems.append(f"{path}:{node.start_point[0] + 1}:{node.start_point[1] + 1}: {kind} {node.type}")
        if node.has_error or node.is_missing:
            stack.extend(node.children)
for p in problems[:50]:
    print(p)
print(f"swift parse: {len(files)} files, {len(problems)} error/missing nodes "
      f"({resolved} attribute-only `#if swift(>=5.x)` blocks resolved as Swift >= 5.9 does)")

header = pathlib.Path(opts.header).read_text()
declared = set(re.findall(r"\b((?:uniffi|ffi)_[A-Za-z0-9_]+)\s*\(", header))
swift_text = "\n".join(p.read_text() for p in files)
called = set(re.findall(r"\b((?:uniffi|ffi)_kontext_mgmt_[A-Za-z0-9_]+)\b", swift_text))
nm = subprocess.run(["nm", "-D", "--defined-only", opts.lib], check=True, capture_output=True, text=True).stdout
defined = {line.split()[-1] for line in nm.splitlines() if line.strip()}

undeclared = sorted(called - declared)
missing = sorted((called | declared) - defined)
for s in undeclared:
    print(f"called from Swift but not in the header: {s}")
for s in missing:
    print(f"not defined in {opts.lib}: {s}")
print(f"swift symbols: {len(called)} called from Swift, {len(declared)} declared in the header, "
      f"{len(undeclared)} undeclared, {len(missing)} missing from the library")
if not called:
    problems.append("the Swift sources call no FFI symbol: wrong files?")
sys.exit(1 if problems or undeclared or missing else 0)
