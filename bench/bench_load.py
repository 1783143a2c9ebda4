"""Load test through gunicorn as the Procfile starts it, at 1× and 100× data: throughput, latency, RSS per worker.

    python bench/bench_load.py [--scale 1,100] [--users 50] [--spawn-rate 10] [--seconds 60] [--data-dir DIR]

For each scale (loopback only; every wait has a deadline; the gunicorn process group is killed at the
end, even on error):

1. Starts the `web:` command of the Procfile, read when the bench runs (gunicorn, WEB_CONCURRENCY workers
   × GUNICORN_THREADS threads) with `0.0.0.0` replaced by `127.0.0.1` and `$PORT` by a free port,
   the app pointed at the data by MAPAPP_GEODATA_DIR / MAPAPP_DATA_DIR (1×: the shipped geodata and
   sample; 100×: --data-dir, default /tmp/x100, built when missing: `bench_map.data_dirs`). Waits for
   /healthz and for every worker to go idle (each worker builds the app: 35-100 s at 100× on 2 cores).
2. Runs locust in this process (one process, no workers: the load generator shares the 2 cores with
   the server) for --seconds: --users users started at --spawn-rate/s, no think time (each user sends
   its next request when the previous one is answered), browser-like `Accept-Encoding: gzip, deflate, br`.
   The mix (task weights, out of 100): a visit of `/` (HTML, then `/_dash-layout` with the page URL as
   Referer, then `/_dash-dependencies`) 6, the same for `/embed?region=84` 2, `/api/clusters` 14,
   `/api/clusters?<filters>` 22, `/api/clusters/<id>` 20, `/api/regions[?<filters>]` 12,
   `/geodata/regions.geojson` (gzip) 12, `/api/regions.csv` 3, `/api/clusters.csv` 3, `/healthz` 6.
   Ids come from the served `/api/clusters`, themes from themes.csv, regions from `/api/regions`.
   Before the load, each group's requests are timed one at a time on the idle server (--idle-requests).
3. Reports total requests, req/s, failures (with their messages, non-2xx/3xx answers in the server's
   access records, warnings and errors it logged), p50/p95/p99 per endpoint group and overall (exact
   times, not locust's buckets), the CPU time used by gunicorn, by the load generator and by every other
   process, and RSS of the master and each worker: idle after start, peak during the run, after it.

Prints Markdown and writes bench/out/bench_load.md, bench/out/bench_load_<scale>x.json and the server's
output, bench/out/bench_load_<scale>x_gunicorn.{stdout,stderr}.log. Exits 1 if any request failed.
"""

# locust runs on gevent: patch the standard library before anything imports socket, ssl or threading
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import csv  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402
from bench_map import OUT, REPO, GunicornServer, data_dirs, http_get, percentile  # noqa: E402
from locust import FastHttpUser, constant, events, task  # noqa: E402
from locust.env import Environment  # noqa: E402

START_TIMEOUT = 300.0  # s: /healthz, then idle workers (35-100 s at 100× on 2 cores)
REQUEST_TIMEOUT = 30.0  # s: connect and read, per request of the load
MB = 1024 * 1024

# endpoint groups, in report order; their weights are the @task weights below
PAGE, EMBED, LAYOUT, DEPS = "`/` (HTML)", "`/embed?region=84` (HTML)", "`/_dash-layout`", "`/_dash-dependencies`"
CLUSTERS, CLUSTERS_F, CLUSTER = "`/api/clusters`", "`/api/clusters?<filters>`", "`/api/clusters/<id>`"
REGIONS, REGIONS_CSV, CLUSTERS_CSV = "`/api/regions[?<filters>]`", "`/api/regions.csv`", "`/api/clusters.csv`"
LAYER, HEALTH = "`/geodata/regions.geojson` (gzip)", "`/healthz`"
PLAIN_PATHS = {
    CLUSTERS: "/api/clusters",
    REGIONS: "/api/regions",
    REGIONS_CSV: "/api/regions.csv",
    CLUSTERS_CSV: "/api/clusters.csv",
    LAYER: "/geodata/regions.geojson",
    HEALTH: "/healthz",
}
FILTERABLE = (REGIONS, REGIONS_CSV, CLUSTERS_CSV)  # half the time with filters
GROUPS = (PAGE, EMBED, LAYOUT, DEPS, CLUSTERS, CLUSTERS_F, CLUSTER, REGIONS, LAYER, REGIONS_CSV, CLUSTERS_CSV, HEALTH)


