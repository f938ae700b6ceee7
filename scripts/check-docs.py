#!/usr/bin/env python3
"""Check the links of README.md and the book (docs/): every relative link names a file that
exists and every #anchor a heading of that file; every page of the book is in its SUMMARY.md;
and no page of the book links outside docs/src (the built book would have no such page).

Headings become anchors as GitHub and mdBook both make them: the text without markup,
lowercased, spaces as hyphens, anything but letters, digits, '-' and '_' dropped. Links inside
code (fenced blocks, `spans`) are not links. Standard library only; run with python3 from
anywhere. Exit status 1, each broken link named by file and line, when anything is wrong.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BOOK = ROOT / "docs"
SRC = BOOK / "src"

INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
HTML_ID = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")
FENCE = re.compile(r"^\s{0,3}(```+|~~~+)")
EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def lines_outside_fences(text):
    """(line number, line) of every line outside fenced code blocks, as it is."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        marker = FENCE.match(line)
        if fence:
            if marker and marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence):
                fence = None
            continue
        if marker:
            fence = marker.group(1)
            continue
        yield number, line


def lines_outside_code(text):
    """(line number, line) of every line outside fenced code blocks, inline code blanked."""
    for number, line in lines_outside_fences(text):
        yield number, re.sub(r"(`+)(.+?)\1", lambda m: " " * len(m.group(0)), line)


def slug(heading):
    text = re.sub(r"\{#([^}]+)\}\s*$", "", heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link: its text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.replace("`", "")
    out = []
    for ch in text.strip().lower():
        if ch.isalnum() or ch in "-_":
            out.append(ch)
        elif ch.isspace():
            out.append("-")
    return "".join(out)


_anchors = {}


def anchors(path):
    """The anchors a page has: its headings' slugs (repeats numbered -1, -2, … as both
    renderers do), explicit {#id} attributes and <a id=…> / <a name=…> tags."""
    if path not in _anchors:
        found, seen = set(), {}
        for _, line in lines_outside_fences(path.read_text(encoding="utf-8")):
            found.update(HTML_ID.findall(line))
            heading = HEADING.match(line)
            if not heading:
                continue
            custom = re.search(r"\{#([^}]+)\}\s*$", heading.group(2))
            if custom:
                found.add(custom.group(1))
                continue
            base = slug(heading.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
        _anchors[path] = found
    return _anchors[path]


def links(path):
    text = path.read_text(encoding="utf-8")
    for number, line in lines_outside_code(text):
        for match in INLINE_LINK.finditer(line):
            yield number, match.group(1)
        definition = REFERENCE_DEF.match(line)
        if definition:
            yield number, definition.group(1)


def rel(path):
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def check_link(page, number, target, errors):
    if not target or EXTERNAL.match(target):
        return 0
    where = f"{rel(page)}:{number}"
    file_part, _, anchor = target.partition("#")
    dest = (page.parent / file_part).resolve() if file_part else page
    if file_part:
        if not dest.exists():
            errors.append(f"{where}: broken link {target!r}: {rel(dest)} does not exist")
            return 1
        if page.is_relative_to(SRC) and not dest.is_relative_to(SRC):
            errors.append(f"{where}: link {target!r} leaves docs/src: the built book has no such page"
                          " (name a repository file as `code`, not as a link)")
            return 1
    if anchor:
        if dest.is_dir() or dest.suffix != ".md":
            errors.append(f"{where}: link {target!r}: an #anchor needs a Markdown page")
        elif anchor not in anchors(dest):
            errors.append(f"{where}: broken link {target!r}: {rel(dest)} has no heading #{anchor}")
    return 1


def main():
    errors = []
    if not (BOOK / "book.toml").is_file():
        errors.append("docs/book.toml: missing")
    summary = SRC / "SUMMARY.md"
    if not summary.is_file():
        errors.append("docs/src/SUMMARY.md: missing")
        print("\n".join(f"check-docs: {e}" for e in errors), file=sys.stderr)
        return 1
    pages = sorted(SRC.rglob("*.md"))
    checked = 0
    for page in [ROOT / "README.md", *pages]:
        for number, target in links(page):
            checked += check_link(page, number, target, errors)
    listed = set()
    for _, target in links(summary):
        if target and not EXTERNAL.match(target):
            listed.add((SRC / target.partition("#")[0]).resolve())
    for page in pages:
        if page != summary and page.resolve() not in listed:
            errors.append(f"{rel(page)}: not in docs/src/SUMMARY.md, so not in the book")
    if errors:
        for error in errors:
            print(f"check-docs: {error}", file=sys.stderr)
        print(f"check-docs: {len(errors)} problem(s)", file=sys.stderr)
        return 1
    print(f"check-docs: {checked} links in README.md and {len(pages)} pages of docs/src resolve")
    return 0


if __name__ == "__main__":
    sys.exit(main())
