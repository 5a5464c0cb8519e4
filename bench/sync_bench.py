"""Sync push benchmark: a node pushes N proposals to central, beside PouchDB and the raw limits.

    .venv/bin/python bench/sync_bench.py [--docs 2000,10000] [--backends sqlite,postgresql]
        [--batches 100,500] [--repeat 1] [--no-references] [--many-nodes] [--profile DIR]
    .venv/bin/python bench/sync_bench.py --json DOCS.jsonl      # as OURS_CMD of run_all.sh
    .venv/bin/python bench/sync_bench.py --many-nodes-only [--nodes 50 --per-node 100]

What is timed is what the PouchDB peer of ``shared/bench`` times: from "N proposals are in the
regional node's database, submitted and not yet synced" to "central has committed all N and
the node has recorded that" (``sync push`` until every outbox item is acknowledged). Central
runs as ``sinovik central serve`` (gunicorn, its own process on 127.0.0.1) on a fresh database
for every measurement (a copy of a migrated template: SQLite file or PostgreSQL ``CREATE
DATABASE ... TEMPLATE``); the node is its own process too, holding a fresh copy of a seeded
SQLite node. Building, seeding, starting the server and loading the node app are untimed; the
node says hello a few times before the timer starts (the connection it times is a new one),
and node processes exit after it stops. ``machine_busy_pct`` says how busy all CPUs were
while timed (100: the run was CPU-bound).

Afterwards, outside the timer, central's database is read directly: every document's
proposal must be there exactly once (revision and proposal rows), and the node must hold
every outbox item as acknowledged; ``verified`` is the outcome.

Standalone, for each N it also runs the references on the same documents in the same run
(``raw_limit.py``: loopback HTTP sink and SQLite executemany; ``run_pouchdb.sh``: the stock
PouchDB peer, when node and npm are there) and prints them side by side. ``--many-nodes``
adds the concurrency check: 50 nodes push 100 proposals each at once into one central on
PostgreSQL (nothing may be lost or duplicated), against one node pushing all 5,000.

With a DOCS path it prints only our JSON lines (``peer`` ``sinovik_sqlite`` /
``sinovik_postgresql``), for ``OURS_CMD`` of ``shared/bench/run_all.sh``. PostgreSQL is
taken from ``SINOVIK_BENCH_POSTGRES_URL`` (or ``SINOVIK_TEST_POSTGRES_URL``, default
postgresql://postgres@127.0.0.1:5432/postgres); inside run_all.sh's private network namespace
it is not reachable, so run that with ``BENCH_NETNS=0`` or it is skipped with a note.

Figures are printed, never asserted: speed is not a unit test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
PRIMARY_TENANT = ("33.20", "Kabupaten Jepara")
HELLOS = 4  # untimed requests before the timer: every central worker has answered once


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def bench_dir() -> Path:
    """``shared/bench`` of the project (next to the main checkout or a worktree)."""
    candidates = [
        os.environ.get("SINOVIK_BENCH_DIR"),
        ROOT.parent / "shared" / "bench",
        ROOT.parent.parent / "shared" / "bench",
        "/work/shared/bench",
    ]
    for c in candidates:
        if c and (Path(c) / "make_docs.py").exists():
            return Path(c)
    raise SystemExit("shared/bench not found: set SINOVIK_BENCH_DIR")


def run_no(rep: int) -> int:
    try:
        r = int(os.environ.get("BENCH_ROUND", ""))
    except ValueError:
        return rep
    return r + rep - 1 if r > 0 else rep


def make_docs(n: int, out: Path) -> Path:
    if not out.exists():
        subprocess.run(
            [sys.executable, str(bench_dir() / "make_docs.py"), str(n), str(out)],
            check=True,
            stderr=subprocess.DEVNULL,
        )
    return out


def read_docs(path: Path) -> list[dict[str, Any]]:
    with path.open("rb") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def cpu_seconds(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def machine_ticks() -> tuple[int, int]:
    """All CPUs' clock ticks so far: (total, idle) from /proc/stat ((0, 0) elsewhere)."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return 0, 0
    return sum(ticks), ticks[3] + ticks[4]  # idle and iowait


def busy_percent(before: tuple[int, int], after: tuple[int, int]) -> float | None:
    total, idle = after[0] - before[0], after[1] - before[1]
    return round(100 * (total - idle) / total, 1) if total else None