# ---------------------------------------------------------------------------------------------- server


def procfile_command(port: int, environ: dict[str, str]) -> list[str]:
    """The Procfile's `web:` command with its shell variables expanded as the platform would,
    `$PORT` = `port`, bound to loopback, gunicorn run by this interpreter."""
    line = next(x for x in (REPO / "Procfile").read_text().splitlines() if x.startswith("web:"))
    values = {**environ, "PORT": str(port)}

    def expand(match: re.Match) -> str:
        name = match.group(1) or match.group(3)
        return values.get(name) or (match.group(2) or "")

    argv = shlex.split(re.sub(r"\$\{(\w+):-([^}]*)\}|\$(\w+)", expand, line.removeprefix("web:")))
    if argv[0] != "gunicorn" or "--bind" not in argv:
        raise SystemExit(f"unexpected Procfile web command: {line}")
    bind = argv.index("--bind") + 1
    argv[bind] = argv[bind].replace("0.0.0.0", "127.0.0.1")
    if not argv[bind].startswith("127.0.0.1:"):
        raise SystemExit(f"refusing to bind anything but loopback: {argv[bind]}")
    return [sys.executable, "-m", *argv]


class ProcfileGunicorn(GunicornServer):
    """bench_map's gunicorn server (port, URL, data env), started with the Procfile's command in its own
    process group; logs to bench/out/; killed as a group on exit."""

    def __init__(self, geodata_dir: Path, data_dir: Path, log_prefix: Path):
        super().__init__(geodata_dir, data_dir)
        self.env["PORT"] = str(self.port)
        self.command = procfile_command(self.port, self.env)
        self.workers = int(self.command[self.command.index("--workers") + 1])
        self.log_prefix = log_prefix
        self.proc: subprocess.Popen | None = None

    def __enter__(self):
        self.access_log = open(f"{self.log_prefix}_gunicorn.stdout.log", "wb")  # noqa: SIM115  (closed in __exit__)
        self.error_log = open(f"{self.log_prefix}_gunicorn.stderr.log", "wb")  # noqa: SIM115
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            self.command,
            cwd=REPO,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self.access_log,
            stderr=self.error_log,
            start_new_session=True,  # its own process group: master and workers are killed together
        )
        try:
            self.wait_ready(started + START_TIMEOUT)
        except BaseException:
            self.__exit__()
            raise
        self.start_seconds = time.perf_counter() - started
        return self

    def wait_ready(self, deadline: float) -> None:
        """/healthz answers, then every worker has loaded the app: all alive and idle for 2 s."""
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.error_log.name}")
            if time.perf_counter() > deadline:
                raise RuntimeError(f"gunicorn not ready after {START_TIMEOUT:.0f} s; see {self.error_log.name}")
            try:
                http_get(self.url + "/healthz")
                break
            except OSError:
                time.sleep(0.5)
        self.healthz_seconds = time.perf_counter() - (deadline - START_TIMEOUT)
        quiet = 0
        while quiet < 2:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"gunicorn workers still busy after {START_TIMEOUT:.0f} s")
            workers = self.worker_processes()
            for w in workers:
                w.cpu_percent(None)
            time.sleep(1.0)
            busy = [w.pid for w in workers if w.cpu_percent(None) > 10]
            quiet = quiet + 1 if len(workers) == self.workers and not busy else 0

    def master(self) -> psutil.Process:
        return psutil.Process(self.proc.pid)

    def worker_processes(self) -> list[psutil.Process]:
        return sorted(self.master().children(), key=lambda p: p.pid)

    def tree(self) -> list[psutil.Process]:
        return [self.master(), *self.worker_processes()]

    def rss(self) -> dict[int, float]:
        """RSS in MB of the master and each worker, by pid."""
        out = {}
        for proc in self.tree():
            with contextlib.suppress(psutil.NoSuchProcess):
                out[proc.pid] = proc.memory_info().rss / MB
        return out

    def memory(self) -> dict[int, dict[str, float]]:
        """RSS, PSS and USS in MB of the master and each worker, by pid. With --preload the workers
        share the pages the master filled before forking: RSS counts them in full in every process,
        PSS divides each shared page among its sharers (the processes' PSS add up to what they use
        together), USS is what a process holds alone."""
        out = {}
        for proc in self.tree():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                info = proc.memory_full_info()
                out[proc.pid] = {"rss": info.rss / MB, "pss": info.pss / MB, "uss": info.uss / MB}
        return out

    def cpu_seconds(self) -> float:
        total = 0.0
        for proc in self.tree():
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            for sig, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
                try:
                    os.killpg(self.proc.pid, sig)
                    self.proc.wait(timeout=grace)
                    break
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue
        for fh in (getattr(self, "access_log", None), getattr(self, "error_log", None)):
            if fh:
                fh.close()


