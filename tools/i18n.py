"""Translation upkeep around pybabel.

    python tools/i18n.py update            # extract, merge into id/en catalogs, compile
    python tools/i18n.py add FILE.json     # {"English msgid": "Indonesian text", ...} into id
                                           # (a plural: its singular msgid and a list of texts)
    python tools/i18n.py missing           # msgids without an Indonesian text
    python tools/i18n.py merge-from X.po   # take Indonesian texts from another catalog

English catalogs stay empty (the msgids are English); Bahasa Indonesia is the default locale,
so every msgid needs an Indonesian text (a test checks it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "shared" / "translations"
POT = TRANSLATIONS / "messages.pot"
ID_PO = TRANSLATIONS / "id" / "LC_MESSAGES" / "messages.po"


def pybabel(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", *args],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def update() -> None:
    pybabel(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "-k",
        "lazy_gettext",
        "-o",
        str(POT),
        "--no-location",
        "--sort-output",
        "--omit-header",
        "--ignore-dirs=.venv tests build",
        ".",
    )
    for locale in ("id", "en"):
        po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        if not po.exists():
            pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale)
    pybabel(
        "update",
        "-i",
        str(POT),
        "-d",
        str(TRANSLATIONS),
        "--no-fuzzy-matching",
        "--omit-header",
        "--ignore-obsolete",
    )
    pybabel("compile", "-d", str(TRANSLATIONS), "--use-fuzzy")


def add(path: Path) -> None:
    mapping: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    with ID_PO.open("rb") as fh:
        catalog = read_po(fh, locale="id")
    unknown = []
    for msgid, text in mapping.items():
        message = catalog.get(msgid)
        if message is None:
            unknown.append(msgid)
            continue
        message.string = tuple(text) if isinstance(text, list) else text  # plurals: a list
        message.flags.discard("fuzzy")
    with ID_PO.open("wb") as fh:
        write_po(fh, catalog, omit_header=True, sort_output=True)
    pybabel("compile", "-d", str(TRANSLATIONS), "--use-fuzzy")
    for msgid in unknown:
        print(f"not in the catalog (run update first?): {msgid!r}")


def merge_from(path: Path) -> None:
    """Fill empty Indonesian texts from another catalog (e.g. a branch's messages.po)."""
    with path.open("rb") as fh:
        other = {m.id: m.string for m in read_po(fh, locale="id") if m.id and m.string}
    with ID_PO.open("rb") as fh:
        catalog = read_po(fh, locale="id")
    for message in catalog:
        if message.id and not message.string and message.id in other:
            message.string = other[message.id]
    with ID_PO.open("wb") as fh:
        write_po(fh, catalog, omit_header=True, sort_output=True)
    pybabel("compile", "-d", str(TRANSLATIONS), "--use-fuzzy")


def missing() -> list[str]:
    with ID_PO.open("rb") as fh:
        catalog = read_po(fh, locale="id")
    return [
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and not (m.string if isinstance(m.string, str) else all(m.string))
    ]


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "update"
    if command == "update":
        update()
    elif command == "add":
        add(Path(sys.argv[2]))
    elif command == "merge-from":
        merge_from(Path(sys.argv[2]))
    elif command == "missing":
        for item in missing():
            print(item)
    else:
        sys.exit(__doc__)