def database_pids(backend: str) -> list[int]:
    """PostgreSQL's processes on this machine (backends, WAL writer, checkpointer...), whose
    CPU is part of what a push costs; none for SQLite, which runs inside the server."""
    if backend != "postgresql":
        return []
    out = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def process_tree(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [pid, *(int(p) for p in out.split())]


# -- databases ------------------------------------------------------------------------------


def pg_admin_url() -> str:
    return (
        os.environ.get("SINOVIK_BENCH_POSTGRES_URL")
        or os.environ.get("SINOVIK_TEST_POSTGRES_URL")
        or DEFAULT_PG
    )


def _pg_admin():
    import sqlalchemy as sa

    url = sa.make_url(pg_admin_url()).set(drivername="postgresql+psycopg")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool), url


def pg_available() -> bool:
    try:
        engine, _ = _pg_admin()
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True
    except Exception as err:  # any failure means "not here"
        log(f"[sync] PostgreSQL at {pg_admin_url()} not reachable ({type(err).__name__})")
        return False


def pg_create(name: str, template: str | None = None) -> str:
    engine, url = _pg_admin()
    with engine.connect() as conn:
        if template:  # setup code in this process may still hold a pooled connection to it
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (template,),
            )
        conn.exec_driver_sql(
            f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        )
    return url.set(drivername="postgresql", database=name).render_as_string(hide_password=False)


def pg_drop(name: str) -> None:
    engine, _ = _pg_admin()
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _release() -> None:
    """Close the current app's pooled connections (a template database must have none)."""
    from shared.db import db

    db.session.remove()
    db.engine.dispose()


def _checkpoint(path: Path) -> None:
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def _engine(url: str):
    import sqlalchemy as sa

    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def _cli(*args: str) -> None:
    """A `sinovik` command in this process; what it prints goes to stderr (stdout is JSON)."""
    from contextlib import redirect_stdout

    from shared.cli import main as sinovik

    with redirect_stdout(sys.stderr):
        sinovik.main(list(args), standalone_mode=False)


# -- central --------------------------------------------------------------------------------


@dataclass
class NodeCredentials:
    node_id: str
    secret: str
    tenant_code: str
    tenant_name: str


@dataclass
class CentralTemplate:
    backend: str
    folder: Path
    instance: Path
    db_name: str = ""  # PostgreSQL template database
    nodes: list[NodeCredentials] = field(default_factory=list)


def regions(count: int) -> list[tuple[str, str]]:
    """The primary tenant, then official kabupaten/kota (distinct tenants for many nodes)."""
    from shared.models.tenant import TenantKind
    from shared.services.tenants import official_regions

    out = [PRIMARY_TENANT]
    for r in official_regions():
        if len(out) >= count:
            break
        if r.kind in (TenantKind.KABUPATEN, TenantKind.KOTA) and r.code != PRIMARY_TENANT[0]:
            out.append((r.code, r.name))
    return out[:count]


def build_central(folder: Path, backend: str, tenants: list[tuple[str, str]]) -> CentralTemplate:
    """A migrated central with the tenants and one node credential per tenant (untimed)."""
    import sqlalchemy as sa

    from shared.cli_support import app_context
    from shared.db import db
    from shared.models.tenant import Tenant
    from shared.services import tenants as tenant_service
    from sync import credentials

    instance = folder / "central-template"
    tpl = CentralTemplate(backend, folder, instance)
    args = ["central", "init", "--instance", str(instance)]
    if backend == "postgresql":
        tpl.db_name = f"sinovik_syncbench_tpl_{uuid.uuid4().hex[:8]}"
        args += ["--database-url", pg_create(tpl.db_name)]
    _cli(*args)
    with app_context("central", instance):
        for code, name in tenants:
            region = tenant_service.find_region(code)
            tenant_service.add_tenant(
                code=code,
                name=name,
                kind=region.kind if region else "kabupaten",
                province_code=region.province_code if region else None,
                actor=None,
            )
        db.session.flush()
        for code, name in tenants:
            tenant = db.session.execute(sa.select(Tenant).where(Tenant.code == code)).scalar_one()
            issued = credentials.issue([tenant], actor=None, label=f"bench {code}")
            tpl.nodes.append(NodeCredentials(issued.node.id, issued.secret, code, name))
        db.session.commit()
        _release()
    if backend == "sqlite":
        _checkpoint(instance / "sinovik.db")
    return tpl