# ---------------------------------------------------------------------------------------------- load


class Mix:
    """The real ids, themes and regions the requests are drawn from (filled from the server), and the
    path each endpoint group asks for: one function for the load and for the idle-server probe."""

    cluster_ids: list[str] = []
    themes: list[str] = []
    regions: list[str] = []

    @classmethod
    def filters(cls, rng: random.Random) -> str:
        theme, region = rng.choice(cls.themes), rng.choice(cls.regions)
        return rng.choice(
            [f"theme={theme}", f"theme={theme}&phase=5", "region=84", f"region={region}", "q=aero", "q=mer",
             f"theme={theme}&region={region}", "phase=4"]
        )  # fmt: skip

    @classmethod
    def path(cls, group: str, rng: random.Random) -> str:
        """A page URL for PAGE and EMBED (also the Referer of LAYOUT and DEPS), a request path otherwise."""
        if group == EMBED:
            return "/embed?region=84"
        if group in (PAGE, LAYOUT, DEPS):
            cluster, theme = rng.choice(cls.cluster_ids), rng.choice(cls.themes)
            return rng.choice(["/", "/", "/", f"/?cluster={cluster}", f"/?theme={theme}&phase=5"])
        if group == CLUSTER:
            return f"/api/clusters/{rng.choice(cls.cluster_ids)}"
        if group == CLUSTERS_F:
            return f"/api/clusters?{cls.filters(rng)}"
        base = PLAIN_PATHS[group]
        return rng.choice([base, f"{base}?{cls.filters(rng)}"]) if group in FILTERABLE else base


class MapVisitor(FastHttpUser):
    """One browser or API client, no think time; browser-like `Accept-Encoding` (FastHttpUser's default)."""

    wait_time = constant(0)
    network_timeout = connection_timeout = REQUEST_TIMEOUT

    def get(self, group: str) -> None:
        self.client.get(Mix.path(group, random), name=group)

    def visit(self, group: str) -> None:
        """A page load as the browser makes it: the HTML, then the Dash renderer's two requests."""
        page = Mix.path(group, random)
        self.client.get(page, name=group)
        self.client.get("/_dash-layout", name=LAYOUT, headers={"Referer": self.host + page})
        self.client.get("/_dash-dependencies", name=DEPS, headers={"Referer": self.host + page})

    @task(6)
    def page(self) -> None:
        self.visit(PAGE)

    @task(2)
    def embed(self) -> None:
        self.visit(EMBED)

    @task(14)
    def clusters(self) -> None:
        self.get(CLUSTERS)

    @task(22)
    def clusters_filtered(self) -> None:
        self.get(CLUSTERS_F)

    @task(20)
    def cluster(self) -> None:
        self.get(CLUSTER)

    @task(12)
    def regions_table(self) -> None:
        self.get(REGIONS)

    @task(12)
    def layer(self) -> None:
        with self.client.get(
            Mix.path(LAYER, random), name=LAYER, headers={"Accept-Encoding": "gzip"}, catch_response=True
        ) as response:
            if response.status_code == 200 and response.headers.get("Content-Encoding") != "gzip":
                response.failure("not gzip-encoded")

    @task(3)
    def regions_csv(self) -> None:
        self.get(REGIONS_CSV)

    @task(3)
    def clusters_csv(self) -> None:
        self.get(CLUSTERS_CSV)

    @task(6)
    def health(self) -> None:
        self.get(HEALTH)


def prepare_mix(url: str, geodata_dir: Path) -> dict:
    """Real ids, themes and regions for the mix, read from the served data and themes.csv."""
    features = json.loads(http_get(url + "/api/clusters"))["features"]
    with (geodata_dir / "themes.csv").open(encoding="utf-8") as fh:
        themes = [row["id"] for row in csv.DictReader(fh)]
    regions = [r["code"] for r in json.loads(http_get(url + "/api/regions"))]
    Mix.cluster_ids = [f["properties"]["id"] for f in features]
    Mix.themes, Mix.regions = themes, regions
    return {"clusters": len(features), "themes": len(themes), "regions": len(regions)}


