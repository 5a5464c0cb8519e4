"""Bulk import of proposals from a spreadsheet (XLSX or CSV): template, reading, checks, import.

The template has one header row whose cells read ``Label [key]``: people see the label, the
import matches on the key in brackets (or on a bare key or label), so a translated or
reordered header still works. Rows whose first cell starts with ``#`` are examples or notes
and are skipped. The import is all-or-nothing: every row is checked first, against the
competition's rules (:mod:`shared.services.proposal_rules`), the tenant's units, the titles
of the file and of the tenant's proposals, and the quota; on any problem nothing is written
and the report names each row and problem. Imported proposals are drafts of their unit.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from shared import spreadsheet
from shared.competition_config import CompetitionConfig
from shared.db import db
from shared.db_types import text_limits
from shared.models.competition import Competition
from shared.models.proposal import Proposal
from shared.models.tenant import Tenant
from shared.models.unit import Unit
from shared.models.user import User
from shared.services import ServiceError, audit
from shared.services import proposal_rules as rules
from shared.services.tenant_overview import quota_used
from shared.services.units import name_key

MAX_ROWS = 1000
MAX_BYTES = 10 * 1024 * 1024
COMMENT = "#"
SECTION_PREFIX = "section:"
KEY_IN_HEADER = re.compile(r"\[([a-z_:]+)\]\s*$")
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y")
MAX_LENGTHS = text_limits(  # the database columns' limits
    Proposal.__table__,
    (
        "title",
        "innovator",
        "contact_name",
        "contact_phone",
        "contact_email",
        "video_url",
        "replicates_title",
    ),
)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    help: str
    example: str
    required: bool = False

    @property
    def header(self) -> str:
        return f"{self.label} [{self.key}]"


_HEADER_COLUMNS = (
    ("unit", _l("Unit"), _l("The unit's name exactly as registered."), True),
    ("group", _l("Group"), _l("Code or name of the group."), True),
    ("category", _l("Category"), _l("Code or name of the category."), False),
    ("title", _l("Title"), _l("The innovation's title (at most 30 words)."), True),
    (
        "implementation_start",
        _l("Implementation start"),
        _l("Date the innovation started: YYYY-MM-DD or DD-MM-YYYY."),
        False,
    ),
    ("innovator", _l("Innovator or team"), _l("Name of the innovator or the team."), False),
    ("sdgs", _l("SDG goals"), _l("Numbers 1-17, separated by commas."), False),
    ("contact_name", _l("Contact name"), "", False),
    ("contact_phone", _l("Contact phone"), "", False),
    ("contact_email", _l("Contact e-mail"), "", False),
    ("video_url", _l("Video link"), _l("A link starting with http:// or https://."), False),
    (
        "replicates_title",
        _l("Replicated innovation"),
        _l("Replikasi only: the earlier innovation this one replicates."),
        False,
    ),
)
_EXAMPLES = {
    "group": "umum",
    "category": "kesehatan",
    "title": "Layanan Antar Obat untuk Lansia",
    "implementation_start": "2023-03-01",
    "innovator": "Tim Inovasi Puskesmas",
    "sdgs": "3, 10",
    "contact_name": "Sri Wahyuni",
    "contact_phone": "0291-591234",
    "contact_email": "inovasi@dinkes.go.id",
    "video_url": "https://video.example/antar-obat",
}


def _locale() -> str:
    return str(get_locale() or "id")


def template_columns(config: CompetitionConfig, units: Iterable[Unit] = ()) -> list[Column]:
    """The template's columns: the header fields, then every section of every group."""
    first_unit = next(iter(units), None)
    columns = [
        Column(
            key,
            str(label),
            str(hint),
            first_unit.name if key == "unit" and first_unit else _EXAMPLES.get(key, ""),
            required,
        )
        for key, label, hint, required in _HEADER_COLUMNS
    ]
    locale = _locale()
    for section in config.sections:
        groups = ", ".join(g for g in section.groups) if section.groups else ""
        hint = _("At most %(n)d words.", n=section.word_limit)
        if groups:
            hint += " " + _("Only for: %(groups)s.", groups=groups)
        columns.append(
            Column(
                SECTION_PREFIX + section.key,
                section.title.get(locale),
                hint,
                _("Text of the section.") if not section.groups else "",
            )
        )
    return columns