@dataclass
class CentralRun:
    instance: Path
    url: str  # the database
    db_name: str = ""
    process: subprocess.Popen | None = None
    base_url: str = ""


def fresh_central(tpl: CentralTemplate, tag: str) -> CentralRun:
    """A copy of the template: a fresh central database for one measurement."""
    from shared.config import write_instance_config

    instance = tpl.folder / f"central-{tag}"
    shutil.rmtree(instance, ignore_errors=True)
    shutil.copytree(tpl.instance, instance)
    if tpl.backend == "postgresql":
        name = f"sinovik_syncbench_{tag}_{uuid.uuid4().hex[:6]}"
        url = pg_create(name, template=tpl.db_name)
        write_instance_config(instance, {"SQLALCHEMY_DATABASE_URI": url})
        return CentralRun(instance, url, name)
    return CentralRun(instance, f"sqlite:///{instance / 'sinovik.db'}")


def start_central(
    run: CentralRun, workers: int | None, threads: int | None, profile: Path | None = None
) -> CentralRun:
    """``sinovik central serve`` on a free port; returns when it answers."""
    import requests

    from shared.cli_support import free_port

    port = free_port()
    if profile is None:
        cmd = [sys.executable, "-m", "shared", "central", "serve", "--instance", str(run.instance)]
        cmd += ["--port", str(port)]
        cmd += ["--workers", str(workers)] if workers else []  # default: central serve's
        cmd += ["--threads", str(threads)] if threads else []
    else:  # one worker, one thread, every request profiled
        cmd = [sys.executable, __file__, "--serve-central-profiled", str(run.instance), str(port)]
        cmd += [str(profile)]
    log_file = (run.instance / "server.log").open("wb")
    run.process = subprocess.Popen(
        cmd, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
    )
    run.base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"{run.base_url}/api/sync/v1/hello", timeout=1)
            break
        except requests.RequestException:
            if time.monotonic() > deadline or run.process.poll() is not None:
                raise SystemExit(
                    "central did not start:\n" + (run.instance / "server.log").read_text()[-2000:]
                ) from None
            time.sleep(0.2)
    time.sleep(0.5 if profile else 1.0)  # every worker booted
    return run


def stop_central(run: CentralRun) -> None:
    if run.process is not None and run.process.poll() is None:
        os.killpg(run.process.pid, signal.SIGTERM)
        try:
            run.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(run.process.pid, signal.SIGKILL)
            run.process.wait()
    if run.db_name:
        pg_drop(run.db_name)
    shutil.rmtree(run.instance, ignore_errors=True)


def central_holds(run: CentralRun, expected: set[str]) -> dict[str, Any]:
    """What central committed: revision and proposal rows, exactly once each."""
    import sqlalchemy as sa

    engine = _engine(run.url)
    with engine.connect() as conn:
        revs = conn.execute(sa.text("SELECT proposal_uuid, revision FROM proposal_revision")).all()
        props = conn.execute(sa.text("SELECT uuid FROM proposal")).scalars().all()
        audits = conn.execute(
            sa.text("SELECT count(*) FROM audit_log WHERE action = 'proposal.received'")
        ).scalar_one()
    engine.dispose()
    rev_uuids = [r[0] for r in revs]
    return {
        "revisions": len(revs),
        "proposals": len(props),
        "received_audits": audits,
        "lost": len(expected - set(rev_uuids)),
        "duplicated": len(rev_uuids) - len(set(rev_uuids)) + len(props) - len(set(props)),
        "extra": len(set(rev_uuids) - expected),
        "ok": set(rev_uuids) == expected
        and len(rev_uuids) == len(expected)
        and sorted(props) == sorted(expected)
        and audits == len(expected),
    }


# -- nodes ----------------------------------------------------------------------------------