def idle_latency(url: str, per_group: int) -> tuple[dict[str, float], list[str]]:
    """Median time of `per_group` requests of each group, one at a time on the idle server (after the
    group's first, unmeasured request: cold caches are warmed per worker, not measured here), and the
    requests not answered 200."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT)
    medians, failed = {}, []
    try:
        for group in GROUPS:
            rng, times = random.Random(7), []
            for _ in range(per_group + 1):
                path, headers = Mix.path(group, rng), {"Accept-Encoding": "gzip, deflate, br"}
                if group in (LAYOUT, DEPS):
                    path, headers["Referer"] = f"/_dash-{'layout' if group == LAYOUT else 'dependencies'}", url + path
                elif group == LAYER:
                    headers["Accept-Encoding"] = "gzip"
                started = time.perf_counter()
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                times.append((time.perf_counter() - started) * 1000)
                if response.status != 200:
                    failed.append(f"{path}: HTTP {response.status}")
            medians[group] = statistics.median(times[1:])
    finally:
        conn.close()
    return medians, failed


def run_locust(server: ProcfileGunicorn, users: int, spawn_rate: float, seconds: float) -> dict:
    """The locust run, bounded by `seconds` (plus a grace to stop); RSS and CPU sampled alongside."""
    times: dict[str, list[float]] = defaultdict(list)
    sizes: dict[str, int] = defaultdict(int)

    per_second: dict[int, int] = defaultdict(int)

    def on_request(name, response_time, response_length, exception, **_kwargs) -> None:
        times[name].append(response_time)
        sizes[name] += response_length or 0
        per_second[int(time.perf_counter() - started)] += 1

    env = Environment(user_classes=[MapVisitor], host=server.url, events=events)
    env.events.request.add_listener(on_request)
    peak: dict[int, float] = {}
    sampling = True

    def sample_rss() -> None:
        while sampling:
            for pid, mb in server.rss().items():
                peak[pid] = max(peak.get(pid, 0.0), mb)
            gevent.sleep(1.0)

    me = psutil.Process()
    cpu_server, cpu_me, cpu_all = server.cpu_seconds(), sum(me.cpu_times()[:2]), busy_seconds()
    load_before = os.getloadavg()[0]
    runner = env.create_local_runner()
    sampler = gevent.spawn(sample_rss)
    started = time.perf_counter()
    try:
        runner.start(users, spawn_rate=spawn_rate)
        gevent.spawn_later(seconds, runner.quit)
        runner.greenlet.join(timeout=seconds + 60)  # ends when runner.quit() has killed every user
        if len(runner.greenlet):  # still running past the grace: stop it now
            runner.quit()
    finally:
        elapsed = time.perf_counter() - started
        sampling = False
        sampler.join(timeout=5)
        env.events.request.remove_listener(on_request)
    errors = [{"name": e.name, "error": str(e.error), "occurrences": e.occurrences} for e in env.stats.errors.values()]
    failures = {name: env.stats.get(name, "GET").num_failures for name in times}
    return {
        "seconds": elapsed,
        "times": times,
        "bytes": sizes,
        "per_second": [per_second.get(i, 0) for i in range(int(elapsed) + 1)],
        "failures": failures,
        "errors": errors,
        "peak_rss": peak,
        "cpu_server": server.cpu_seconds() - cpu_server,
        "cpu_loadgen": sum(me.cpu_times()[:2]) - cpu_me,
        "cpu_machine": busy_seconds() - cpu_all,
        "loadavg_before": load_before,
    }


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (every process, every core) since boot."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def server_problems(server: ProcfileGunicorn) -> dict:
    """Answer statuses and warning/error lines from what the server logged: gunicorn's access log
    (`--access-logfile -`, stdout) or the app's JSON `mapapp.access` records (stderr), and gunicorn's
    own errors (worker timeouts, tracebacks), Python warnings, JSON records of level warning and above."""
    gunicorn_status = re.compile(r'" (\d{3}) ')
    codes: dict[str, int] = defaultdict(int)
    error_lines: list[str] = []
    for path in (server.access_log.name, server.error_log.name):
        for line in Path(path).read_text(errors="replace").splitlines():
            record = None
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    record = json.loads(line)
            if isinstance(record, dict):
                if record.get("logger") == "mapapp.access" and "status" in record:
                    codes[str(record["status"])] += 1
                if record.get("level") in ("warning", "error", "critical"):
                    error_lines.append(line[:300])
            elif match := gunicorn_status.search(line):
                codes[match.group(1)] += 1
            elif re.search(r"\[(ERROR|CRITICAL|WARNING)\]|Traceback|WORKER TIMEOUT|\w+Warning: ", line):
                error_lines.append(line[:300])
    return {"status_codes": dict(codes), "logged_answers": sum(codes.values()), "error_lines": error_lines[:20]}


def code_state() -> str:
    """The commit measured, and the app files that differ from it (the work tree is shared)."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=30).stdout

    changed = [line[3:] for line in git("status", "--porcelain", "--", "mapapp", "Procfile").splitlines()]
    return git("rev-parse", "--short", "HEAD").strip() + (f" + uncommitted {', '.join(changed)}" if changed else "")


