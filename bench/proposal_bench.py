"""Proposal pages benchmark: server time and page weight of the form, the proposal page and its
history, the cost of a save and of a submit, on a node holding many proposals.

    .venv/bin/python bench/proposal_bench.py [--proposals 2000] [--units 30] [--rounds 200]

Builds a throwaway regional instance (SQLite, WAL), fills it with realistic proposals written
straight through the models, then drives the app in-process with Flask's test client (no
network, one thread: the figures are the server's own time per request). Every request runs
the full rule check, including the near-duplicate title scan over the tenant's proposals.
Printed, never asserted: speed is not a unit test.
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "BenchMark2027"
WORDS = [
    "layanan",
    "publik",
    "inovasi",
    "masyarakat",
    "daerah",
    "pelayanan",
    "digital",
    "aplikasi",
    "warga",
    "desa",
    "kecamatan",
    "kesehatan",
    "pendidikan",
    "data",
    "terpadu",
    "antrean",
    "cepat",
    "mudah",
    "murah",
    "transparan",
    "akuntabel",
    "kolaborasi",
    "pemangku",
    "kepentingan",
    "keberlanjutan",
    "replikasi",
    "anggaran",
    "peraturan",
    "bupati",
    "dinas",
    "puskesmas",
]


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def seed(instance: Path, n_units: int, n_proposals: int) -> None:
    from shared.blobstore import blob_store
    from shared.cli_support import app_context
    from shared.db import db, utcnow
    from shared.models import Attachment, Proposal, ProposalStatus, Role, Tenant, Unit, User
    from shared.services import competitions
    from shared.services.passwords import hash_password
    from shared.timeutil import subtract_years, wib_date

    rng = random.Random(2027)
    with app_context("regional", instance):
        tenant = db.session.execute(db.select(Tenant)).scalar_one()
        comp = competitions.current_competition()
        now = utcnow()
        comp.registration_opens_at = now - timedelta(days=60)
        comp.registration_closes_at = now + timedelta(days=30)
        config = comp.config
        units = [Unit(tenant_id=tenant.id, name=f"Dinas Bench {i:02d}") for i in range(n_units)]
        db.session.add_all(units)
        db.session.flush()
        pw = hash_password(PASSWORD)
        for username, role, unit in (
            ("bench.admin", Role.LOCAL_ADMIN, None),
            ("bench.operator", Role.OPERATOR, units[0]),
        ):
            db.session.add(
                User(
                    username=username,
                    password_hash=pw,
                    role=role,
                    tenant_id=tenant.id,
                    unit_id=unit.id if unit else None,
                    full_name=username,
                    email=f"{username}@bench.go.id",
                    phone="0291",
                    must_change_password=False,
                    profile_completed_at=now,
                )
            )
        pdf = blob_store().put(b"%PDF-1.4\n% bench\n%%EOF\n")
        start = subtract_years(wib_date(comp.registration_closes_at), 2)
        for i in range(n_proposals):
            proposal = Proposal(
                tenant_id=tenant.id,
                unit_id=units[i % n_units].id,
                competition_id=comp.id,
                competition_version_id=comp.current.id,
                group_code="umum",
                category_code="kesehatan",
                sdgs=[3],
                title=f"{words(rng, rng.randint(3, 8))[:-1]} {i}",
                implementation_start=start,
                innovator="Tim Inovasi",
                truth_declared=True,
                sections={s.key: words(rng, 120) for s in config.sections_for("umum")},
                status=ProposalStatus.VERIFIED if i < 200 else ProposalStatus.DRAFT,
            )
            db.session.add(proposal)
            db.session.flush()
            for kind in ("decree", "truth_declaration"):
                db.session.add(
                    Attachment(
                        tenant_id=tenant.id,
                        proposal_id=proposal.id,
                        sha256=pdf.sha256,
                        kind=kind,
                        filename=f"{kind}.pdf",
                        size=pdf.size,
                        media_type="application/pdf",
                    )
                )
        db.session.commit()


def timed(fn: Callable[[], object], rounds: int) -> tuple[tuple[list[float], list[float]], object]:
    """Wall-clock and CPU milliseconds per call (CPU time is what a shared machine does not
    inflate: the in-process server's own work)."""
    wall, cpu, last = [], [], None
    for _ in range(rounds):
        t0, c0 = time.perf_counter(), time.process_time()
        last = fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return (wall, cpu), last


def versions(app: Any, ids: list[int], kind: str) -> dict[int, str]:
    """Each proposal's version as its page shows it (``edit_version`` or ``step_version``)."""
    import sqlalchemy as sa

    from shared.db import db
    from shared.models.proposal import Proposal
    from shared.services import proposals as svc
    from shared.tenancy import national_scope

    version_of = getattr(svc, kind)
    with app.app_context(), national_scope():
        found = db.session.scalars(sa.select(Proposal).where(Proposal.id.in_(ids)))
        return {p.id: version_of(p) for p in found}


def report(name: str, times: tuple[list[float], list[float]], size: int | None = None) -> None:
    wall, cpu = sorted(times[0]), sorted(times[1])
    p95 = wall[max(0, int(len(wall) * 0.95) - 1)]
    extra = f"  page {size / 1024:5.1f} KB" if size is not None else ""
    print(
        f"{name:<28} wall p50 {statistics.median(wall):6.1f} ms  p95 {p95:6.1f} ms  "
        f"cpu p50 {statistics.median(cpu):6.1f} ms{extra}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--proposals", type=int, default=2000)
    parser.add_argument("--units", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    from click.testing import CliRunner

    from shared.cli import main as cli
    from shared.cli_support import make_app

    root = Path(tempfile.mkdtemp(prefix="sinovik-proposal-bench-"))
    try:
        instance = root / "node"
        result = CliRunner().invoke(
            cli, ["regional", "init", "--instance", str(instance), "--tenant", "33.20",
                  "--tenant-name", "Kabupaten Jepara"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        t0 = time.perf_counter()
        seed(instance, args.units, args.proposals)
        print(
            f"seeded {args.proposals} proposals in {args.units} units "
            f"({time.perf_counter() - t0:.1f} s)"
        )
        app = make_app("regional", instance)
        app.config["WTF_CSRF_ENABLED"] = False
        client = app.test_client()
        client.post("/login", data={"username": "bench.admin", "password": PASSWORD})
        rng = random.Random(7)
        ids = list(range(201, args.proposals + 1))

        def get(path: str) -> Callable[[], object]:
            def run() -> object:
                response = client.get(path.format(id=rng.choice(ids)))
                assert response.status_code == 200, response.status_code
                return len(response.data)

            return run

        for name, path in (
            ("proposal page", "/proposals/{id}"),
            ("edit form", "/proposals/{id}/edit"),
            ("documents", "/proposals/{id}/attachments"),
            ("history", "/proposals/{id}/history"),
            ("proposal list (page 1)", "/proposals/"),
        ):
            times, size = timed(get(path), args.rounds)
            report(name, times, size)  # type: ignore[arg-type]

        # The versions the pages showed, as a browser posts them back (read untimed)
        edit_versions = versions(app, ids, "edit_version")
        step_versions = versions(app, list(range(1, 201)), "step_version")

        def save_section() -> object:
            text = words(rng, 150)
            pid = rng.choice(ids)
            response = client.post(
                f"/proposals/{pid}/sections/ringkasan",
                data={"text": text, "version": edit_versions[pid]},
                headers={"Accept": "application/json"},
            )
            assert response.status_code == 200, response.data
            edit_versions[pid] = response.get_json()["version"]
            return None

        report("save one section (JSON)", timed(save_section, args.rounds)[0])
        verified = iter(range(1, 201))

        def submit() -> object:
            pid = next(verified)
            response = client.post(f"/proposals/{pid}/submit", data={"version": step_versions[pid]})
            assert response.status_code == 302, response.status_code
            return None

        report("submit (freeze + outbox)", timed(submit, min(200, args.rounds))[0])

        def upload() -> object:
            data = b"%PDF-1.4\n" + rng.randbytes(200 * 1024)
            response = client.post(
                f"/proposals/{rng.choice(ids)}/attachments",
                data={"kind": "photo", "file": (io.BytesIO(data), "foto.pdf")},
                headers={"Accept": "application/json"},
            )
            assert response.status_code == 201, response.data
            return None

        report("upload 200 KB", timed(upload, min(50, args.rounds))[0])
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
