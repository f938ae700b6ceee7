#!/usr/bin/env python3
"""Run the worked example of docs/src/contributors/adding-a-kind.md: add its kind to a copy of
the repository exactly as the page says, and check that the page is right.

The page marks its blocks with an HTML comment just before the fence:
  <!-- worked-example: write PATH -->            the block is the whole file (by hand)
  <!-- worked-example: append PATH -->           the block goes at the end of the file (by hand)
  <!-- worked-example: insert PATH after: TEXT -->   after the one line that is TEXT (by hand)
  <!-- worked-example: insert PATH before: TEXT -->  before the one line starting TEXT
                                                      (by hand)
  <!-- worked-example: generated PATH -->        each line of the block is a line of PATH once
                                                 the generator has run
  <!-- worked-example: changes -->               every file that differs from the repository's
                                                 afterwards, one per line: no more, no fewer

In the copy (target/worked-example/tree: the repository's tracked and untracked-but-not-ignored
files as they are now) it writes the by-hand blocks, runs `cargo run -p xtask -- generate`,
checks the generated blocks (in order, and new) and the list of changes, then runs the core's
golden tests (the new kind's golden file must be among those checked), `xtask check` and
scripts/check-docs.py, and type-checks the function's tests (`cargo check --tests`).

Everything builds in the repository's own target directory, reusing the dependencies built there:
the copy's core and function packages are given a version of their own first, so that their
artifacts, and those of the packages built on them, have names of their own there. (A binary the
copy builds, `target/debug/xtask`, is put back by cargo on the repository's next build of it.)
Cargo runs offline: scripts/test.sh runs this after clippy, which has fetched every dependency.
Standard library only. Exit status 1, saying what is wrong, when the page and the code disagree,
or when the page lacks a `changes` block, a `generated` block or a golden file.
"""

import os
import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs/src/contributors/adding-a-kind.md"
WORK = ROOT / "target/worked-example"
TREE = WORK / "tree"
NODE_MODULES = "test-tools/authz/node_modules"

MARKER = re.compile(r"^<!-- worked-example: (.*?) -->$")
FENCE = re.compile(r"^(```+|~~~+)")


def fail(message):
    print(f"worked-example: {message}", file=sys.stderr)
    sys.exit(1)


def blocks(text):
    """(marker, block text, line number) for every marked block of the page."""
    lines = text.split("\n")
    found = []
    i = 0
    while i < len(lines):
        marker = MARKER.match(lines[i].strip())
        if not marker:
            if "worked-example:" in lines[i] and "<!--" in lines[i]:
                fail(f"{PAGE.relative_to(ROOT)}:{i + 1}: a marker not in the form "
                     f"`<!-- worked-example: ... -->` alone on its line")
            i += 1
            continue
        start = i + 1
        while start < len(lines) and not lines[start].strip():
            start += 1
        fence = FENCE.match(lines[start]) if start < len(lines) else None
        if not fence:
            fail(f"{PAGE.relative_to(ROOT)}:{i + 1}: a marker with no code block after it")
        end = start + 1
        while end < len(lines) and not lines[end].startswith(fence.group(1)):
            end += 1
        if end == len(lines):
            fail(f"{PAGE.relative_to(ROOT)}:{start + 1}: a code block that never closes")
        found.append((marker.group(1), "\n".join(lines[start + 1:end]) + "\n", i + 1))
        i = end + 1
    return found


def repository_files():
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")
    return sorted(p for p in listed if p and (ROOT / p).is_file())


def snapshot(tree):
    """Every file of the copy (not the linked node_modules) and its bytes."""
    files = {}
    for dirpath, dirnames, filenames in os.walk(tree):
        dirnames[:] = [d for d in dirnames if not (pathlib.Path(dirpath) / d).is_symlink()]
        for name in filenames:
            path = pathlib.Path(dirpath) / name
            files[path.relative_to(tree).as_posix()] = path.read_bytes()
    return files


def one_line(lines, path, matches, what):
    hits = [n for n, line in enumerate(lines) if matches(line.strip())]
    if len(hits) != 1:
        fail(f"{path}: {len(hits)} lines {what}; the page needs exactly one")
    return hits[0]


def apply(action, block, line):
    """Writes one by-hand block into the copy; returns its path."""
    verb, _, rest = action.partition(" ")
    if verb == "write":
        path = TREE / rest
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(block)
    elif verb == "append":
        path = TREE / rest
        path.write_text(path.read_text() + block)
    elif verb == "insert":
        where = re.match(r"(\S+) (after|before): (.*)$", rest)
        if not where:
            fail(f"line {line}: cannot read {action!r}")
        rest, side, anchor = where.groups()
        path = TREE / rest
        lines = path.read_text().split("\n")
        if side == "after":
            at = one_line(lines, rest, lambda l: l == anchor.strip(), f"are {anchor!r}") + 1
        else:
            at = one_line(lines, rest, lambda l: l.startswith(anchor.strip()), f"start {anchor!r}")
        lines[at:at] = block.rstrip("\n").split("\n")
        path.write_text("\n".join(lines))
    return rest


def run(command, cwd, target_dir, quiet=True):
    env = dict(os.environ, CARGO_TARGET_DIR=str(target_dir))
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        fail(f"in the copy, `{' '.join(command)}` failed")
    return result.stdout