def run_scale(scale: int, args) -> dict:
    geodata_dir, activity_dir = data_dirs(scale, args.data_dir if scale != 1 else None)
    prefix = OUT / f"bench_load_{scale}x"
    print(f"\n{scale}×: starting gunicorn on {geodata_dir} …", flush=True)
    code = code_state()
    with ProcfileGunicorn(geodata_dir, activity_dir, prefix) as server:
        pids = [p.pid for p in server.tree()]
        idle = server.memory()
        print(f"{scale}×: ready in {server.start_seconds:.0f} s: {' '.join(server.command[2:])}", flush=True)
        data = prepare_mix(server.url, geodata_dir)
        idle_ms, idle_failed = idle_latency(server.url, args.idle_requests)
        print(f"{scale}×: {args.users} users for {args.seconds:.0f} s …", flush=True)
        result = run_locust(server, args.users, args.spawn_rate, args.seconds)
        gevent.sleep(2)  # let the workers finish what the last users left in flight
        after = server.memory()
        workers_after = [p.pid for p in server.worker_processes()]
        command = server.command
        start_seconds = server.start_seconds, server.healthz_seconds
    problems = server_problems(server)
    code_after = code_state()
    return {
        "scale": scale,
        "code": code if code == code_after else f"{code}, then {code_after} during the run",
        "data": {"geodata_dir": str(geodata_dir), "data_dir": str(activity_dir), **data},
        "command": command,
        "start_seconds": start_seconds[0],
        "healthz_seconds": start_seconds[1],
        "pids": pids,
        "workers_after": workers_after,
        "rss": {"idle": idle, "peak": result.pop("peak_rss"), "after": after},
        "idle_ms": idle_ms,
        "idle_failed": idle_failed,
        "problems": problems,
        **result,
    }


# ---------------------------------------------------------------------------------------------- report