def build_node(folder: Path, name: str, creds: NodeCredentials, docs: list[dict[str, Any]]) -> Path:
    """A regional node (SQLite) linked to central, holding ``docs`` as submitted proposals."""
    from shared.cli_support import app_context
    from shared.db import db
    from shared.models.tenant import Tenant
    from shared.models.unit import Unit
    from sync import node
    from sync.loadgen import seed_submitted
    from sync.models import NodeLink

    instance = folder / name
    base = folder / "node-base"
    if not base.exists():  # migrate once, copy for every node
        code, name = PRIMARY_TENANT
        _cli("regional", "init", "--instance", str(base), "--tenant", code, "--tenant-name", name)
        _checkpoint(base / "sinovik.db")
    shutil.copytree(base, instance)
    with app_context("regional", instance):
        tenant = db.session.execute(db.select(Tenant)).scalar_one()
        if tenant.code != creds.tenant_code:
            tenant.code, tenant.name = creds.tenant_code, creds.tenant_name
            tenant.province_code = creds.tenant_code.split(".")[0]
        unit = Unit(tenant_id=tenant.id, name="Dinas Komunikasi dan Informatika")
        db.session.add(unit)
        db.session.add(NodeLink(id=1, central_url="http://127.0.0.1:1", node_id=creds.node_id))
        node._write_secret(node.secret_path(instance), creds.secret)
        db.session.commit()
        seed_submitted(tenant, unit, len(docs), docs=docs)
        _release()
    _checkpoint(instance / "sinovik.db")
    return instance


def copy_node(template: Path, dest: Path) -> Path:
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(template, dest)
    return dest


class NodeWorker:
    """A node process: loads its app, says hello, then pushes when told to (``GO``)."""

    def __init__(self, instance: Path, central_url: str, env: dict[str, str], profile: Path | None):
        cmd = [sys.executable, __file__, "--node-worker", str(instance), central_url]
        if profile:
            cmd += ["--profile", str(profile)]
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, **env},
            text=True,
        )

    def ready(self) -> None:
        line = self.proc.stdout.readline().strip()
        if line != "READY":
            raise SystemExit(f"node worker did not start: {line!r}")

    def go(self) -> None:
        self.proc.stdin.write("GO\n")
        self.proc.stdin.flush()

    def result(self) -> dict[str, Any]:
        """The node's report (the process may still be exiting: see :meth:`wait`)."""
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit("node worker died")
        return json.loads(line)

    def wait(self) -> None:
        """Let the process end, after the timer: a node's exit is not part of its push (fifty
        interpreters shutting down at once took the CPU the other nodes and central push
        with, a third of the many-nodes time)."""
        self.proc.stdin.write("EXIT\n")
        self.proc.stdin.flush()
        self.proc.wait(timeout=60)


def _warm_up(client) -> None:
    """Hellos on parallel connections, so every central worker has answered (and loaded its
    mappers) before the timer starts, as a central that has been up for a while has."""
    from concurrent.futures import ThreadPoolExecutor

    from sync.client import CentralClient

    clients = [client] + [
        CentralClient(client.base_url, client.node_id, client.key, client.settings)
        for _ in range(HELLOS - 1)
    ]
    with ThreadPoolExecutor(len(clients)) as pool:
        for _ in range(3):
            list(pool.map(lambda c: c.get("hello"), clients))
    for c in clients:
        c.close()


def node_worker(instance: Path, central_url: str, profile: Path | None) -> int:
    """The node side of one measurement (runs in its own process)."""
    import sqlalchemy as sa

    from shared.cli_support import app_context
    from shared.db import db
    from sync import node
    from sync.models import OutboxItem
    from sync.runner import run

    def states() -> dict[str, int]:
        rows = db.session.execute(
            sa.select(OutboxItem.state, sa.func.count()).group_by(OutboxItem.state)
        )
        return {str(getattr(s, "value", s)): n for s, n in rows}

    with app_context("regional", instance):
        link = node.require_link()
        link.central_url = central_url
        db.session.commit()
        _warm_up(node.client(link))
        before = states()
        db.session.commit()
        print("READY", flush=True)
        if sys.stdin.readline().strip() != "GO":
            return 1
        profiler = _start_profiler() if profile else None
        cpu0, t0 = time.process_time(), time.perf_counter()
        report = run(do_push=True, do_pull=False)
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        if profiler:
            _stop_profiler(profiler, profile / f"node-{os.getpid()}")
        after = states()
        db.session.commit()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "client_cpu_s": round(cpu, 3),
                "before": before,
                "after": after,
                "ok": report.ok,
                "acked": report.push.acked if report.push else 0,
                "errors": report.failure_lines()[:5],
            }
        ),
        flush=True,
    )
    sys.stdin.readline()  # EXIT: see NodeWorker.wait
    return 0


