#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Count results in a TAP (kselftest) or KTAP (KUnit) log.

  tap-count.py NAME LOG [--between BEGIN END] [--no-skip]
               [--binaries A,B,...] [--splats]

Only leaf results count: a KTAP suite line that summarises subtests is
not a test of its own. Prints each failure and one last line
"COUNTS passed failed skipped". A log in which the BEGIN/END markers or
any result are missing, or that has fewer results than its plan says,
counts as one failure and its tail is printed: a crash or a hang must
never look like success. With --no-skip a skipped test is a failure: for
logs from a machine that was set up to have everything the tests need.

--binaries: the log holds one section per test binary, opened by
"# selftests: multikernel: NAME" and closed by "MKTEST-EXIT NAME RC"
(vm/init); each binary named must have its section, a plan, exactly as
many results as its plan and exit status 0 unless it reported a failure.
Each check that fails is one more failure.

--splats: one more result, "no_kernel_splat" (and no complaint about a
log without other results): every kernel message line
in the log (the serial console, the MKDMESG dump of the host's log, the
MKSPAWN-CONSOLE sections with the spawns' consoles) is free of warnings,
oopses, BUGs, sanitizer and lockdep reports, stalls and lockups; a host
panic counts too, a spawn's panic only when it is not one a test asked
for (sysrq). In a MKKMEMLEAK section (the debug tier's kmemleak report),
a leaked object whose backtrace names our code fails it too.
"""
import re
import sys

RESULT = re.compile(r"^(\s*)(not ok|ok) (\d+)\s*(?:- )?([^#]*?)\s*(#\s*(\S+).*)?$")
PLAN = re.compile(r"^(\s*)1\.\.(\d+)\s*$")
# A failed result is shown with the comment lines before it (the
# harness's "file.c:LINE:test:Expected ..." and KUnit's "EXPECTATION
# FAILED at ..."), but not the harness's own RUN/OK/FAIL markers.
COMMENT = re.compile(r"^\s*#")
HARNESS_MARK = re.compile(
    r"^\s*#\s+(RUN|OK|FAIL|SKIP)\s|^# selftests: |^# Starting \d+ tests")
SAID_LINES = 8
TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\]\s?")


EXIT = re.compile(r"^MKTEST-EXIT (\S+) (\d+)$")
SECTION = re.compile(r"^# selftests: multikernel: (\S+)$")
KMSG = re.compile(r"^\[\s*\d+\.\d+\]")
SPLAT = re.compile(
    r"BUG:|WARNING:|Oops|general protection|KASAN|UBSAN|"
    r"possible circular locking|possible recursive locking|"
    r"inconsistent lock state|suspicious RCU usage|"
    r"rcu: INFO: .*stall|rcu_.* self-detected stall|"
    r"soft lockup|hard LOCKUP|blocked for more than \d+ seconds|"
    r"list_(add|del) corruption|Kernel panic")
# Panics the tests cause on purpose, in a spawn's console only.
SPAWN_EXPECTED = re.compile(r"Kernel panic - not syncing: sysrq triggered crash")
SPLAT_CONTEXT = 12
# kmemleak reports anyone's leaks; only ours fail (the MKKMEMLEAK dump).
KMEMLEAK_OURS = re.compile(r"\bmk_|multikernel")


def tail(lines, n=40):
    return "\n".join("    | " + l for l in lines[-n:])


# A run that hit its deadline (vm/init, mktest.deadline=) dumped what
# every task was blocked in: that says more than the log's last lines.
DEADLINE = "MKTEST-DEADLINE"
BLOCKED = re.compile(r"sysrq: Show Blocked State")
BACKTRACES = re.compile(r"sysrq: Show backtrace of all active CPUs")
DEADLINE_BEFORE = 6
KMSG_BEFORE = 15
BLOCKED_LINES = 80


def deadline_report(raw):
    """What the tests and the kernel said last, and the blocked tasks."""
    at = next((i for i, l in enumerate(raw) if DEADLINE in l), None)
    if at is None:
        return None
    out = raw[max(0, at - DEADLINE_BEFORE):at + 1]
    try:
        dump = raw.index("MKDMESG-BEGIN", at)
    except ValueError:
        dump = None
    shown = None
    if dump is not None:
        shown = next((i for i in range(dump, len(raw))
                      if BLOCKED.search(raw[i])), None)
    if shown is None:
        out.append("(no kernel log dump with blocked tasks after it)")
    else:
        cpus = next((i for i in range(shown, len(raw))
                     if BACKTRACES.search(raw[i])), len(raw))
        out += raw[max(dump + 1, shown - KMSG_BEFORE):shown]
        out += raw[shown:min(cpus, shown + BLOCKED_LINES)]
    return "\n".join("    | " + l for l in out)


def check_binaries(names, lines):
    """Per-binary sections: present, planned, complete, clean exit."""
    problems = []
    sections = {}
    current = None
    for l in lines:
        m = SECTION.match(l)
        if m:
            current = {"plan": None, "results": 0, "failed": 0, "rc": None}
            sections[m.group(1)] = current
            continue
        m = EXIT.match(l)
        if m and m.group(1) in sections:
            sections[m.group(1)]["rc"] = int(m.group(2))
            current = None
            continue
        if current is None:
            continue
        p = PLAN.match(l)
        if p and not p.group(1) and current["plan"] is None:
            current["plan"] = int(p.group(2))
        r = RESULT.match(l)
        if r and not r.group(1):
            current["results"] += 1
            if r.group(2) == "not ok":
                current["failed"] += 1
    for name in names:
        sec = sections.get(name)
        if sec is None:
            problems.append("%s: never ran" % name)
            continue
        if not sec["plan"]:
            problems.append("%s: no plan (crashed before it?)" % name)
        elif sec["results"] != sec["plan"]:
            problems.append("%s: plan of %d, %d results"
                            % (name, sec["plan"], sec["results"]))
        if sec["rc"] is None:
            problems.append("%s: no exit status (the run died in it?)" % name)
        elif sec["rc"] and not sec["failed"]:
            problems.append("%s: exit status %d with no failed result"
                            % (name, sec["rc"]))
    return problems


def find_splats(lines):
    """(line index, text) of every kernel splat in the log."""
    hits = []
    in_spawn = False
    for i, l in enumerate(lines):
        if l.startswith("MKSPAWN-CONSOLE-BEGIN"):
            in_spawn = True
            continue
        if l.startswith("MKSPAWN-CONSOLE-END"):
            in_spawn = False
            continue
        if not KMSG.match(l) or not SPLAT.search(l):
            continue
        if in_spawn and SPAWN_EXPECTED.search(l):
            continue
        hits.append(i)
    return hits


def our_leaks(raw):
    """The kmemleak reports in the MKKMEMLEAK dump that name our code."""
    try:
        start, end = raw.index("MKKMEMLEAK-BEGIN"), raw.index("MKKMEMLEAK-END")
    except ValueError:
        return []
    leaks, block = [], []
    for l in raw[start + 1:end] + ["unreferenced object"]:
        if l.startswith("unreferenced object"):
            if any(KMEMLEAK_OURS.search(b) for b in block):
                leaks.append(block)
            block = []
        block.append(l)
    return leaks


def count_splats(name, path, raw):
    """The --splats result: one pass, or one failure with the splat."""
    hits = find_splats(raw)
    for leak in our_leaks(raw):
        print("  FAIL %s: kmemleak reports our code:" % name)
        print("\n".join("    | " + l for l in leak[:SPLAT_CONTEXT]))
        print("COUNTS 0 1 0")
        return
    if "MKDMESG-END" not in raw:
        print("  FAIL %s: no kernel log dump (MKDMESG-END) in %s: the run died?"
              % (name, path))
        print("  last lines of %s:\n%s" % (path, tail(raw)))
        print("COUNTS 0 1 0")
        return
    if not hits:
        print("COUNTS 1 0 0")
        return
    print("  FAIL %s: no_kernel_splat: %d splat line(s) in %s, the first:"
          % (name, len(hits), path))
    first = hits[0]
    print("\n".join("    | " + l for l in
                    raw[max(0, first - 2):first + SPLAT_CONTEXT]))
    for i in hits[1:SPLAT_CONTEXT]:
        print("    | ... " + raw[i])
    print("COUNTS 0 1 0")


def main():
    args = sys.argv[1:]
    name, path = args[0], args[1]
    begin = end = None
    no_skip = "--no-skip" in args
    if "--between" in args:
        i = args.index("--between")
        begin, end = args[i + 1], args[i + 2]

    binaries = []
    if "--binaries" in args:
        binaries = [b for b in args[args.index("--binaries") + 1].split(",") if b]
    splats = "--splats" in args

    with open(path, errors="replace") as f:
        raw = [l.rstrip("\r\n").replace("\r", "") for l in f]
    lines = [TIMESTAMP.sub("", l) for l in raw]

    if splats:
        return count_splats(name, path, raw)

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
            # A run cut off at its deadline: not the dump after it.
            stop = next((i for i, l in enumerate(lines) if DEADLINE in l),
                        None)
            problems.append("marker %r never printed (crash or hang?)" % end)
        if start is not None:
            lines = lines[start + 1:stop]

    passed = failed = skipped = 0
    prev_indent = None
    expected = 0
    seen = 0
    said = []
    for l in lines:
        p = PLAN.match(l)
        if p and not p.group(1):
            expected += int(p.group(2))
        m = RESULT.match(l)
        if not m:
            if COMMENT.match(l) and not HARNESS_MARK.match(l):
                said = (said + [l.strip()])[-SAID_LINES:]
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
            # What the test said before it failed: its assertions.
            for w in said:
                print("    | " + w)
        said = []

    if not passed + failed + skipped:
        problems.append("no test results")
    problems += check_binaries(binaries, lines)
    if seen < expected:
        problems.append("plan announced %d top-level results, got %d"
                        % (expected, seen))
    for p in problems:
        failed += 1
        print("  FAIL %s: %s" % (name, p))
    if problems:
        report = deadline_report(raw)
        if report:
            print("  %s hit its deadline: what ran last, the kernel log"
                  " and the blocked tasks:\n%s" % (path, report))
        else:
            print("  last lines of %s:\n%s" % (path, tail(raw)))
    print("COUNTS %d %d %d" % (passed, failed, skipped))


if __name__ == "__main__":
    main()
