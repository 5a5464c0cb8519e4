"""Public catalogue benchmark: full-text search over 20,000 innovations under concurrent clients.

    .venv/bin/python bench/catalogue_bench.py [--entries 20000] [--clients 20] [--requests 60]
        [--backend sqlite|postgresql|both] [--pg-url postgresql://postgres@127.0.0.1/postgres]
        [--workers N] [--threads N] [--keep DIR]

For each backend it builds a throwaway central instance (`sinovik central init`; on PostgreSQL
in a fresh database it drops afterwards), seeds the 552 official regions and ten competition
years with ``--entries`` finalists in total, each with realistic section texts (about 3 KB),
builds their catalogue entries with the catalogue service (so the database's own full-text
index, FTS5 or tsvector+GIN, is filled by its triggers), publishes every year, and starts the
server with `sinovik central serve` (gunicorn, the production server).  Then ``--clients``
closed-loop clients without think time each send ``--requests`` searches to the public
catalogue page (``/catalogue?q=...``, HTML, 20 results and the total count): single words
(topic words such as "stunting" that match about 5% of the entries, 10% very common words such
as "layanan" that match nearly all, rare names), a topic word with a common word, word
prefixes, and topic words with a category, year, province or award filter.
It prints p50/p95/p99/max and throughput per backend, per query kind, and for the JSON API,
and how many requests asked a question not asked before in the run (these are answered
without a cache; the gunicorn workers share finished answers, so a repeat is not built again
in the other worker; ``--no-cache`` turns the cache of finished answers off to show the cost of
every miss), and the CPU time per request of the server, of PostgreSQL and of the clients
(which share the machine's cores with the server).
Figures are printed, never asserted.  Target from the issue: p95 under 100 ms.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVICES = [
    "kesehatan",
    "puskesmas",
    "posyandu",
    "stunting",
    "ambulans",
    "imunisasi",
    "gizi",
    "pendidikan",
    "sekolah",
    "beasiswa",
    "perpustakaan",
    "perizinan",
    "investasi",
    "kependudukan",
    "akta",
    "nikah",
    "sampah",
    "limbah",
    "sanitasi",
    "air",
    "irigasi",
    "pertanian",
    "pupuk",
    "nelayan",
    "pasar",
    "koperasi",
    "pajak",
    "retribusi",
    "transportasi",
    "angkutan",
    "jalan",
    "bencana",
    "banjir",
    "kebakaran",
    "disabilitas",
    "lansia",
    "perempuan",
    "anak",
    "pengaduan",
    "hukum",
    "arsip",
    "pariwisata",
    "umkm",
]
QUALIFIERS = [
    "digital",
    "daring",
    "terpadu",
    "keliling",
    "mandiri",
    "cerdas",
    "ramah",
    "inklusif",
    "cepat",
    "gratis",
    "satu",
    "pintu",
    "berbasis",
    "aplikasi",
    "terintegrasi",
    "jemput",
    "bola",
    "partisipatif",
    "responsif",
]
COMMON = [
    "layanan",
    "publik",
    "inovasi",
    "masyarakat",
    "daerah",
    "pelayanan",
    "warga",
    "desa",
    "kecamatan",
    "data",
    "antrean",
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
    "kader",
    "keluhan",
    "waktu",
    "biaya",
    "persyaratan",
    "standar",
    "kepuasan",
    "indeks",
    "meningkat",
    "menurun",
    "tahun",
    "bulan",
    "pengguna",
    "manfaat",
    "dampak",
    "perubahan",
    "perilaku",
    "budaya",
    "kerja",
]
RARE = [
    f"{a}{b}"
    for a in ("sipa", "gerai", "lapak", "pos", "rumah", "klinik")
    for b in ("kita", "sehat", "pintar", "aman", "bersih", "maju", "jaya", "ceria")
]
YEARS = range(2018, 2028)
CATEGORIES = [
    "kemiskinan",
    "pendidikan",
    "kesehatan",
    "ketahanan_pangan",
    "ekonomi",
    "pemberdayaan",
    "gender",
    "lingkungan",
    "tata_kelola",
    "penegakan_hukum",
]


def log(msg: str) -> None:
    print(msg, flush=True)


def _sentence(rng: random.Random, n: int, topic: str) -> str:
    """Mostly general public-service words, a fifth the innovation's own topic, now and then
    another topic; a rare name once in a while (so topic words match about 5% of entries,
    general words most of them, as in a real catalogue)."""
    words = []
    for _ in range(n):
        r = rng.random()
        words.append(
            topic if r < 0.2 else rng.choice(SERVICES) if r < 0.205 else rng.choice(COMMON)
        )
    if rng.random() < 0.05:
        words[rng.randrange(n)] = rng.choice(RARE)
    return " ".join(words).capitalize() + "."


def _section(rng: random.Random, sentences: int, topic: str) -> str:
    return " ".join(_sentence(rng, rng.randint(8, 16), topic) for _ in range(sentences))


def seed(instance: Path, entries: int) -> None:
    """Regions, ten competition years and ``entries`` finalists with catalogue entries."""
    import sqlalchemy as sa

    from central.catalogue.services import refresh_entries
    from shared.cli_support import app_context
    from shared.db import db, utcnow
    from shared.models import Competition, Proposal, ProposalStatus, ScreeningResult, Stage, Tenant
    from shared.services import competitions, tenants

    rng = random.Random(2027)
    with app_context("central", instance):
        tenants.seed_regions()
        tenant_ids = list(db.session.execute(sa.select(Tenant.id)).scalars())
        existing = {c.year for c in db.session.execute(sa.select(Competition)).scalars()}
        for year in YEARS:
            if year not in existing:
                competitions.create_default_competition(year)
        db.session.commit()
        comps = {
            c.year: c
            for c in db.session.execute(sa.select(Competition)).scalars()
            if c.year in YEARS
        }
        per_year = entries // len(comps)
        started = time.perf_counter()
        for year, comp in sorted(comps.items()):
            rows = []
            for _ in range(per_year):
                service, qualifier = rng.choice(SERVICES), rng.choice(QUALIFIERS)
                sections = {
                    key: _section(rng, n, service)
                    for key, n in (
                        ("ringkasan", 3),
                        ("signifikansi", 5),
                        ("ide_inovatif", 5),
                        ("kontribusi_sdgs", 2),
                        ("adaptabilitas", 3),
                        ("keberlanjutan", 3),
                        ("kolaborasi", 2),
                    )
                }
                rows.append(
                    {
                        "uuid": str(uuid.uuid4()),
                        "tenant_id": rng.choice(tenant_ids),
                        "competition_id": comp.id,
                        "competition_version_id": comp.current.id,
                        "group_code": "umum",
                        "category_code": rng.choice(CATEGORIES),
                        "sdgs": [rng.randint(1, 17)],
                        "title": f"{rng.choice(RARE).capitalize()} {service.capitalize()} "
                        f"{qualifier.capitalize()} {rng.randint(1, 999)}",
                        "implementation_start": date(year - 2, 1, 1)
                        + timedelta(days=rng.randrange(700)),
                        "innovator": "Tim Inovasi",
                        "contact_name": "Narahubung",
                        "sections": sections,
                        "status": ProposalStatus.SUBMITTED,
                        "screening_result": ScreeningResult.PASSED,
                        "stage_code": "final",
                        "award": "top" if rng.random() < 0.3 else None,
                        "created_at": utcnow(),
                        "updated_at": utcnow(),
                    }
                )
            db.session.execute(sa.insert(Proposal), rows)
            refresh_entries(comp.id, actor=None)
            db.session.commit()
            log(f"  {year}: {per_year} innovations ({time.perf_counter() - started:.0f} s)")
        db.session.execute(
            sa.update(Stage)
            .where(Stage.code.in_(("top99", "final")))
            .values(publish_at=utcnow() - timedelta(days=1))
        )
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # what autovacuum does within a minute of a bulk load: planner statistics
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def _queries(rng: random.Random, n: int) -> list[tuple[str, str]]:
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.35:
            out.append(("topic word", f"q={rng.choice(SERVICES)}"))
        elif r < 0.45:
            out.append(("very common word", f"q={rng.choice(COMMON)}"))
        elif r < 0.55:
            out.append(("rare name", f"q={rng.choice(RARE)}"))
        elif r < 0.75:
            out.append(("topic + word", f"q={rng.choice(SERVICES)}+{rng.choice(COMMON)}"))
        elif r < 0.85:
            word = rng.choice(SERVICES)
            out.append(("prefix", f"q={word[: max(3, len(word) - 3)]}"))
        else:
            extra = rng.choice(
                [
                    f"category={rng.choice(CATEGORIES)}",
                    f"year={rng.choice(list(YEARS))}",
                    "province=33",
                    "award=top",
                ]
            )
            out.append(("topic + filter", f"q={rng.choice(SERVICES)}&{extra}"))
    return out


def _cpu_seconds(match) -> float:
    """CPU time (user + system) of the processes ``match(pid, ppid, cmdline)`` selects."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if match(int(entry.name), int(fields[1]), cmdline):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _wait(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server died")
        try:
            requests.get(url + "login", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def load(base: str, path: str, clients: int, per_client: int) -> dict[str, list[float]]:
    """Closed-loop clients; returns latencies (ms) by query kind.

    The clients share the machine's two cores with the server, so they are as light as the
    standard library allows: one ``http.client`` connection per request (gunicorn's sync
    workers close it after each answer anyway).  With ``requests`` the 20 client threads took
    about 1.1 ms of CPU per request, and their contention for the interpreter added to every
    measured latency; ``http.client`` takes about 0.3 ms.
    """
    results: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    address = urlsplit(base)

    def client(seed: int) -> None:
        rng = random.Random(seed)
        mine: dict[str, list[float]] = defaultdict(list)
        for kind, query in _queries(rng, per_client):
            t0 = time.perf_counter()
            connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
            connection.request("GET", f"{address.path.rstrip('/')}{path}?{query}")
            response = connection.getresponse()
            response.read()
            connection.close()
            elapsed = (time.perf_counter() - t0) * 1000
            if response.status != 200:
                errors.append(f"{response.status} {query}")
            mine[kind].append(elapsed)
        with lock:
            for kind, values in mine.items():
                results[kind].extend(values)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        log(f"  errors: {len(errors)} (first: {errors[0]})")
    return results


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(title: str, results: dict[str, list[float]], seconds: float | None) -> None:
    everything = [v for values in results.values() for v in values]
    rate = f" in {seconds:.1f} s = {len(everything) / seconds:.0f} req/s" if seconds else ""
    log(
        f"  {title}: {len(everything)} requests{rate}; "
        f"p50 {statistics.median(everything):.1f} ms, "
        f"p95 {pct(everything, 95):.1f} ms, p99 {pct(everything, 99):.1f} ms, "
        f"max {max(everything):.1f} ms"
    )
    for kind, values in sorted(results.items()):
        log(
            f"    {kind:<17} n={len(values):<5} p50 {statistics.median(values):6.1f} ms  "
            f"p95 {pct(values, 95):6.1f} ms"
        )


def run_backend(name: str, args: argparse.Namespace, workdir: Path) -> None:
    from click.testing import CliRunner

    from shared.cli import main
    from shared.cli_support import free_port

    log(f"== {name}: {args.entries} innovations, {args.clients} clients")
    instance = workdir / name
    init = ["central", "init", "--instance", str(instance)]
    admin_engine = db_name = None
    if name == "postgresql":
        import sqlalchemy as sa

        admin_url = sa.make_url(args.pg_url).set(drivername="postgresql+psycopg")
        admin_engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        db_name = f"sinovik_bench_{uuid.uuid4().hex[:8]}"
        with admin_engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{db_name}"')
        url = admin_url.set(database=db_name).render_as_string(hide_password=False)
        init += ["--database-url", url.replace("postgresql+psycopg://", "postgresql://")]
    result = CliRunner().invoke(main, init, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    process = None
    try:
        t0 = time.perf_counter()
        seed(instance, args.entries)
        log(f"  seeded in {time.perf_counter() - t0:.0f} s")
        port = free_port()
        env = {**os.environ, "SINOVIK_API_RATE_LIMIT": "1000000 per minute"}
        if args.no_cache:  # every request builds its answer (the search index stays on)
            env["SINOVIK_PAGE_CACHE_MAX_AGE"] = "0"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "shared",
                "central",
                "serve",
                "--instance",
                str(instance),
                "--port",
                str(port),
                *(["--workers", str(args.workers)] if args.workers else []),
                *(["--threads", str(args.threads)] if args.threads else []),
            ],
            stdout=(workdir / f"{name}-server.log").open("wb"),
            stderr=subprocess.STDOUT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        _wait(base + "/", process)
        load(base, "/catalogue", 2, 20)  # warm up every worker
        asked: set[str] = set()

        def new_questions(path: str, clients: int, n: int) -> str:
            """How many of the phase's requests ask what no earlier request of the run asked."""
            queries = [
                f"{path}?{q}" for i in range(clients) for _, q in _queries(random.Random(i), n)
            ]
            new = len(set(queries) - asked)
            asked.update(queries)
            return f"{new} of {len(queries)} questions new in this run"

        new_questions("/catalogue", 2, 20)

        def server_cpu() -> tuple[float, float]:
            """CPU seconds of gunicorn (master and workers) and of the PostgreSQL backends."""
            server = process.pid
            workers = _cpu_seconds(lambda pid, ppid, cmd: pid == server or ppid == server)
            backends = _cpu_seconds(lambda pid, ppid, cmd: db_name is not None and db_name in cmd)
            return workers, backends

        def client_cpu() -> float:
            """CPU seconds of this process (the clients share the machine with the server)."""
            times = os.times()
            return times.user + times.system

        results = load(base, "/catalogue", 1, args.requests)
        report("catalogue page, one client at a time (no queueing)", results, None)
        log(f"    {new_questions('/catalogue', 1, args.requests)}")
        for title, path, n in (
            ("catalogue page (HTML)", "/catalogue", args.requests),
            ("open-data API (JSON)", "/api/v1/catalogue", args.requests // 2),
        ):
            (workers0, backends0), clients0, t0 = server_cpu(), client_cpu(), time.perf_counter()
            results = load(base, path, args.clients, n)
            seconds = time.perf_counter() - t0
            workers1, backends1 = server_cpu()
            report(title, results, seconds)
            log(f"    {new_questions(path, args.clients, n)}")
            per_request = 1000 / sum(len(v) for v in results.values())
            workers = (workers1 - workers0) * per_request
            backends = (backends1 - backends0) * per_request
            split = f" = gunicorn {workers:.1f} + PostgreSQL {backends:.1f}" if db_name else ""
            log(
                f"    server CPU {workers + backends:.1f} ms per request{split}; the clients "
                f"{(client_cpu() - clients0) * per_request:.1f} ms; load average "
                f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
            )
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        if admin_engine is not None and args.keep is not None:
            log(f"  kept database {db_name}")
        elif admin_engine is not None:
            with admin_engine.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            admin_engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=60, help="searches per client")
    parser.add_argument("--workers", type=int, help="default: central serve's")
    parser.add_argument("--threads", type=int, help="default: central serve's")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "SINOVIK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1/postgres"
        ),
    )
    parser.add_argument("--keep", type=Path, help="keep the instances in this folder")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="turn the cache of finished answers off (PAGE_CACHE_MAX_AGE=0): the cost of a miss",
    )
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="sinovik-catalogue-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        for name in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
            run_backend(name, args, workdir)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
