"""Regional node benchmark: idle memory and page times under concurrent clients.

    .venv/bin/python bench/regional_bench.py [--proposals 2000] [--units 30] [--clients 10]
        [--requests 400] [--workers N] [--threads N] [--keep DIR] [--no-cache]

It builds a throwaway regional instance (SQLite, WAL) with the given number of units and
proposals (realistic section texts), starts it with `sinovik regional serve` (gunicorn, the
production server), measures the memory of the idle server (master + workers: RSS, and PSS,
which shares the pages the forked workers have in common fairly among them), then runs
closed-loop clients without think time against the dashboard and the proposal list and
prints p50/p95/max and the server's CPU time per request (user + system time of the workers
while the clients run, after the logins: the figure that other work on the machine skews
least) per page. ``--no-cache`` turns the page cache off (shared/pagecache.py): every request
then pays what a reload right after a change pays. The figures are printed, never asserted:
speed is not a unit test. Targets from the issue: idle node < 80 MB, p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
    "dashboard": "/dashboard",
    "proposal list": None,  # filled from the app's url map (the list may move)
}


def log(msg: str) -> None:
    print(msg, flush=True)


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def seed(instance: Path, n_units: int, n_proposals: int) -> None:
    """Units, accounts and proposals written straight through the models (fast, realistic)."""
    from shared.cli_support import app_context
    from shared.db import db, utcnow
    from shared.models import Proposal, ProposalStatus, Role, Tenant, Unit, User
    from shared.services import competitions
    from shared.services.passwords import hash_password

    rng = random.Random(2027)
    statuses = [
        *[ProposalStatus.DRAFT] * 40,
        *[ProposalStatus.SENT] * 15,
        *[ProposalStatus.RETURNED] * 10,
        *[ProposalStatus.VERIFIED] * 10,
        *[ProposalStatus.SUBMITTED] * 25,
    ]
    with app_context("regional", instance):
        tenant = db.session.execute(db.select(Tenant)).scalar_one()
        comp = competitions.current_competition()
        config = comp.config
        pw = hash_password(PASSWORD)
        now = utcnow()
        db.session.add(
            User(
                username="bench.admin",
                full_name="Admin Bench",
                email="admin@bench.go.id",
                role=Role.LOCAL_ADMIN,
                tenant_id=tenant.id,
                password_hash=pw,
                must_change_password=False,
                profile_completed_at=now,
            )
        )
        units = [
            Unit(tenant_id=tenant.id, name=f"Dinas Bench {i:02d}", head_name=f"Kepala {i}")
            for i in range(n_units)
        ]
        db.session.add_all(units)
        db.session.flush()
        for unit in units:
            db.session.add(
                User(
                    username=f"op{unit.id}",
                    full_name=f"Operator {unit.id}",
                    email=f"op{unit.id}@bench.go.id",
                    role=Role.OPERATOR,
                    tenant_id=tenant.id,
                    unit_id=unit.id,
                    password_hash=pw,
                    must_change_password=False,
                    profile_completed_at=now,
                )
            )
        for i in range(n_proposals):
            group = "umum" if rng.random() < 0.85 else "replikasi"
            sections = {
                s.key: words(rng, int(s.word_limit * rng.uniform(0.5, 0.95)))
                for s in config.sections_for(group)
            }
            status = rng.choice(statuses)
            db.session.add(
                Proposal(
                    tenant_id=tenant.id,
                    unit_id=units[i % n_units].id,
                    competition_id=comp.id,
                    competition_version_id=comp.current.id,
                    group_code=group,
                    category_code=rng.choice(config.categories).code,
                    sdgs=[rng.randint(1, 17)],
                    title=f"Inovasi {words(rng, 6)[:-1]} {i}",
                    implementation_start=date(2022, 1, 1) + timedelta(days=rng.randint(0, 600)),
                    innovator="Tim Inovasi",
                    sections=sections,
                    status=status,
                    replicates_title="Inovasi asal" if group == "replikasi" else "",
                )
            )
            if i % 500 == 499:
                db.session.flush()
        db.session.commit()


def proposal_list_path(instance: Path) -> str | None:
    from shared.cli_support import make_app

    app = make_app("regional", instance)
    for endpoint in ("proposals.index", "proposals.list", "proposals.list_proposals"):
        if endpoint in app.view_functions:
            with app.test_request_context():
                from flask import url_for

                return url_for(endpoint)
    return None


def memory(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MB of one process."""
    rss = pss = 0.0
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) / 1024
    except OSError:
        pss = float("nan")
    return rss, pss


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = session.post(
        base + "login",
        data={"csrf_token": token, "username": username, "password": PASSWORD},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:300]
    return session


def log_in_all(base: str, users: list[str]) -> list[str]:
    """One logged-in session cookie per client (logging in hashes a password: not timed)."""
    cookies = []
    for user in users:
        jar = login(base, user).cookies
        cookies.append("; ".join(f"{c.name}={c.value}" for c in jar))
    return cookies


