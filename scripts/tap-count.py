#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count results in a TAP (kselftest) or KTAP (KUnit) log.

  tap-count.py NAME LOG [--between BEGIN END] [--no-skip]

Only leaf results count: a KTAP suite line that summarises subtests is
not a test of its own. Prints each failure and one last line
"COUNTS passed failed skipped". A log in which the BEGIN/END markers or
any result are missing, or that has fewer results than its plan says,
counts as one failure and its tail is printed: a crash or a hang must
never look like success. With --no-skip a skipped test is a failure: for
logs from a machine that was set up to have everything the tests need.
"""
import re
import sys

RESULT = re.compile(r"^(\s*)(not ok|ok) (\d+)\s*(?:- )?([^#]*?)\s*(#\s*(\S+).*)?$")
PLAN = re.compile(r"^(\s*)1\.\.(\d+)\s*$")
TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\]\s?")


def tail(lines, n=40):
    return "\n".join("    | " + l for l in lines[-n:])


def main():
    args = sys.argv[1:]
    name, path = args[0], args[1]
    begin = end = None
    no_skip = "--no-skip" in args
    if "--between" in args:
        i = args.index("--between")
        begin, end = args[i + 1], args[i + 2]

    with open(path, errors="replace") as f:
        raw = [l.rstrip("\r\n").replace("\r", "") for l in f]
    lines = [TIMESTAMP.sub("", l) for l in raw]

    problems = []
    if begin is not None:
        try:
            start = lines.index(begin)
        except ValueError:
            start = None
            problems.append("marker %r never printed" % begin)
        try:
            stop = lines.index(end)
        except ValueError:
            stop = None
            problems.append("marker %r never printed (crash or hang?)" % end)
        if start is not None:
            lines = lines[start + 1:stop]

    passed = failed = skipped = 0
    prev_indent = None
    expected = 0
    seen = 0
    for l in lines:
        p = PLAN.match(l)
        if p and not p.group(1):
            expected += int(p.group(2))
        m = RESULT.match(l)
        if not m:
            continue
        indent = len(m.group(1).expandtabs())
        if not indent:
            seen += 1
        is_parent = prev_indent is not None and prev_indent > indent
        prev_indent = indent
        if is_parent:
            continue
        directive = (m.group(6) or "").upper()
        if directive == "SKIP" and no_skip:
            failed += 1
            print("  FAIL %s: %s skipped, but this run provides what it needs: %s"
                  % (name, m.group(4).strip(), m.group(5)))
        elif directive == "SKIP":
            skipped += 1
        elif m.group(2) == "ok":
            passed += 1
        else:
            failed += 1
            print("  FAIL %s: %s" % (name, m.group(4).strip()))

    if not passed + failed + skipped:
        problems.append("no test results")
    if seen < expected:
        problems.append("plan announced %d top-level results, got %d"
                        % (expected, seen))
    for p in problems:
        failed += 1
        print("  FAIL %s: %s" % (name, p))
    if problems:
        print("  last lines of %s:\n%s" % (path, tail(raw)))
    print("COUNTS %d %d %d" % (passed, failed, skipped))


if __name__ == "__main__":
    main()
