"""Profile one Sabak endpoint in-process on a seeded database: time, SQL queries, hottest functions.

    SABAK_ENV=production SECRET_KEY=... SABAK_BASE_URL=https://bench.sabak.invalid DATABASE_URL=... \
        .venv/bin/python bench/profile_endpoint.py ENDPOINT [-n 50]
    ... bench/profile_endpoint.py ENDPOINT -n 300 --best-of 7 --learner learner00002@bench.sabak.kg
    ... bench/profile_endpoint.py ENDPOINT -n 100 --instructions --learner learner00002@bench.sabak.kg

ENDPOINT is one of module, catalog, dashboard, progress_api, quiz_post, matrix (the bench's names),
me, healthz, baseline (bench/baseline_app.py, with --instructions), or a path (GET as a logged-in
learner).
The database must come from bench/seed.py. This is the tool used to find what bench/run shows slow.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import os
import pstats
import re
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # baseline_app

PASSWORD = "bench-password-2026"


def login(client, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    r = client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    assert r.status_code == 302, r.status_code


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("endpoint")
    p.add_argument("-n", type=int, default=50)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--time-only", action="store_true", help="no cProfile: the time per request as it is")
    p.add_argument("--dump", metavar="FILE", help="also write the profile (pstats format) to FILE")
    p.add_argument("--best-of", type=int, metavar="R",
                   help="time only, GET only: R rounds of -n requests straight through the WSGI app (no test "
                        "client), printing the best round beside the baseline app's; steadier on a busy "
                        "machine, for comparing two versions of the code run alternately")
    p.add_argument("--instructions", action="store_true",
                   help="count the machine instructions of -n requests (GETs, or quiz_post's POSTs) straight "
                        "through the WSGI app under valgrind's callgrind (needs valgrind; slow) and print them per request: "
                        "unlike time, the count hardly moves from run to run on a busy machine")
    p.add_argument("--inside-valgrind", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--learner", default="learner00001@bench.sabak.kg", help="the learner to log in as")
    args = p.parse_args()

    from sqlalchemy import event

    from app import create_app
    from app.extensions import db

    app = create_app()
    app.config["SESSION_COOKIE_SECURE"] = False  # the test client talks plain http
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = "sabak-bench"
    client.environ_base["HTTP_REFERER"] = "https://localhost/"  # Flask-WTF's strict referrer check
    with app.app_context():
        from app.models.cohorts import Cohort
        cohort_id = db.session.query(Cohort.id).scalar()
    if args.endpoint == "matrix":
        login(client, "instructor01@bench.sabak.kg")
        method, url, data = "GET", f"/teach/cohorts/{cohort_id}/courses/bench-00", None
    else:
        login(client, args.learner)
        data = None
        if args.endpoint == "quiz_post":
            quiz = client.get("/courses/bench-00/m10").get_data(as_text=True)
            # The form as bench/run fills it in (first choice, fixed texts): most of its answers pass.
            data = dict(urllib.parse.parse_qsl(_bench_run().quiz_body(quiz).replace("&attempt_key={KEY}", "")))
        method, url = {
            "module": ("GET", "/courses/bench-00/m02"), "catalog": ("GET", "/courses"),
            "dashboard": ("GET", "/dashboard"), "progress_api": ("GET", "/api/v1/me/progress"),
            "quiz_post": ("POST", "/courses/bench-00/m10/attempts"),
            "me": ("GET", "/api/v1/me"), "healthz": ("GET", "/healthz"), "baseline": ("GET", "baseline"),
        }.get(args.endpoint) or ("GET", args.endpoint)

    if args.best_of or args.instructions:
        if method != "GET" and args.best_of:
            p.error("--best-of measures GET endpoints only")
        if args.instructions:
            instructions(app, client, url, args.n, inside=args.inside_valgrind,
                         form=data if method == "POST" else None)
        else:
            best_of(app, client, url, args.n, args.best_of)
        return
    # Counted only here: a connection event listener slows every statement down (bench/HISTORY.md, fix 37).
    queries = []
    with app.app_context():
        @event.listens_for(db.engine, "before_cursor_execute")
        def count(conn, cursor, statement, params, context, executemany):
            queries.append(statement)

    def once():
        if method == "POST":
            d = dict(data, attempt_key=uuid.uuid4().hex)
            r = client.post(url, data=d)
        else:
            r = client.get(url)
        assert r.status_code in (200, 302), (r.status_code, r.get_data(as_text=True)[:300])
        return r

    r = once()
    queries.clear()
    once()
    per_request = list(queries)
    t = time.perf_counter()
    prof = cProfile.Profile()
    if not args.time_only:
        prof.enable()
    for _ in range(args.n):
        once()
    prof.disable()
    ms = (time.perf_counter() - t) * 1000 / args.n
    print(f"{args.endpoint}: {method} {url}: {ms:.1f} ms/request, {len(per_request)} queries, "
          f"{len(r.get_data())} bytes")
    for q in per_request:
        print("  SQL:", " ".join(q.split())[:160])
    if args.time_only:
        return
    if args.dump:
        prof.dump_stats(args.dump)
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())


def _bench_run():
    """bench/run as a module (it has no .py suffix), for its quiz_body."""
    import importlib.machinery
    import importlib.util

    loader = importlib.machinery.SourceFileLoader("bench_run", str(Path(__file__).with_name("run")))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("bench_run", loader))
    loader.exec_module(module)
    return module


def _getter(wsgi, path: str, cookie_header: str | None, form: dict | None = None):
    """A function that GETs ``path`` once straight through the WSGI callable (no test client),
    with the cookie header, and returns the status line; with ``form``, POSTs it instead, each
    time with a new attempt_key (every POST records an attempt, as in bench/run)."""
    environ = {"REQUEST_METHOD": "GET" if form is None else "POST", "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
               "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
               "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
               "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000", "HTTP_USER_AGENT": "sabak-bench",
               "PATH_INFO": path, **({"HTTP_COOKIE": cookie_header} if cookie_header else {})}
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    sent = itertools.count()

    def get() -> str:
        body = b"" if form is None else urllib.parse.urlencode(
            dict(form, attempt_key=f"profile-{os.getpid()}-{next(sent)}")).encode()
        extra = {} if form is None else {"CONTENT_TYPE": "application/x-www-form-urlencoded",
                                         "CONTENT_LENGTH": str(len(body))}
        b"".join(wsgi(dict(environ, **extra, **{"wsgi.input": io.BytesIO(body)}), start_response))
        return statuses.pop()

    return get


def _cookie(client) -> str:
    client.get("/courses/bench-00/m10")  # a page with a form: the session gets its CSRF token
    return "; ".join(f"{name}={c.value}" for name in ("session", "remember_token")
                     if (c := client.get_cookie(name)) is not None)


def best_of(app, client, url: str, n: int, rounds: int) -> None:
    """The best of ``rounds`` rounds of ``n`` GETs of ``url``, called straight on the WSGI app
    with the logged-in client's cookie, and the same for bench/baseline_app.py: on a shared VM
    a round's mean moves by tens of percent, its best far less."""
    import baseline_app

    def best(get) -> float:
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            for _ in range(n):
                get()
            times.append((time.perf_counter() - t) / n)
        return min(times) * 1e6

    get = _getter(app.wsgi_app, url, _cookie(client))
    best(get)  # warm-up
    mine = best(get)
    if not (status := get()).startswith("200"):
        raise SystemExit(f"{url} answered {status}")
    flask = best(_getter(baseline_app.app.wsgi_app, "/", None))
    print(f"GET {url}: best of {rounds} x {n}: {mine:.0f} µs a request; the baseline app {flask:.0f} µs")