# -- profiling ------------------------------------------------------------------------------


def _start_profiler():
    try:
        if os.environ.get("BENCH_CPROFILE"):
            raise ImportError
        from pyinstrument import Profiler
    except ImportError:
        import cProfile

        prof = cProfile.Profile(time.process_time)  # CPU, of all the node's threads
        prof.enable()
        return prof
    prof = Profiler(interval=0.0005)
    prof.start()
    return prof


def _stop_profiler(prof, stem: Path) -> None:
    stem.parent.mkdir(parents=True, exist_ok=True)
    if hasattr(prof, "output_text"):
        prof.stop()
        stem.with_suffix(".txt").write_text(prof.output_text(unicode=False, show_all=False))
        stem.with_suffix(".html").write_text(prof.output_html())
    else:
        prof.disable()
        prof.dump_stats(str(stem.with_suffix(".prof")))


def _time_statements(app, out: Path):
    """Wall time per SQL statement shape (first 70 characters), written after each one."""
    import sqlalchemy as sa

    totals: dict[str, list[float]] = {}

    with app.app_context():
        from shared.db import db

        engine = db.engine

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, params, context, executemany):
        conn.info.setdefault("_t0", []).append(time.perf_counter())

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, params, context, executemany):
        took = time.perf_counter() - conn.info["_t0"].pop()
        entry = totals.setdefault(" ".join(statement.split())[:70], [0, 0.0])
        entry[0] += 1
        entry[1] += took

    def write() -> None:
        rows = sorted(totals.items(), key=lambda kv: -kv[1][1])
        out.write_text("".join(f"{t:8.3f} s {n:6d}x  {k}\n" for k, (n, t) in rows))

    return write


def serve_central_profiled(instance: Path, port: int, out: Path) -> None:
    """Central under gunicorn (one worker, one thread), every request's time profiled."""
    import cProfile

    from shared.cli_support import make_app
    from shared.server import serve

    out.mkdir(parents=True, exist_ok=True)

    def factory():
        app = make_app("central", instance, serving=True)
        inner = app.wsgi_app
        state: dict[str, Any] = {"cprof": cProfile.Profile(), "pyi": None}
        try:
            from pyinstrument import Profiler

            state["pyi"] = Profiler(interval=0.0005)
        except ImportError:
            pass

        def profiled(environ, start_response):
            if state["pyi"] is not None:
                state["pyi"].start()
            state["cprof"].enable()
            try:
                return list(inner(environ, start_response))
            finally:
                state["cprof"].disable()
                if state["pyi"] is not None:
                    state["pyi"].stop()
                    (out / "central.txt").write_text(
                        state["pyi"].output_text(unicode=False, show_all=False)
                    )
                state["cprof"].dump_stats(str(out / "central.prof"))
                state["sql"]()

        app.wsgi_app = profiled
        state["sql"] = _time_statements(app, out / "central-sql.txt")
        return app

    serve(factory, host="127.0.0.1", port=port, workers=1, threads=1)


# -- measurements ---------------------------------------------------------------------------


@dataclass
class Settings:
    workers: int | None = None  # central serve's defaults
    threads: int | None = None
    profile: Path | None = None

    def server(self) -> dict[str, int]:
        """The central server's workers and threads, as run."""
        from central.cli import DEFAULT_WORKERS

        return {
            "central_workers": self.workers or DEFAULT_WORKERS,
            "central_threads": self.threads or 1,
        }


