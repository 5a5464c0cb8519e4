"""Every UI text has a Bahasa Indonesia translation, and the compiled catalogs are current."""

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tools.i18n import ID_PO, TRANSLATIONS, missing


def test_every_message_has_an_indonesian_text() -> None:
    assert missing() == [], "translate these (python tools/i18n.py add FILE.json)"


def _plain(value):
    """A plural's msgid or texts as a tuple (the catalog readers give tuples or lists)."""
    return tuple(value) if isinstance(value, list | tuple) else value


def test_compiled_catalogs_match_the_sources() -> None:
    for locale in ("id", "en"):
        po_path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as fh:
            po = {_plain(m.id): _plain(m.string) for m in read_po(fh, locale=locale) if m.id}
        with po_path.with_suffix(".mo").open("rb") as fh:
            mo = {_plain(m.id): _plain(m.string) for m in read_mo(fh) if m.id}
        # an untranslated plural is compiled as its English forms
        mo = {k: v for k, v in mo.items() if not (isinstance(k, tuple) and v == k)}
        expected = {k: v for k, v in po.items() if (all(v) if isinstance(v, tuple) else v)}
        assert mo == expected, f"run `python tools/i18n.py update` ({locale})"


def test_catalog_covers_every_text_in_the_code(tmp_path) -> None:
    import subprocess
    import sys

    from tools.i18n import ROOT

    pot = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            "--ignore-dirs=.venv tests build",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as fh:
        in_code = {m.id for m in read_po(fh) if m.id}
    with ID_PO.open("rb") as fh:
        catalog = {m.id for m in read_po(fh) if m.id}
    assert in_code - catalog == set(), "run `python tools/i18n.py update` and translate"


# The shortlist the panel proposes is an "usulan" (a draft list), not an innovation proposal.
_NOT_AN_INNOVATION_PROPOSAL = {
    "From the ranking, keeping the composition rules; replaces the current proposal and its swaps."
}


def test_an_innovation_proposal_is_always_called_proposal() -> None:
    """SINOVIK and KemenPAN-RB call the entry a 'proposal (inovasi)': one word across the UI."""
    with ID_PO.open("rb") as fh:
        catalog = [m for m in read_po(fh) if m.id and isinstance(m.id, str)]
    mixed = [
        m.id
        for m in catalog
        if "proposal" in m.id.lower()
        and m.id not in _NOT_AN_INNOVATION_PROPOSAL
        and "usulan" in m.string.lower()
    ]
    assert mixed == []
    submissions = [
        m.id for m in catalog if "submission" in m.id.lower() and "usulan" in m.string.lower()
    ]
    assert submissions == []