def latency(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    return tuple(percentile(ordered, p) for p in (50, 95, 99)) if ordered else (float("nan"),) * 3


def per_window(per_second: list[int], width: int) -> list[int]:
    """Sums over whole windows (a last partial window, the stop, is left out)."""
    return [sum(per_second[i : i + width]) for i in range(0, len(per_second) // width * width, width)]


def ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def report(runs: list[dict], args, argv: list[str]) -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((x.split(":", 1)[1].strip() for x in cpuinfo if x.startswith("model name")), platform.processor())
    cores = os.cpu_count()
    lines = [
        f"Command: `{' '.join(['python bench/bench_load.py', *argv])}` — {date.today().isoformat()}, {cores} cores "
        f"({model}), Python {platform.python_version()}.",
        f"Server: `{' '.join(runs[0]['command'][2:])}` (the Procfile's `web:` command, loopback). Load: locust "
        f"{args.users} users (+{args.spawn_rate:g}/s), {args.seconds:.0f} s, no think time, one process in this "
        f"one, on the same {cores} cores as the server.",
        "",
        "| data | requests | req/s | failures | p50 | p95 | p99 | server CPU | per request | locust CPU "
        "| other CPU | start: /healthz / workers idle |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in runs:
        every = [t for values in run["times"].values() for t in values]
        p50, p95, p99 = latency(every)
        wall = run["seconds"] * cores
        other = max(0.0, run["cpu_machine"] - run["cpu_server"] - run["cpu_loadgen"])
        lines.append(
            f"| {run['scale']}× | {len(every):,} | {len(every) / run['seconds']:,.0f} | "
            f"{sum(run['failures'].values())} | {ms(p50)} | {ms(p95)} | {ms(p99)} | "
            f"{run['cpu_server'] / wall:.0%} | {run['cpu_server'] * 1000 / len(every):.0f} ms | "
            f"{run['cpu_loadgen'] / wall:.0%} | {other / wall:.0%} | "
            f"{run['healthz_seconds']:.0f} s / {run['start_seconds']:.0f} s |"
        )
    lines += [
        "",
        "CPU: share of the machine's core-seconds during the run (100% = every core busy): gunicorn (master + "
        "workers; and its CPU time per request), locust, and every other process on the machine (load average "
        "before the run: " + ", ".join(f"{r['scale']}× {r['loadavg_before']:.1f}" for r in runs) + ").",
        "Per group: n answers under load; idle = median of one-at-a-time requests on the idle server before the "
        "load (after one unmeasured request); p50/p95/p99 under load.",
        "Answers per 10 s of the run: "
        + "; ".join(f"{r['scale']}× {', '.join(map(str, per_window(r['per_second'], 10)))}" for r in runs)
        + ".",
        "",
    ]
    header = "| endpoint group | " + " | ".join(
        f"{r['scale']}× n | {r['scale']}× idle | {r['scale']}× p50 | {r['scale']}× p95 | {r['scale']}× p99"
        for r in runs
    )
    lines += [header + " |", "| --- " * (1 + 5 * len(runs)) + "|"]
    for group in GROUPS:
        cells = []
        for run in runs:
            values = run["times"].get(group, [])
            p50, p95, p99 = latency(values)
            fails = run["failures"].get(group, 0)
            cells.append(
                f"{len(values):,}{f' ({fails} failed)' if fails else ''} | {ms(run['idle_ms'][group])} | "
                f"{ms(p50)} | {ms(p95)} | {ms(p99)}"
            )
        lines.append(f"| {group} | " + " | ".join(cells) + " |")
    lines += ["", "Code measured: " + "; ".join(f"{r['scale']}× {r['code']}" for r in runs) + "."]
    lines += [
        "",
        "| data | process | RSS idle after start | RSS peak under load | RSS after load | PSS after load | "
        "USS after load |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in runs:
        rss = run["rss"]
        for i, pid in enumerate(run["pids"]):
            role = "master" if i == 0 else f"worker {i}"
            idle, after = rss["idle"].get(pid, {}), rss["after"].get(pid)
            if after is None:
                measured = "gone (restarted) | | "
            else:
                measured = f"{after['rss']:,.0f} MB | {after['pss']:,.0f} MB | {after['uss']:,.0f} MB"
            lines.append(
                f"| {run['scale']}× | {role} | {idle.get('rss', 0):,.0f} MB | {rss['peak'].get(pid, 0):,.0f} MB | "
                f"{measured} |"
            )
    for run in runs:
        notes = []
        if run["errors"]:
            notes += [f"  - {e['occurrences']}× {e['name']}: {e['error']}" for e in run["errors"]]
        bad = {c: n for c, n in run["problems"]["status_codes"].items() if not c.startswith(("2", "3"))}
        if bad:
            notes.append(f"  - access log statuses other than 2xx/3xx: {bad}")
        if run["problems"]["error_lines"]:
            notes += [f"  - server log: {x}" for x in run["problems"]["error_lines"]]
        if run["idle_failed"]:
            notes += [f"  - idle probe: {x}" for x in run["idle_failed"]]
        if set(run["workers_after"]) != set(run["pids"][1:]):
            notes.append(f"  - workers changed during the run: {run['pids'][1:]} → {run['workers_after']}")
        if notes:
            lines += ["", f"Problems at {run['scale']}×:", *notes]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="1,100", help="comma-separated data scales, 1 and/or 100 (default both)")
    parser.add_argument("--data-dir", help="the 100× data folder (default /tmp/x100, built when missing)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--idle-requests", type=int, default=8, help="per endpoint group, before the load")
    args = parser.parse_args()
    scales = [int(s) for s in args.scale.split(",")]
    if not set(scales) <= {1, 100}:
        parser.error("--scale takes 1 and/or 100")
    OUT.mkdir(parents=True, exist_ok=True)
    runs = []
    for scale in scales:
        run = run_scale(scale, args)
        runs.append(run)
        summary = {**run, "times": {name: [len(v), *latency(v)] for name, v in run["times"].items()}}
        (OUT / f"bench_load_{scale}x.json").write_text(json.dumps(summary, indent=1, default=str), encoding="utf-8")
    text = "\n".join(report(runs, args, sys.argv[1:]))
    print("\n" + text)
    (OUT / "bench_load.md").write_text(text + "\n", encoding="utf-8")
    if any(sum(r["failures"].values()) or r["idle_failed"] for r in runs):
        sys.exit(1)


if __name__ == "__main__":
    main()