def instructions(app, client, url: str, n: int, inside: bool, form: dict | None = None) -> None:
    """Machine instructions per GET of ``url`` (the ENDPOINT ``baseline``: bench/baseline_app.py's
    page), or per POST of ``form`` to it, counted by valgrind's callgrind over ``n`` requests after a warm-up. The count moves by
    well under 1% between runs where times move by tens of percent, so it compares two versions
    of the code on a busy machine (though not what waits on memory or the disk). Without
    ``inside``, runs this same command again under callgrind, counting only inside
    ``itertools.starmap``, which wraps the measured requests and nothing else."""
    import subprocess
    import tempfile

    if not inside:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "callgrind.out"
            subprocess.run(["valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=starmap_next",
                            f"--callgrind-out-file={out}", sys.executable, *sys.argv, "--inside-valgrind"],
                           check=True, env={**os.environ, "PYTHONHASHSEED": "0"}, stderr=subprocess.DEVNULL)
            total = next(int(line.split()[1]) for line in out.read_text().splitlines()
                         if line.startswith(("summary:", "totals:")))
        print(f"{'GET' if form is None else 'POST'} {url}: {total / n:,.0f} instructions a request "
              f"(callgrind, {n} requests)")
        return
    if url == "baseline":
        import baseline_app

        get = _getter(baseline_app.app.wsgi_app, "/", None)
    else:
        get = _getter(app.wsgi_app, url, _cookie(client), form)
    for _ in range(30):  # warm-up: the worker's stores filled, as in a running server
        status = get()
    if not status.startswith("200" if form is None else "302"):
        raise SystemExit(f"{url} answered {status}")
    list(itertools.starmap(get, [()] * n))


if __name__ == "__main__":
    main()