def measure(
    tpl: CentralTemplate,
    node_templates: list[Path],
    expected: set[str],
    batch: int,
    tag: str,
    settings: Settings,
) -> dict[str, Any]:
    """One measurement: fresh central, fresh node copies, all nodes push at once."""
    run = fresh_central(tpl, tag)
    nodes = [copy_node(t, tpl.folder / f"node-{tag}-{i}") for i, t in enumerate(node_templates)]
    env = {"SINOVIK_SYNC_BATCH_ITEMS": str(batch)}
    try:
        start_central(run, settings.workers, settings.threads, settings.profile)
        workers = [NodeWorker(n, run.base_url, env, settings.profile) for n in nodes]
        for w in workers:
            w.ready()
        server_pids = process_tree(run.process.pid)
        db_pids = database_pids(tpl.backend)
        server_cpu0, db_cpu0 = cpu_seconds(server_pids), cpu_seconds(db_pids)
        ticks0 = machine_ticks()
        t0 = time.perf_counter()
        for w in workers:
            w.go()
        results = [w.result() for w in workers]
        wall = time.perf_counter() - t0  # every node has reported (not: has exited)
        busy = busy_percent(ticks0, machine_ticks())
        server_cpu = cpu_seconds(server_pids) - server_cpu0
        db_cpu = cpu_seconds(db_pids) - db_cpu0
        for w in workers:
            w.wait()
        held = central_holds(run, expected)
    finally:
        stop_central(run)
        for n in nodes:
            shutil.rmtree(n, ignore_errors=True)
    pending = sum(r["before"].get("pending", 0) for r in results)
    acked = sum(r["after"].get("acked", 0) for r in results)
    errors = [e for r in results for e in r["errors"]]
    seconds = results[0]["seconds"] if len(results) == 1 else wall
    return {
        "seconds": seconds,
        "wall_seconds": wall,
        "node_seconds": sorted(r["seconds"] for r in results),
        "client_cpu_s": round(sum(r["client_cpu_s"] for r in results), 3),
        "server_cpu_s": round(server_cpu, 3),
        "database_cpu_s": round(db_cpu, 3),
        "machine_busy_pct": busy,  # of all CPUs, while timed: 100 means CPU-bound
        "verified": bool(
            held["ok"] and pending == len(expected) and acked == len(expected) and not errors
        ),
        "central": held,
        "node_pending_before": pending,
        "node_acked_after": acked,
        "errors": errors[:3],
    }


def bench_ours(
    docs_path: Path,
    backends: list[str],
    batches: list[int],
    repeat: int,
    settings: Settings,
    folder: Path,
) -> list[dict[str, Any]]:
    docs = read_docs(docs_path)
    expected = {d["id"] for d in docs}
    lines = []
    for backend in backends:
        if backend == "postgresql" and not pg_available():
            log("[sync] skipping PostgreSQL")
            continue
        work = Path(tempfile.mkdtemp(prefix=f"syncbench-{backend}-", dir=folder))
        tpl = build_central(work, backend, [PRIMARY_TENANT])
        try:
            node_tpl = build_node(work, "node-template", tpl.nodes[0], docs)
            for rep in range(1, repeat + 1):
                for batch in batches:
                    out = measure(tpl, [node_tpl], expected, batch, f"r{rep}b{batch}", settings)
                    line = {
                        "peer": f"sinovik_{backend}",
                        "docs": len(docs),
                        "seconds": round(out["seconds"], 4),
                        "docs_per_s": round(len(docs) / out["seconds"], 1),
                        "batch_size": batch,
                        "run": run_no(rep),
                        "verified": out["verified"],
                        "backend": backend,
                        **settings.server(),
                        "client_cpu_s": out["client_cpu_s"],
                        "server_cpu_s": out["server_cpu_s"],
                        "database_cpu_s": out["database_cpu_s"],
                        "machine_busy_pct": out["machine_busy_pct"],
                        "profiled": settings.profile is not None,
                    }
                    if not out["verified"]:
                        line["problem"] = {k: out[k] for k in ("central", "errors")}
                    print(json.dumps(line), flush=True)
                    lines.append(line)
        finally:
            if tpl.db_name:
                pg_drop(tpl.db_name)
            shutil.rmtree(work, ignore_errors=True)
    return lines