def instructions(config: CompetitionConfig, units: Iterable[Unit]) -> list[str]:
    """The notes that go with the template (the XLSX's second sheet, the CSV's # lines)."""
    locale = _locale()
    return [
        _(
            "One row per proposal. Rows starting with # are examples or notes and are not "
            "imported; delete them or leave them."
        ),
        _(
            "The import is all-or-nothing: if any row has a problem, nothing is imported and "
            "the report names each row and problem."
        ),
        _("Imported proposals are drafts of their unit; attachments are added afterwards."),
        _("Units: %(v)s", v="; ".join(u.name for u in units) or "-"),
        _(
            "Groups: %(v)s",
            v="; ".join(f"{g.code} ({g.name.get(locale)})" for g in config.groups),
        ),
        _(
            "Categories: %(v)s",
            v="; ".join(f"{c.code} ({c.name.get(locale)})" for c in config.categories),
        ),
        _(
            "SDG goals: %(v)s",
            v="; ".join(f"{s.number} {s.name.get(locale)}" for s in config.sdgs),
        ),
    ]


# -- the template files -----------------------------------------------------------------------


def _example_row(columns: list[Column]) -> list[str]:
    row = [c.example for c in columns]
    example = _("EXAMPLE")
    row[0] = f"{COMMENT} {example}: {row[0]}"
    return row


