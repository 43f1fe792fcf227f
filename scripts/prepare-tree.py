#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn an unpacked linux-source-6.12 into the multikernel tree.

  prepare-tree.py TARBALL TREE

1. Unpacks TARBALL into TREE if TREE does not hold a kernel yet.
2. Applies patches/series, quilt-style. What is applied is remembered in
   TREE/.multikernel/; when the series changes, only the patches from the
   first difference on are reverted and re-applied, so untouched files keep
   their timestamps and make rebuilds only what changed. A patch that does
   not apply stops everything and shows the failing hunk.
3. Adds the MULTIKERNEL section of ./MAINTAINERS to TREE/MAINTAINERS.
4. Copies the overlay (our new files, at their in-tree paths) on top,
   writing only files whose content differs (modes are kept in step),
   and deletes files that left the overlay. An overlay file must not
   exist in the pristine tree: changes to existing files belong in
   patches/.
"""
import os
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OVERLAY_DIRS = ["Documentation", "arch", "drivers", "include", "kernel",
                "lib", "tools"]
STATE = ".multikernel"


def die(msg):
    sys.exit("prepare-tree: " + msg)


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def write(path, data, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


def extract(tarball, tree):
    """Replace @tree with a fresh copy of the tarball's top directory."""
    if os.path.exists(tree):
        shutil.rmtree(tree)
    os.makedirs(tree)
    subprocess.run(["tar", "-C", tree, "--strip-components=1", "-xf",
                    tarball], check=True)


def unpack(tarball, tree):
    print("prepare-tree: unpacking %s" % tarball)
    extract(tarball, tree)
    os.makedirs(os.path.join(tree, STATE, "applied"))


def run_patch(tree, patch, reverse=False):
    args = ["patch", "-p1", "--batch", "--no-backup-if-mismatch", "-d", tree,
            "-i", patch]
    args.append("-R" if reverse else "--forward")
    dry = subprocess.run(args + ["--dry-run"], capture_output=True, text=True)
    if dry.returncode:
        return dry.stdout + dry.stderr
    subprocess.run(args + ["--quiet"], check=True)
    return None


def wanted_series():
    pdir = os.path.join(REPO, "patches")
    names = [l.split("#")[0].strip()
             for l in read(os.path.join(pdir, "series")).splitlines()]
    return [(n, read(os.path.join(pdir, n))) for n in names if n]


def applied_series(tree):
    adir = os.path.join(tree, STATE, "applied")
    sfile = os.path.join(adir, "series")
    if not os.path.exists(sfile):
        return []
    return [(n, read(os.path.join(adir, n))) for n in read(sfile).split()]


def record_series(tree, series):
    adir = os.path.join(tree, STATE, "applied")
    for n in os.listdir(adir):
        os.unlink(os.path.join(adir, n))
    for n, text in series:
        write(os.path.join(adir, n), text)
    write(os.path.join(adir, "series"), "".join(n + "\n" for n, _ in series))


def apply_series(tree):
    want, have = wanted_series(), applied_series(tree)
    common = 0
    while common < min(len(want), len(have)) and want[common] == have[common]:
        common += 1
    adir = os.path.join(tree, STATE, "applied")
    for i in range(len(have) - 1, common - 1, -1):
        name = have[i][0]
        print("prepare-tree: reverting %s" % name)
        err = run_patch(tree, os.path.join(adir, name), reverse=True)
        if err:
            return False
        record_series(tree, have[:i])
    for i in range(common, len(want)):
        name = want[i][0]
        print("prepare-tree: applying %s" % name)
        err = run_patch(tree, os.path.join(REPO, "patches", name))
        if err:
            sys.stderr.write(err)
            die("patches/%s does not apply to the 6.12 tree (see above)"
                % name)
        record_series(tree, want[:i + 1])
    return True


def maintainers_text(orig, section):
    """Return MAINTAINERS text @orig with @section inserted in order."""
    section = section.strip("\n") + "\n\n"
    title = section.splitlines()[0]
    lines = orig.splitlines(keepends=True)
    # Sections are blank-line separated, each starting with an all-caps
    # title; insert ours before the first title that sorts after it.
    pos = None
    for i in range(1, len(lines)):
        if lines[i - 1] == "\n" and lines[i][:1].isupper() and \
                i + 1 < len(lines) and lines[i + 1][:2] in ("M:", "R:",
                                                           "L:", "S:"):
            if lines[i].rstrip("\n").upper() > title:
                pos = i
                break
    if pos is None:
        die("cannot find where the MAINTAINERS section goes")
    return "".join(lines[:pos]) + section + "".join(lines[pos:])


def maintainers(tree):
    orig = os.path.join(tree, STATE, "MAINTAINERS.orig")
    target = os.path.join(tree, "MAINTAINERS")
    if not os.path.exists(orig):
        shutil.copyfile(target, orig)
    data = maintainers_text(read(orig), read(os.path.join(REPO, "MAINTAINERS")))
    if read(target) != data:
        write(target, data)


def overlay_files():
    files = []
    for top in OVERLAY_DIRS:
        base = os.path.join(REPO, top)
        for root, _, names in os.walk(base):
            for n in names:
                rel = os.path.relpath(os.path.join(root, n), REPO)
                files.append(rel)
    return sorted(files)


def overlay(tree):
    listfile = os.path.join(tree, STATE, "overlay.list")
    old = set(read(listfile).split()) if os.path.exists(listfile) else set()
    new = overlay_files()
    for rel in new:
        src, dst = os.path.join(REPO, rel), os.path.join(tree, rel)
        data = read(src, "rb")
        if os.path.exists(dst):
            if rel not in old:
                die("%s exists in the 6.12 tree: change it with a patch in "
                    "patches/, not through the overlay" % rel)
            if read(dst, "rb") == data:
                shutil.copymode(src, dst)  # a mode-only change
                continue
        write(dst, data, "wb")
        shutil.copymode(src, dst)
    for rel in sorted(old - set(new)):
        dst = os.path.join(tree, rel)
        if os.path.exists(dst):
            os.unlink(dst)
    write(listfile, "".join(r + "\n" for r in new))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: prepare-tree.py TARBALL TREE")
    tarball, tree = sys.argv[1], sys.argv[2]
    if not os.path.exists(os.path.join(tree, STATE, "applied")):
        unpack(tarball, tree)
    if not apply_series(tree):
        print("prepare-tree: old patches do not revert cleanly; starting over")
        unpack(tarball, tree)
        apply_series(tree)
    maintainers(tree)
    overlay(tree)


if __name__ == "__main__":
    main()
