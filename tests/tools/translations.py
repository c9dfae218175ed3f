"""Keeping ``resources/i18n/mimo_zh_CN.ts`` in step with the code.

    python -m tests.tools.translations update          # lupdate: add new texts, drop gone ones
    python -m tests.tools.translations merge a.json …  # fill in translations from JSON
    python -m tests.tools.translations missing         # list texts still untranslated
    python -m tests.tools.translations release         # build the .qm (setup.sh does this too)

A JSON file holds ``{"<context>": {"<English source>": "<translation>"}}``; ``merge``
fills entries that are unfinished (or all of them with ``--force``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.ui.i18n_check import ROOT, lupdate, read_ts

TS_FILE = ROOT / "resources" / "i18n" / "mimo_zh_CN.ts"


def update(ts: Path = TS_FILE) -> None:
    ts.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            lupdate(),
            "-silent",
            "-no-obsolete",
            "-locations",
            "none",
            "-source-language",
            "en",
            "-target-language",
            "zh_CN",
            "-extensions",
            "py",
            str(ROOT / "app"),
            "-ts",
            str(ts),
        ],
        check=True,
    )


def merge(sources: list[Path], ts: Path = TS_FILE, *, force: bool = False) -> int:
    """Fill translations from ``sources``; returns how many were set."""
    table: dict[tuple[str, str], str] = {}
    for source in sources:
        for context, entries in json.loads(source.read_text(encoding="utf-8")).items():
            for english, chinese in entries.items():
                if isinstance(chinese, str) and chinese.strip():
                    table[(context, english)] = chinese
    tree = ET.parse(ts)
    count = 0
    for context in tree.getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source_text = message.findtext("source") or ""
            node = message.find("translation")
            if node is None:
                node = ET.SubElement(message, "translation")
            unfinished = node.get("type") == "unfinished" or not (node.text or "").strip()
            chinese = table.get((name, source_text))
            if chinese is None or not (unfinished or force):
                continue
            if message.get("numerus") == "yes":
                for child in list(node):
                    node.remove(child)
                form = ET.SubElement(node, "numerusform")
                form.text = chinese
                node.text = None
            else:
                node.text = chinese
            node.attrib.pop("type", None)
            count += 1
    ET.indent(tree, space="    ")
    with ts.open("wb") as out:
        out.write(b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n')
        tree.write(out, encoding="utf-8", xml_declaration=False)
        out.write(b"\n")
    return count


def missing(ts: Path = TS_FILE) -> list[tuple[str, str]]:
    return sorted(key for key, text in read_ts(ts).items() if text is None)


def release(ts: Path = TS_FILE) -> Path:
    lrelease = Path(lupdate()).with_name("pyside6-lrelease")
    qm = ts.with_suffix(".qm")
    subprocess.run([str(lrelease), "-silent", str(ts), "-qm", str(qm)], check=True)
    return qm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("update")
    merging = commands.add_parser("merge")
    merging.add_argument("json", nargs="+", type=Path)
    merging.add_argument("--force", action="store_true")
    commands.add_parser("missing")
    commands.add_parser("release")
    args = parser.parse_args(argv)
    if args.command == "update":
        update()
    elif args.command == "merge":
        print(f"{merge(args.json, force=args.force)} translations set")
    elif args.command == "missing":
        for context, source in missing():
            print(f"{context}\t{source!r}")
    else:
        print(release())
    return 0


if __name__ == "__main__":
    sys.exit(main())