def template_csv(config: CompetitionConfig, units: list[Unit]) -> bytes:
    """CSV template: header row, an example row and the notes as # rows (UTF-8 with BOM so
    spreadsheet programs read the accents right)."""
    columns = template_columns(config, units)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.header for c in columns])
    writer.writerow([spreadsheet.csv_text(v) for v in _example_row(columns)])
    for note in instructions(config, units):
        writer.writerow([f"{COMMENT} {note}"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(config: CompetitionConfig, units: list[Unit]) -> bytes:
    """XLSX template: the data sheet (header, example) and a sheet of instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    columns = template_columns(config, units)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Proposals")[:31]
    sheet.append([c.header for c in columns])
    sheet.append(_example_row(columns))
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DCECF7")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="777777")
    for index, column in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 40 if column.key.startswith(SECTION_PREFIX) else 22
        if column.key == "contact_phone":  # typed as text: 0812... keeps its leading zero
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"

    notes = book.create_sheet(_("Instructions")[:31])
    notes.append([_("Instructions")])
    notes["A1"].font = bold
    for line in instructions(config, units):
        notes.append([line])
    notes.append([])
    notes.append([_("Column"), _("Required"), _("What to enter")])
    for cell in notes[notes.max_row]:
        cell.font = bold
    for c in columns:
        notes.append([c.header, _("yes") if c.required else "", c.help])
    notes.column_dimensions["A"].width = 45
    notes.column_dimensions["C"].width = 80
    for ws in book.worksheets:  # unit names and help texts stay text
        for row in ws.iter_rows():
            spreadsheet.keep_text(row)
    return spreadsheet.save(book)


# -- reading a file ---------------------------------------------------------------------------

Cell = str | int | float | date | datetime | None


def _cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _read_xlsx(data: bytes) -> list[list[Cell]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise ServiceError(_("The file is not a readable XLSX workbook."), field="file") from None
    try:
        sheet = book.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    return rows


def _read_csv(data: bytes) -> list[list[Cell]]:
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's default on Windows
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:  # newline="" semantics: any line ending (Excel for Mac writes a lone \r)
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error:
        raise ServiceError(_("The file is not a readable CSV file."), field="file") from None


@dataclass
class SheetRow:
    number: int  # as the spreadsheet shows it (the header is row 1)
    values: dict[str, str]


def read_sheet(filename: str, data: bytes, columns: list[Column]) -> list[SheetRow]:
    """The data rows of an uploaded file, keyed by column key (examples and blanks skipped)."""
    if not data:
        raise ServiceError(_("Choose a file to import."), field="file")
    if len(data) > MAX_BYTES:
        raise ServiceError(
            _("The file is larger than %(n)d MB.", n=MAX_BYTES // (1024 * 1024)), field="file"
        )
    name = filename.lower()
    if name.endswith(".xlsx"):
        raw = _read_xlsx(data)
    elif name.endswith(".csv"):
        raw = _read_csv(data)
    else:
        raise ServiceError(_("Upload the template as an .xlsx or .csv file."), field="file")
    if not raw:
        raise ServiceError(_("The file is empty."), field="file")
    keys = _header_keys(raw[0], columns)
    rows: list[SheetRow] = []
    for number, cells in enumerate(raw[1:], start=2):
        texts = [_cell_text(c) for c in cells]
        if not any(texts) or (texts and texts[0].startswith(COMMENT)):
            continue
        values = {key: texts[i] for i, key in keys.items() if i < len(texts)}
        rows.append(SheetRow(number, values))
    if not rows:
        raise ServiceError(_("The file has no proposal rows."), field="file")
    if len(rows) > MAX_ROWS:
        raise ServiceError(_("At most %(n)d proposals per import.", n=MAX_ROWS), field="file")
    return rows


def _header_keys(header: list[Cell], columns: list[Column]) -> dict[int, str]:
    """Column index -> key, from ``Label [key]`` cells, bare keys or labels."""
    by_name = {}
    for c in columns:
        by_name[c.key.lower()] = c.key
        by_name[c.label.lower()] = c.key
    keys: dict[int, str] = {}
    unknown: list[str] = []
    for index, cell in enumerate(header):
        text = _cell_text(cell)
        if not text:
            continue
        match = KEY_IN_HEADER.search(text)
        key = match.group(1) if match else by_name.get(text.lower())
        if key is None or key not in {c.key for c in columns}:
            unknown.append(text)
        elif key in keys.values():
            raise ServiceError(_("The column %(c)s appears twice.", c=text), field="file")
        else:
            keys[index] = key
    missing = [c.header for c in columns if c.required and c.key not in keys.values()]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(_("missing columns: %(c)s", c=", ".join(missing)))
        if unknown:
            problems.append(_("unknown columns: %(c)s", c=", ".join(unknown)))
        raise ServiceError(
            _(
                "The header row does not match the template (%(p)s). Download the template "
                "and keep its first row.",
                p="; ".join(problems),
            ),
            field="file",
        )
    return keys


# -- checking the rows ------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str


@dataclass
class CheckedRow:
    """A row that passed: what to create."""

    number: int
    unit: Unit
    group_code: str
    category_code: str
    title: str
    implementation_start: date | None
    innovator: str
    sdgs: tuple[int, ...]
    contact_name: str
    contact_phone: str
    contact_email: str
    video_url: str
    replicates_title: str
    sections: dict[str, str] = field(default_factory=dict)


def parse_date(text: str) -> date | None:
    """A date typed in a spreadsheet; ``None`` when empty, ValueError when unreadable."""
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _lookup(config_items, text: str) -> str | None:
    """The code of a group or category given by code or by name (either language)."""
    wanted = text.strip().lower()
    for item in config_items:
        names = {item.code.lower(), item.name.id.lower(), item.name.en.lower()}
        if wanted in names:
            return item.code
    return None


# the rules name form fields; the report names the template's columns
RULE_FIELDS = {"group_code": "group", "category_code": "category"}


class _Row:
    """One row being checked: its values (trimmed) and the problems found so far."""

    def __init__(self, row: SheetRow, labels: dict[str, str]) -> None:
        self.number, self.values, self.labels = row.number, row.values, labels
        self.problems: list[Problem] = []

    def get(self, key: str) -> str:
        return self.values.get(key, "").strip()

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.number, self.labels.get(key, key), message))


class _RowChecker:
    """Checks one row after another, remembering the titles already seen in the file."""

    def __init__(
        self,
        competition: Competition,
        config: CompetitionConfig,
        units: list[Unit],
        existing_titles: list[str],
        invited_groups: set[str],
        columns: list[Column],
    ) -> None:
        self.competition = competition
        self.config = config
        self.units = {name_key(u.name): u for u in units}  # as unit names are compared
        # (row number, or 0 for a stored proposal; title)
        self._seen: list[tuple[int, str]] = [(0, t) for t in existing_titles]
        self.invited_groups = invited_groups
        self.labels = {c.key: c.label for c in columns}

    def check(self, row: SheetRow) -> tuple[CheckedRow | None, list[Problem]]:
        """The row to create, or the problems found in it (each with its column)."""
        r = _Row(row, self.labels)
        unit = self._unit(r)
        group_code, category_code = self._codes(r)
        start, sdgs = self._start(r), self._sdgs(r)
        self._free_text(r)
        sections = {
            key.removeprefix(SECTION_PREFIX): text
            for key, text in r.values.items()
            if key.startswith(SECTION_PREFIX) and text
        }
        if group_code is not None:
            draft = rules.ProposalDraft(
                group_code=group_code,
                category_code=category_code,
                title=r.get("title"),
                sdgs=sdgs,
                implementation_start=start,
                innovator=r.get("innovator"),
                sections=sections,
                replicates_title=r.get("replicates_title"),
            )
            self._rules(r, draft)
        title = self._title(r)
        if r.problems or unit is None or group_code is None:
            return None, r.problems
        checked = CheckedRow(
            number=row.number,
            unit=unit,
            group_code=group_code,
            category_code=category_code,
            title=title,
            implementation_start=start,
            innovator=r.get("innovator"),
            sdgs=sdgs,
            contact_name=r.get("contact_name"),
            contact_phone=r.get("contact_phone"),
            contact_email=r.get("contact_email"),
            video_url=r.get("video_url"),
            replicates_title=r.get("replicates_title"),
            sections=sections,
        )
        return checked, []

    def _unit(self, r: _Row) -> Unit | None:
        name = r.get("unit")
        unit = self.units.get(name_key(name))
        if not name:
            r.problem("unit", _("The unit is required."))
        elif unit is None:
            r.problem("unit", _("Unknown unit %(u)s.", u=name))
        elif not unit.active:
            r.problem("unit", _("The unit %(u)s is deactivated.", u=unit.name))
        return unit

    def _codes(self, r: _Row) -> tuple[str | None, str]:
        group_code = _lookup(self.config.groups, r.get("group"))
        if group_code is None:
            r.problem("group", _("Unknown group %(g)s.", g=r.get("group")))
        category_code = ""
        if r.get("category"):
            category_code = _lookup(self.config.categories, r.get("category")) or ""
            if not category_code:
                r.problem("category", _("Unknown category %(c)s.", c=r.get("category")))
        return group_code, category_code

    @staticmethod
    def _start(r: _Row) -> date | None:
        try:
            return parse_date(r.get("implementation_start"))
        except ValueError:
            r.problem(
                "implementation_start",
                _(
                    "%(d)s is not a date: write YYYY-MM-DD or DD-MM-YYYY.",
                    d=r.get("implementation_start"),
                ),
            )
            return None

    @staticmethod
    def _sdgs(r: _Row) -> tuple[int, ...]:
        parts = [p for p in re.split(r"[,;\s]+", r.get("sdgs")) if p]
        if not all(p.isdigit() for p in parts):
            r.problem("sdgs", _("Write the SDG goals as numbers 1-17, separated by commas."))
            return ()
        return tuple(sorted({int(p) for p in parts}))

    @staticmethod
    def _free_text(r: _Row) -> None:
        for key, limit in MAX_LENGTHS.items():
            if len(r.get(key)) > limit:
                r.problem(key, _("At most %(n)d characters.", n=limit))
        for violation in rules.check_contact(
            r.get("video_url"), r.get("contact_email"), r.get("contact_phone")
        ):
            r.problem(violation.field, violation.message)

    def _rules(self, r: _Row, draft: rules.ProposalDraft) -> None:
        """The competition's rules, except what a draft may still lack."""
        known = {s.key for s in self.config.sections_for(draft.group_code)}
        for key in draft.sections:
            if key not in known:
                r.problem(
                    SECTION_PREFIX + key,
                    _("This section is not part of the group %(g)s.", g=draft.group_code),
                )
        found = [
            *rules.check_header(draft, self.config),
            *rules.check_sections(draft, self.config),
            *rules.check_implementation_age(
                draft, self.config, self.competition.registration_closes_at
            ),
            *rules.check_group_rules(
                draft, self.config, invited=draft.group_code in self.invited_groups
            ),
        ]
        for violation in found:
            if violation.code in DRAFT_MAY_LACK:
                continue  # a draft may be completed later by its unit
            key = violation.field.replace("section:", SECTION_PREFIX)
            r.problem(RULE_FIELDS.get(key, key), violation.message)

    def _title(self, r: _Row) -> str:
        """The title, checked against the file's earlier rows and the stored proposals."""
        title = r.get("title")
        if not title:
            return title
        similar = self._similar_title(title)
        if similar is not None:
            other_row, other = similar
            if other_row:
                message = _(
                    "The title is the same as or very close to row %(r)d's: %(t)s.",
                    r=other_row,
                    t=other,
                )
            else:
                message = rules.check_duplicate_title(title, [other])[0].message
            r.problem("title", message)
        self._seen.append((r.number, title))
        return title

    def _similar_title(self, title: str) -> tuple[int, str] | None:
        """The first earlier row (its number) or stored proposal (0) with a (nearly) same title."""
        other = rules.first_similar_title(title, (t for _, t in self._seen))
        if other is None:
            return None
        return next((n, t) for n, t in self._seen if t == other)


# What a draft may still lack: these rules are enforced when the unit sends the proposal.
DRAFT_MAY_LACK = frozenset(
    {
        "section_missing",
        "sdg_missing",
        "innovator_missing",
        "start_missing",
        "category_unknown",
        "replication_source",
    }
)


def check_rows(
    rows: list[SheetRow],
    *,
    competition: Competition,
    columns: list[Column],
    invited_groups: set[str],
) -> tuple[list[CheckedRow], list[Problem]]:
    """Check every row (nothing is written); the rows to create, or the problems."""
    config = competition.config
    units = list(db.session.execute(sa.select(Unit)).scalars())
    titles = list(
        db.session.execute(
            sa.select(Proposal.title).where(Proposal.competition_id == competition.id)
        ).scalars()
    )
    checker = _RowChecker(competition, config, units, titles, invited_groups, columns)
    checked: list[CheckedRow] = []
    problems: list[Problem] = []
    for row in rows:
        ok, found = checker.check(row)
        problems += found
        if ok is not None:
            checked.append(ok)
    problems += _quota_problems(checked, competition, config, columns)
    return checked, problems


def _quota_problems(
    checked: list[CheckedRow],
    competition: Competition,
    config: CompetitionConfig,
    columns: list[Column],
) -> list[Problem]:
    """Rows beyond what the group's quota lets the tenant still submit."""
    used = quota_used(competition)
    label = next(c.label for c in columns if c.key == "group")
    counts: dict[str, int] = {}
    problems = []
    for row in checked:
        group = config.group(row.group_code)
        if group is None or group.quota is None:
            continue
        counts[row.group_code] = counts.get(row.group_code, 0) + 1
        already = used.get(row.group_code, 0) + counts[row.group_code] - 1
        for violation in rules.check_quota(row.group_code, config, already_used=already):
            problems.append(Problem(row.number, label, violation.message))
    return problems


# -- the import -------------------------------------------------------------------------------


def _units_in_scope() -> list[Unit]:
    stmt = sa.select(Unit).where(Unit.active.is_(True)).order_by(Unit.name)
    return list(db.session.execute(stmt).scalars())


def template_file(fmt: str) -> bytes:
    """The template of the current competition for the tenant in scope (``csv``/``xlsx``)."""
    from shared.services.proposals import require_competition

    config = require_competition().config
    units = _units_in_scope()
    return template_csv(config, units) if fmt == "csv" else template_xlsx(config, units)


@dataclass
class ImportResult:
    rows: int
    problems: list[Problem]
    created: list[Proposal]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def bad_rows(self) -> int:
        return len({p.row for p in self.problems})


def import_proposals(
    *, tenant: Tenant, filename: str, data: bytes, actor: User, now: datetime | None = None
) -> ImportResult:
    """Check every row, then create a draft per row through the proposal services.

    When ``result.ok`` is false the caller must roll back: rows created before a late
    refusal are in the session (all or nothing).
    """
    from shared.services import proposals

    competition = proposals.require_competition()
    window = proposals.window(competition, now)
    if window.is_closed:
        raise ServiceError(
            rules.check_window(window.now, window.opens_at, window.closes_at)[0].message
        )
    config = competition.config
    columns = template_columns(config)
    sheet_rows = read_sheet(filename, data, columns)
    invited = {
        g.code
        for g in config.groups
        if g.by_invitation and proposals.is_invited(tenant.id, competition.id, g.code)
    }
    checked, problems = check_rows(
        sheet_rows, competition=competition, columns=columns, invited_groups=invited
    )
    result = ImportResult(rows=len(sheet_rows), problems=problems, created=[])
    if problems:
        return result
    for row in checked:
        values = proposals.ProposalInput(
            group_code=row.group_code,
            title=row.title,
            category_code=row.category_code,
            sdgs=row.sdgs,
            implementation_start=row.implementation_start,
            innovator=row.innovator,
            contact_name=row.contact_name,
            contact_phone=row.contact_phone,
            contact_email=row.contact_email,
            video_url=row.video_url,
            replicates_title=row.replicates_title,
            sections=row.sections,
        )
        try:
            proposal, _violations = proposals.create_proposal(
                tenant=tenant, unit=row.unit, actor=actor, values=values, now=now
            )
        except ServiceError as err:
            result.problems.append(Problem(row.number, "", err.message))
            return result
        result.created.append(proposal)
    audit.record(
        "proposal.import",
        tenant,
        actor=actor,
        tenant_id=tenant.id,
        after={"file": filename[:200], "proposals": len(result.created)},
    )
    return result