def run_load(
    base: str, path: str, cookies: list[str], n_requests: int, started: threading.Barrier
) -> list[float]:
    """Closed loop: each client sends its next request as soon as the last one answered.

    Clients use http.client over kept-alive connections: the load generator shares the
    machine with the server, so it should spend as little CPU as it can. Every client sends
    one warm-up request, then all wait at ``started`` (which the caller also joins, to start
    its clock and CPU count there).
    """
    port = int(base.rsplit(":", 1)[1].strip("/"))
    times: list[float] = []
    lock = threading.Lock()
    per_client = max(1, n_requests // len(cookies))
    failures: list[str] = []

    def client(cookie: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        # Flask-Login's strong session protection ties the session to the user agent
        headers = {"Cookie": cookie, "User-Agent": requests.utils.default_user_agent()}
        conn.request("GET", path, headers=headers)  # warm-up
        conn.getresponse().read()
        started.wait()
        local = []
        for _ in range(per_client):
            sent = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            local.append((time.perf_counter() - sent) * 1000)
            if response.status != 200:
                failures.append(f"{path}: {response.status}")
        conn.close()
        with lock:
            times.extend(local)

    threads = [threading.Thread(target=client, args=(c,)) for c in cookies]
    for t in threads:
        t.start()
    started.wait()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"failed requests: {failures[:3]}")
    return times


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--proposals", type=int, default=2000)
    parser.add_argument("--units", type=int, default=30)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--requests", type=int, default=400, help="per page, all clients")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the serve one)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: the serve one)")
    parser.add_argument("--keep", type=Path, help="build the instance here and keep it")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="turn the page cache off (PAGE_CACHE_MAX_AGE=0): the cost of every cache miss",
    )
    args = parser.parse_args()

    from shared.cli import main as sinovik
    from shared.cli_support import free_port

    folder = args.keep or Path(tempfile.mkdtemp(prefix="sinovik-bench-"))
    instance = folder / "node"
    try:
        t0 = time.perf_counter()
        sinovik.main(
            [
                "regional",
                "init",
                "--instance",
                str(instance),
                "--tenant",
                "33.20",
                "--tenant-name",
                "Kabupaten Jepara",
            ],
            standalone_mode=False,
        )
        seed(instance, args.units, args.proposals)
        db_mb = (instance / "sinovik.db").stat().st_size / 1e6
        log(
            f"instance: {args.units} units, {args.proposals} proposals, database {db_mb:.1f} MB "
            f"(built in {time.perf_counter() - t0:.1f} s)"
        )
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        log(f"machine: {os.cpu_count()} CPUs, load average {load} (other work skews the times)")
        list_path = proposal_list_path(instance)
        PAGES["proposal list"] = list_path

        port = free_port()
        cmd = [
            sys.executable,
            "-m",
            "shared",
            "regional",
            "serve",
            "--instance",
            str(instance),
            "--port",
            str(port),
        ]
        if args.workers:
            cmd += ["--workers", str(args.workers)]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        env = dict(os.environ)
        if args.no_cache:
            env["SINOVIK_PAGE_CACHE_MAX_AGE"] = "0"  # every request computes its figures and rows
        server = subprocess.Popen(
            cmd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
        )
        base = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(base + "login", timeout=1)
                    break
                except requests.RequestException:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.3)
            time.sleep(2)  # every worker booted
            _report_memory("idle, just started", server.pid)

            users = ["bench.admin"] * args.clients
            log(
                f"\nload: {args.clients} concurrent clients (closed loop, no think time), "
                f"{args.requests} requests per page"
            )
            log(
                f"{'page':<28}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'req/s':>8}"
                f"{'server CPU ms/req':>19}"
            )
            for label, path in PAGES.items():
                if path is None:
                    log(f"{label:<28}  (no such page in this build)")
                    continue
                workers = children(server.pid)
                cookies = log_in_all(base, users)
                clock: dict[str, float] = {}

                def start_clock(clock: dict[str, float] = clock, pids: list[int] = workers) -> None:
                    clock["at"], clock["cpu"] = time.perf_counter(), cpu_seconds(pids)

                barrier = threading.Barrier(len(cookies) + 1, action=start_clock)
                times = run_load(base, path, cookies, args.requests, barrier)
                rate = len(times) / (time.perf_counter() - clock["at"])
                # logins and warm-up requests come before the clock starts
                per_request = (cpu_seconds(workers) - clock["cpu"]) * 1000 / len(times)
                log(
                    f"{label + ' ' + path:<28}{pct(times, 50):>9.1f}{pct(times, 95):>9.1f}"
                    f"{max(times):>9.1f}{rate:>8.0f}{per_request:>19.1f}"
                )
            time.sleep(1)
            _report_memory("\nidle again, after the load", server.pid)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


def _report_memory(label: str, master: int) -> None:
    pids = [master, *children(master)]
    rows = [(pid, *memory(pid)) for pid in pids]
    log(f"{label}: gunicorn master + {len(pids) - 1} worker(s)")
    for pid, rss, pss in rows:
        role = "master" if pid == master else "worker"
        log(f"  {role:<7} pid {pid:<8} RSS {rss:6.1f} MB   PSS {pss:6.1f} MB")
    log(
        f"  total           RSS {sum(r[1] for r in rows):6.1f} MB   "
        f"PSS {sum(r[2] for r in rows):6.1f} MB (target < 80 MB)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