VERBS = ("write", "append", "insert", "generated", "changes")
BY_HAND = ("write", "append", "insert")
GOLDEN_DIR = "core/tests/golden/"
# The copy's own packages get this version for the type-check in the repository's target
# directory: cargo names a path package's artifacts by its path in the workspace, its name and
# its version, so without it the copy's would take the repository's own places there.
COPY_VERSION = "0.0.0-worked-example"
# The repository's own target directory: the copy reuses every dependency built there.
TARGET = ROOT / "target"


def give_own_versions():
    """The copy's core and function packages get `COPY_VERSION`, and its Cargo.lock follows,
    before anything is compared: their artifacts (and so those of everything built on them) then
    have names of their own in the shared target directory."""
    for manifest in ("Cargo.toml", "core/Cargo.toml"):
        path = TREE / manifest
        text, count = re.subn(r'(?m)^version = "[^"]*"$', f'version = "{COPY_VERSION}"',
                              path.read_text(), count=1)
        if count != 1:
            fail(f"{manifest} has no version line to change in the copy")
        path.write_text(text)
    subprocess.run(["cargo", "metadata", "--offline", "-q", "--format-version", "1"], cwd=TREE,
                   check=True, stdout=subprocess.DEVNULL)


def check_markers(marked):
    """Every marker is one the script knows, and the page has what it must have."""
    page = PAGE.relative_to(ROOT)
    verbs = [action.split(" ")[0] for action, _, _ in marked]
    for (action, _, line), verb in zip(marked, verbs):
        if verb not in VERBS:
            fail(f"{page}:{line}: unknown marker {action!r} (known: {', '.join(VERBS)})")
    if verbs.count("changes") != 1:
        fail(f"{page} needs exactly one `changes` block, has {verbs.count('changes')}")
    if "generated" not in verbs:
        fail(f"{page} shows nothing the generator writes (no `generated` block)")
    if not golden_files(marked):
        fail(f"{page} writes no golden file (no `write {GOLDEN_DIR}NAME.json` block)")


def golden_files(marked):
    """The golden files the page writes, by name."""
    return [action.split(" ", 1)[1][len(GOLDEN_DIR):] for action, _, _ in marked
            if action.startswith(f"write {GOLDEN_DIR}") and action.endswith(".json")]


def lines_of(data):
    return [line.strip() for line in data.decode().split("\n")]


def in_order(wanted, have):
    """Whether `wanted` are lines of `have` in this order (others may come between)."""
    at = 0
    for line in wanted:
        try:
            at = have.index(line, at) + 1
        except ValueError:
            return False
    return True


def main():
    marked = blocks(PAGE.read_text())
    check_markers(marked)

    if TREE.exists():
        shutil.rmtree(TREE)
    for relative in repository_files():
        destination = TREE / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, destination)
    if (ROOT / NODE_MODULES).is_dir():
        (TREE / NODE_MODULES).symlink_to(ROOT / NODE_MODULES)
    give_own_versions()
    before = snapshot(TREE)

    by_hand = [apply(action, block, line) for action, block, line in marked
               if action.split(" ")[0] in BY_HAND]
    # What the generator must have written is new after the edits by hand, not only after the copy.
    edited = snapshot(TREE)
    run(["cargo", "run", "--offline", "-q", "-p", "xtask", "--", "generate"], TREE, TARGET)

    after = snapshot(TREE)
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    problems = []
    for action, block, line in marked:
        verb, _, path = action.partition(" ")
        if verb == "generated":
            wanted = [l.strip() for l in block.split("\n") if l.strip()]
            have = lines_of(after.get(path, b""))
            if path in by_hand:
                problems.append(f"line {line}: {path} is written by hand above, not generated")
            elif not in_order(wanted, have):
                problems.append(f"line {line}: {path} lacks these lines, in this order: {wanted}")
            elif edited.get(path) is not None and in_order(wanted, lines_of(edited[path])):
                problems.append(f"line {line}: {path} had these lines before the generator ran")
        elif verb == "changes":
            listed = set(filter(None, (l.strip() for l in block.split("\n"))))
            for path in sorted(changed - listed):
                problems.append(f"line {line}: {path} changed, but the page does not say so")
            for path in sorted(listed - changed):
                problems.append(f"line {line}: the page says {path} changes; it did not")
    if problems:
        fail("the page and the code disagree:\n  " + "\n  ".join(problems))

    golden = run(["cargo", "test", "--offline", "-p", "ecs-iam-roles-core", "--test", "golden",
                  "--", "--nocapture"], TREE, TARGET)
    names = golden_files(marked)
    for name in names:
        if f"checked {name}" not in golden:
            fail(f"the golden tests did not check {GOLDEN_DIR}{name} in the copy")
    run(["cargo", "run", "--offline", "-q", "-p", "xtask", "--", "check"], TREE, TARGET)
    run(["python3", "scripts/check-docs.py"], TREE, TARGET)
    run(["cargo", "check", "--offline", "-q", "-p", "ecs-iam-roles", "--tests"], TREE, TARGET)
    generated = sorted(changed - set(by_hand))
    print(f"worked-example: {len(set(by_hand))} files by hand, {len(generated)} generated; "
          f"golden file {', '.join(names)} checked; xtask check, the links and the function's "
          f"tests (type-checked) pass in the copy")


if __name__ == "__main__":
    main()