def bench_many_nodes(
    nodes: int, per_node: int, batch: int, settings: Settings, folder: Path, backend: str
) -> list[dict[str, Any]]:
    """``nodes`` nodes push ``per_node`` proposals each at once; then one node pushes them all."""
    if backend == "postgresql" and not pg_available():
        log("[sync] many nodes: PostgreSQL not reachable, skipped")
        return []
    total = nodes * per_node
    data = folder / "docs"
    data.mkdir(exist_ok=True)
    docs = read_docs(make_docs(total, data / f"docs_{total}.jsonl"))
    expected = {d["id"] for d in docs}
    work = Path(tempfile.mkdtemp(prefix="syncbench-many-", dir=folder))
    log(f"[sync] many nodes: building central with {nodes} tenants and {nodes} nodes")
    tpl = build_central(work, backend, regions(nodes))
    lines = []
    try:
        many = [
            build_node(work, f"tpl-{i}", tpl.nodes[i], docs[i * per_node : (i + 1) * per_node])
            for i in range(nodes)
        ]
        one = build_node(work, "tpl-one", tpl.nodes[0], docs)
        log(f"[sync] many nodes: {nodes} node processes push at once")
        for label, templates in ((f"{nodes} nodes x {per_node}", many), ("1 node", [one])):
            out = measure(tpl, templates, expected, batch, f"m{len(templates)}", settings)
            line = {
                "peer": f"sinovik_{backend}",
                "mode": label,
                "nodes": len(templates),
                "docs": total,
                "seconds": round(out["wall_seconds"], 4),
                "docs_per_s": round(total / out["wall_seconds"], 1),
                "batch_size": batch,
                "run": 1,
                "verified": out["verified"],
                "lost": out["central"]["lost"],
                "duplicated": out["central"]["duplicated"],
                "client_cpu_s": out["client_cpu_s"],
                "server_cpu_s": out["server_cpu_s"],
                "database_cpu_s": out["database_cpu_s"],
                "machine_busy_pct": out["machine_busy_pct"],
                "node_push_s": {  # each node's own push time, from its GO
                    "min": round(out["node_seconds"][0], 3),
                    "median": round(statistics.median(out["node_seconds"]), 3),
                    "max": round(out["node_seconds"][-1], 3),
                },
                **settings.server(),
            }
            if not out["verified"]:
                line["problem"] = {k: out[k] for k in ("central", "errors")}
            print(json.dumps(line), flush=True)
            lines.append(line)
    finally:
        if tpl.db_name:
            pg_drop(tpl.db_name)
        shutil.rmtree(work, ignore_errors=True)
    return lines


# -- references -----------------------------------------------------------------------------


def node_usable() -> bool:
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            log(f"[ref] {tool} not found: no PouchDB reference")
            return False
    try:
        major = int(
            subprocess.run(["node", "--version"], capture_output=True, text=True)
            .stdout[1:]
            .split(".")[0]
        )
    except ValueError:
        return False
    return major >= 18


