"""Central server benchmark: national dashboard and screening list under concurrent clients.

    .venv/bin/python bench/central_bench.py [--database-url postgresql://postgres@127.0.0.1/postgres]
        [--tenants 550] [--proposals 5000] [--clients 20] [--seconds 20] [--workers N]
        [--threads N] [--keep] [--no-cache]

It creates a throwaway PostgreSQL database, initialises a central instance on it (migrations),
seeds the official regions plus ministries and enterprises up to ``--tenants`` tenants, and
writes ``--proposals`` proposals spread over them (realistic section texts, most of them
submitted, with the deadline surge in the last days). It computes the screening checklists
(timed: that is what the secretariat's "recompute" costs), starts the server with
gunicorn with `sinovik central serve`'s defaults (2 x cores + 1 sync workers), logs in one
secretariat session per client, and runs closed-loop clients without think time against the
national dashboard and the screening list for ``--seconds`` each. It prints p50/p95/p99/max
and throughput per page. Figures are printed, never asserted. Target from the issue: p95 under
150 ms with 20 concurrent clients. The database is dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from central.cli import DEFAULT_WORKERS  # noqa: E402  (after the path)

PASSWORD = "BenchMark2027"
VOCABULARY = (
    "layanan publik inovasi masyarakat daerah pelayanan digital aplikasi warga desa kecamatan "
    "kesehatan pendidikan data terpadu antrean cepat mudah murah transparan akuntabel kolaborasi "
    "pemangku kepentingan keberlanjutan replikasi anggaran peraturan bupati dinas puskesmas "
    "sekolah kader posyandu keluhan pengaduan waktu biaya persyaratan standar kepuasan indeks "
    "meningkat menurun tahun bulan pengguna manfaat dampak perubahan perilaku budaya kerja"
)
WORDS = VOCABULARY.split()
PAGES = {
    "national dashboard": "/dashboard",
    "screening list": "/screening/",
    "screening list, flagged, page 3": "/screening/?flagged=1&page=3",
}


def log(msg: str) -> None:
    print(msg, flush=True)


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


# -- database and instance ---------------------------------------------------------------------


def create_database(admin_url: str) -> tuple[str, str]:
    import sqlalchemy as sa

    name = f"sinovik_bench_{uuid.uuid4().hex[:8]}"
    url = sa.make_url(admin_url).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return name, url.set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    import sqlalchemy as sa

    url = sa.make_url(admin_url).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


def sinovik(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "shared", "central", *args],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def seed(instance: Path, n_tenants: int, n_proposals: int) -> None:
    """Tenants, a secretariat account and proposals, written straight through the models."""
    import sqlalchemy as sa

    from shared.cli_support import app_context
    from shared.db import db, utcnow
    from shared.models import Proposal, ProposalStatus, Role, Tenant, TenantKind, User
    from shared.services import competitions
    from shared.services.passwords import hash_password

    rng = random.Random(2027)
    with app_context("central", instance):
        # about 30 ministries, agencies and enterprises; the rest are regions
        central_agencies = []
        for i in range(min(30, n_tenants)):
            kind = (TenantKind.KEMENTERIAN, TenantKind.LEMBAGA, TenantKind.BUMN)[i % 3]
            central_agencies.append(
                Tenant(code=f"KL.{i:03d}", name=f"Instansi Pusat {i:03d}", kind=kind)
            )
        db.session.add_all(central_agencies)
        db.session.flush()
        regions = db.session.execute(
            sa.select(Tenant).where(Tenant.code.not_like("KL.%")).order_by(Tenant.code)
        ).scalars()
        tenants = [*central_agencies, *list(regions)[: n_tenants - len(central_agencies)]]
        now = utcnow()
        db.session.add(
            User(
                username="bench.sekretariat",
                full_name="Sekretariat Bench",
                email="sekretariat@bench.go.id",
                role=Role.SECRETARIAT,
                password_hash=hash_password(PASSWORD),
                must_change_password=False,
                profile_completed_at=now,
            )
        )
        comp = competitions.current_competition()
        config = comp.config
        opens, closes = comp.registration_opens_at, comp.registration_closes_at
        window = (closes - opens).total_seconds()
        rows = []
        for i in range(n_proposals):
            tenant = tenants[i % len(tenants)]
            group = "umum" if rng.random() < 0.8 else "replikasi"
            submitted = rng.random() < 0.85
            # the deadline surge: half of the submissions in the last tenth of the window
            share = rng.uniform(0.9, 1.0) if rng.random() < 0.5 else rng.uniform(0.1, 0.9)
            submitted_at = opens + timedelta(seconds=window * share) if submitted else None
            submitted_at = min(submitted_at, now) if submitted_at else None
            rows.append(
                {
                    "uuid": str(uuid.uuid4()),
                    "tenant_id": tenant.id,
                    "competition_id": comp.id,
                    "competition_version_id": comp.current.id,
                    "group_code": group,
                    "category_code": rng.choice(config.categories).code,
                    "sdgs": [rng.randint(1, 17)],
                    "title": f"Inovasi {words(rng, 6)[:-1]} {i}",
                    "implementation_start": date(2021, 1, 1) + timedelta(days=rng.randint(0, 1500)),
                    "innovator": "Tim Inovasi",
                    "sections": {
                        s.key: words(rng, int(s.word_limit * rng.uniform(0.5, 1.05)))
                        for s in config.sections_for(group)
                    },
                    "truth_declared": rng.random() < 0.95,
                    "replicates_title": "Inovasi asal" if group == "replikasi" else "",
                    "status": ProposalStatus.SUBMITTED
                    if submitted
                    else rng.choice(list(ProposalStatus)[:4]),
                    "submitted_at": submitted_at,
                    "received_at": submitted_at,
                    "submitted_revision": 1 if submitted else None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        for start in range(0, len(rows), 1000):
            db.session.execute(sa.insert(Proposal), rows[start : start + 1000])
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def compute_checklists(instance: Path) -> float:
    from central.screening.services import refresh_checks
    from shared.cli_support import app_context
    from shared.db import db
    from shared.services.competitions import current_competition

    with app_context("central", instance):
        started = time.perf_counter()
        refresh_checks(current_competition())
        db.session.commit()
        return time.perf_counter() - started


# -- server and clients -------------------------------------------------------------------------


def start_server(
    instance: Path, port: int, workers: int, threads: int, cache: bool
) -> subprocess.Popen:
    env = {**os.environ, "SINOVIK_INSTANCE": str(instance)}
    if not cache:
        env["SINOVIK_PAGE_CACHE_MAX_AGE"] = "0"  # every request computes its figures and rows
    code = (
        "from shared.cli_support import make_app; from shared.server import serve; "
        f"serve(lambda: make_app('central', __import__('pathlib').Path({str(instance)!r})), "
        f"host='127.0.0.1', port={port}, workers={workers}, threads={threads})"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/login")
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start")


class Client:
    """One keep-alive connection with its own session cookie, like one browser."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.conn.close()  # the server closed an idle keep-alive connection: reconnect
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        return response.status, text

    def login(self) -> None:
        _, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            r'name="csrf_token" value="([^"]+)"', page
        )
        assert token, "no CSRF token on the login page"
        body = urlencode(
            {"csrf_token": token.group(1), "username": "bench.sekretariat", "password": PASSWORD}
        )
        status, _ = self.request("POST", "/login", body)
        assert status == 302, f"login failed ({status})"


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes (from /proc; 0 for those gone)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def server_pids(server: subprocess.Popen) -> list[int]:
    """The gunicorn master and its workers (one process group)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == server.pid:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def database_pids(url: str, name: str) -> list[int]:
    """The PostgreSQL backends serving the bench database (if the server runs here)."""
    import sqlalchemy as sa

    engine = sa.create_engine(sa.make_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        pids = conn.exec_driver_sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).scalars()
        pids = list(pids)
    engine.dispose()
    return pids


def run_load(clients: list[Client], path: str, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def loop(client: Client) -> None:
        nonlocal errors
        local: list[float] = []
        bad = 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            status, _ = client.request("GET", path)
            local.append(time.perf_counter() - started)
            bad += status != 200
        with lock:
            latencies.extend(local)
            errors += bad

    threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def report(
    name: str, latencies: list[float], errors: int, seconds: float, cpu: tuple[float, float]
) -> None:
    ms = sorted(x * 1000 for x in latencies)
    q = statistics.quantiles(ms, n=100)
    n = len(ms)
    log(
        f"  {name:32s} n={n:5d} {n / seconds:6.1f} req/s  p50 {q[49]:6.1f}  p95 {q[94]:6.1f}  "
        f"p99 {q[98]:6.1f}  max {ms[-1]:6.1f} ms  errors {errors}  "
        f"CPU/request: app {cpu[0] / n * 1000:.1f} ms, PostgreSQL {cpu[1] / n * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "SINOVIK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1/postgres"
        ),
        help="a PostgreSQL server where a throwaway database may be created",
    )
    parser.add_argument("--tenants", type=int, default=550)
    parser.add_argument("--proposals", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database and instance")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="turn the page cache off (PAGE_CACHE_MAX_AGE=0): the cost of every cache miss",
    )
    args = parser.parse_args()

    from shared.cli_support import free_port

    name, url = create_database(args.database_url)
    instance = Path(tempfile.mkdtemp(prefix="sinovik-central-bench-"))
    server = None
    try:
        t0 = time.perf_counter()
        sinovik("init", "--instance", str(instance), "--database-url", url)
        sinovik("seed-regions", "--instance", str(instance))
        seed(instance, args.tenants, args.proposals)
        log(
            f"seeded {args.tenants} tenants and {args.proposals} proposals "
            f"in {time.perf_counter() - t0:.1f} s (database {name})"
        )
        took = compute_checklists(instance)
        log(f"screening checklists of every submitted proposal: {took:.1f} s")
        port = free_port()
        server = start_server(instance, port, args.workers, args.threads, not args.no_cache)
        clients = [Client(port) for _ in range(args.clients)]
        for client in clients:
            client.login()
        log(
            f"gunicorn gthread, {args.workers} workers x {args.threads} threads; "
            f"{args.clients} concurrent clients, closed loop, {args.seconds:.0f} s per page; "
            f"page cache {'off' if args.no_cache else 'on'}"
        )
        log(f"load average before the run: {os.getloadavg()[0]:.1f} (other work on this machine)")
        for label, path in PAGES.items():
            run_load(clients, path, 2)  # warm up: connections, caches, plans
            app_pids, db_pids = server_pids(server), database_pids(url, name)
            before = _cpu_seconds(app_pids), _cpu_seconds(db_pids)
            latencies, errors = run_load(clients, path, args.seconds)
            after = _cpu_seconds(app_pids), _cpu_seconds(db_pids)
            cpu = (after[0] - before[0], after[1] - before[1])
            report(label, latencies, errors, args.seconds, cpu)
        log(f"load average after the run: {os.getloadavg()[0]:.1f}")
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        if args.keep:
            log(f"kept database {name} and instance {instance}")
        else:
            drop_database(args.database_url, name)
            import shutil

            shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
