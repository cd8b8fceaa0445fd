#!/usr/bin/env python3
"""The documentation checked against the tree: README.md's Layout and the links of the docs.

    layout   README.md's "## Layout" section holds one fenced block; each entry starts with a
             path ending in "/" (continuation lines are indented). Every folder of src/ must
             have its entry, and every .c file directly in that folder must be named in it;
             an entry that names a folder or a src/ .c file that is not there is an error too
             (src/ itself needs an entry only if it holds .c files).
    links    every relative link and image in README.md and docs/*.md ([text](target),
             ![alt](target), [ref]: target; not inside code) must name a file or folder that
             exists, and a #anchor into a Markdown file must name one of its headings
             (GitHub's slugs).
    docs     every docs/*.md opens with its question: a "# " heading ending in "?".
    size     README.md is at most 250 lines.

Usage: check_docs.py [REPO_ROOT]. Prints one line per defect, naming the file and line, and
exits 1 if there was any; exits 0 and prints a summary otherwise.
"""
import os
import re
import sys

README_MAX_LINES = 250
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
C_FILE = re.compile(r"(?<![\w./-])([\w-]+\.c)\b")


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n")


def prose_lines(lines):
    """(line number, text) of the lines outside fenced code, inline code spans blanked."""
    in_fence = None
    for no, line in enumerate(lines, 1):
        m = FENCE.match(line)
        if m:
            if in_fence is None:
                in_fence = m.group(1)
            elif m.group(1) == in_fence:
                in_fence = None
            continue
        if in_fence is None:
            yield no, CODE_SPAN.sub(lambda s: " " * len(s.group(0)), line)


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip())  # link text only
    text = text.lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def heading_texts(lines):
    """The raw heading lines, code spans kept (for slugs that contain code)."""
    in_fence = None
    for line in lines:
        m = FENCE.match(line)
        if m:
            if in_fence is None:
                in_fence = m.group(1)
            elif m.group(1) == in_fence:
                in_fence = None
            continue
        if in_fence is None:
            h = re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
            if h:
                yield h.group(1)


def file_anchors(path, cache={}):
    """Every anchor a Markdown file's headings give, with GitHub's -1, -2 for repeats."""
    if path not in cache:
        seen = {}
        found = set()
        for text in heading_texts(read_lines(path)):
            base = slug(text)
            n = seen.get(base, 0)
            seen[base] = n + 1
            found.add(base if n == 0 else "%s-%d" % (base, n))
        cache[path] = found
    return cache[path]


def check_links(root, md, errors):
    rel_md = os.path.relpath(md, root)
    lines = read_lines(md)
    for no, line in prose_lines(lines):
        targets = [m.group(1) for m in LINK.finditer(line)]
        m = REF_DEF.match(line)
        if m:
            targets.append(m.group(1))
        for target in targets:
            if not target or SCHEME.match(target) or target.startswith("//"):
                continue
            path, _, anchor = target.partition("#")
            dest = md if not path else os.path.normpath(os.path.join(os.path.dirname(md), path))
            where = "%s:%d" % (rel_md, no)
            if path.startswith("/"):
                errors.append("%s: link %s is absolute; write it relative to the file" %
                              (where, target))
                continue
            if not os.path.exists(dest):
                errors.append("%s: link %s: %s does not exist" %
                              (where, target, os.path.relpath(dest, root)))
                continue
            if anchor and dest.endswith(".md") and os.path.isfile(dest):
                if anchor not in file_anchors(dest):
                    errors.append("%s: link %s: no heading in %s gives the anchor #%s" %
                                  (where, target, os.path.relpath(dest, root), anchor))


def layout_entries(root, errors):
    """README's Layout block as {path: (line number, text of the entry)}."""
    readme = os.path.join(root, "README.md")
    lines = read_lines(readme)
    start = None
    for no, line in enumerate(lines, 1):
        if re.match(r"^##\s+Layout\s*$", line):
            start = no
            break
    if start is None:
        errors.append("README.md: no \"## Layout\" section")
        return {}
    block = None
    entries = {}
    current = None
    for no in range(start + 1, len(lines) + 1):
        line = lines[no - 1]
        if line.startswith("## "):
            break
        if FENCE.match(line):
            if block is None:
                block = no
                continue
            break
        if block is None or not line.strip():
            continue
        if not line[0].isspace():
            key = line.split()[0]
            if key.endswith("/"):
                current = key
                entries[current] = [no, line[len(key):]]
                continue
            current = None
            continue
        if current is not None:
            entries[current][1] += " " + line.strip()
    if block is None:
        errors.append("README.md:%d: the Layout section has no fenced block" % start)
    return entries


def check_layout(root, errors):
    entries = layout_entries(root, errors)
    src = os.path.join(root, "src")
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root) + "/"
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        c_files = sorted(f for f in filenames if f.endswith(".c"))
        if dirpath == src and not c_files:
            continue  # src/ itself needs an entry only if it holds code
        if rel not in entries:
            errors.append("README.md: the Layout has no line for the folder %s%s" %
                          (rel, " (files: %s)" % ", ".join(c_files) if c_files else ""))
            continue
        no, text = entries[rel]
        named = set(C_FILE.findall(text))
        for f in c_files:
            if f not in named:
                errors.append("README.md:%d: the Layout's line for %s does not name %s%s" %
                              (no, rel, rel, f))
        for f in sorted(named - set(c_files)):
            errors.append("README.md:%d: the Layout names %s%s, which does not exist" %
                          (no, rel, f))
    for key, (no, _) in sorted(entries.items()):
        if not os.path.isdir(os.path.join(root, key)):
            errors.append("README.md:%d: the Layout lists the folder %s, which does not exist" %
                          (no, key))
    return entries


def check_docs_open_with_question(root, docs, errors):
    for md in docs:
        lines = read_lines(md)
        first = lines[0] if lines else ""
        if not (first.startswith("# ") and first.rstrip().endswith("?")):
            errors.append("%s:1: does not open with its question (a \"# ...?\" heading): %r" %
                          (os.path.relpath(md, root), first[:80]))


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    readme = os.path.join(root, "README.md")
    docs_dir = os.path.join(root, "docs")
    docs = sorted(os.path.join(docs_dir, f) for f in os.listdir(docs_dir) if f.endswith(".md"))
    errors = []

    n = len(read_lines(readme))
    if read_lines(readme)[-1] == "":
        n -= 1
    if n > README_MAX_LINES:
        errors.append("README.md: %d lines, more than %d: move the detail into docs/" %
                      (n, README_MAX_LINES))
    entries = check_layout(root, errors)
    for md in [readme] + docs:
        check_links(root, md, errors)
    check_docs_open_with_question(root, docs, errors)

    for e in errors:
        print(e)
    if errors:
        print("check_docs: %d problem(s)" % len(errors))
        return 1
    print("check_docs: README.md %d lines; Layout covers src/ (%d entries); links of %d files "
          "resolve" % (n, len(entries), 1 + len(docs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