def references(n: int, docs_path: Path, data: Path, rep: int) -> list[dict[str, Any]]:
    """The raw limits and the stock PouchDB peer on the same documents, in this run."""
    out = []
    env = {**os.environ, "BENCH_DATA_DIR": str(data), "BENCH_ROUND": str(rep)}
    env.setdefault("BENCH_CACHE_DIR", str(Path.home() / ".cache" / "sinovik-bench"))
    cmds = [[sys.executable, str(bench_dir() / "raw_limit.py"), str(docs_path)]]
    if node_usable():
        cmds.append(["bash", str(bench_dir() / "run_pouchdb.sh"), str(n)])
    for cmd in cmds:
        log(f"[ref] {Path(cmd[1]).name} N={n} round {rep}")
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            log(f"[ref] failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
        for line in proc.stdout.splitlines():
            if line.startswith("{"):
                print(line, flush=True)
                row = json.loads(line)
                row["run"] = rep
                out.append(row)
    return out


# -- the summary ----------------------------------------------------------------------------


def _label(r: dict[str, Any]) -> str:
    if r["peer"] == "sqlite_executemany":
        return "one transaction"
    if r.get("mode"):
        return f"{r['mode']}, batch {r['batch_size']}"
    extra = " (default)" if r.get("batch_size_arg") == "default" else ""
    return f"batch {r['batch_size']}{extra}"


def summary(rows: list[dict[str, Any]]) -> str:
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("server", "cli") != "cli" or r.get("source_adapter", "leveldb") != "leveldb":
            continue  # only the stock PouchDB configuration
        groups.setdefault((r["docs"], r["peer"], _label(r)), []).append(r)
    med = {k: statistics.median(x["docs_per_s"] for x in v) for k, v in groups.items()}
    lines = [
        "| docs | peer | configuration | runs docs/s | median docs/s | x PouchDB b500 "
        "| share of SQLite limit |",
        "|---:|---|---|---|---:|---:|---:|",
    ]
    for key, runs in groups.items():
        n, peer, label = key
        pouch = med.get((n, "pouchdb", "batch 500"))
        sqlite = med.get((n, "sqlite_executemany", "one transaction"))
        m = med[key]
        bad = sum(1 for r in runs if r.get("verified") is False)
        shown = ", ".join(f"{r['docs_per_s']:.0f}" for r in runs) + (
            f" ({bad} NOT VERIFIED)" if bad else ""
        )
        x_pouch = f"{m / pouch:.1f}x" if pouch and peer.startswith("sinovik") else ""
        share = f"{100 * m / sqlite:.0f} %" if sqlite and peer.startswith("sinovik") else ""
        lines.append(f"| {n} | {peer} | {label} | {shown} | {m:.0f} | {x_pouch} | {share} |")
    return "\n".join(lines)


def main() -> int:
    # Stopped with SIGTERM (or Ctrl-C): unwind, so every central server started is stopped and
    # every temporary database dropped by the ``finally`` blocks.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("docs_file", nargs="?", type=Path, help="only ours, on these documents")
    parser.add_argument("--json", action="store_true", help="JSON lines only (OURS_CMD)")
    parser.add_argument("--docs", default="2000,10000", help="document counts (standalone)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--batches", default="100,500", help="SYNC_BATCH_ITEMS values")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-references", action="store_true")
    parser.add_argument("--references-only", action="store_true")
    parser.add_argument("--many-nodes", action="store_true", help="also the 50-node run")
    parser.add_argument("--many-nodes-only", action="store_true")
    parser.add_argument("--nodes", type=int, default=50)
    parser.add_argument("--per-node", type=int, default=100)
    parser.add_argument("--many-backend", default="postgresql")
    parser.add_argument("--workers", type=int, help="central gunicorn workers (default: serve's)")
    parser.add_argument("--threads", type=int, help="threads per central worker (default: serve's)")
    parser.add_argument(
        "--profile",
        type=Path,
        help="profile node and central into this folder (nodes: pyinstrument, wall time; with "
        "BENCH_CPROFILE=1, cProfile of CPU time)",
    )
    parser.add_argument("--keep", type=Path, help="work folder (kept)")
    args = parser.parse_args()
    settings = Settings(args.workers, args.threads, args.profile)
    backends = [b for b in args.backends.split(",") if b]
    batches = [int(b) for b in args.batches.split(",") if b]
    folder = args.keep or Path(tempfile.mkdtemp(prefix="syncbench-"))
    folder.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    try:
        if args.docs_file:
            rows += bench_ours(args.docs_file, backends, batches, args.repeat, settings, folder)
            return 0 if all(r["verified"] for r in rows) else 1
        log(f"[sync] machine: {os.cpu_count()} CPUs, load {_load()}")
        if not args.many_nodes_only:
            data = folder / "docs"
            data.mkdir(exist_ok=True)
            for n in (int(x) for x in args.docs.split(",") if x):
                docs_path = make_docs(n, data / f"docs_{n}.jsonl")
                for rep in range(1, args.repeat + 1):
                    if not args.no_references:
                        rows += references(n, docs_path, data, rep)
                    if not args.references_only:
                        got = bench_ours(docs_path, backends, batches, 1, settings, folder)
                        for r in got:
                            r["run"] = rep
                        rows += got
        if args.many_nodes or args.many_nodes_only:
            rows += bench_many_nodes(
                args.nodes, args.per_node, max(batches), settings, folder, args.many_backend
            )
        log(f"[sync] machine load after the run: {_load()}")
        if not args.json:
            log("\n" + summary([r for r in rows if "mode" not in r]))
            many = [r for r in rows if "mode" in r]
            if len(many) == 2:
                ratio = many[0]["seconds"] / many[1]["seconds"]
                log(
                    f"\nmany nodes ({many[0]['peer']}): {many[0]['mode']}: "
                    f"{many[0]['seconds']:.2f} s ({many[0]['docs_per_s']:.0f} docs/s, "
                    f"lost {many[0]['lost']}, duplicated {many[0]['duplicated']}, verified "
                    f"{many[0]['verified']}); {many[1]['mode']} pushing {many[1]['docs']}: "
                    f"{many[1]['seconds']:.2f} s; ratio {ratio:.2f} (target <= 2)"
                )
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0 if all(r.get("verified", True) for r in rows) else 1


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--node-worker":
        prof = Path(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--profile" else None
        raise SystemExit(node_worker(Path(sys.argv[2]), sys.argv[3], prof))
    if len(sys.argv) == 5 and sys.argv[1] == "--serve-central-profiled":
        serve_central_profiled(Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
        raise SystemExit(0)
    raise SystemExit(main())
