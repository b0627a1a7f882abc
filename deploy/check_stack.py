"""The processes `make deploy-check` (deploy/check.py) starts and stops: PostgreSQL and
Redis when they are not running, a fresh database, nginx from a config generated from
deploy/nginx.conf, two gunicorn instances, one Celery worker, Celery beat and the local
S3 server (deploy/s3_server.py)."""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BIN = ROOT / ".venv" / "bin"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so")
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(cmd: list[str], env: dict | None = None, timeout: int = 600) -> float:
    """Run a setup command; its output is shown only when it fails. Returns its seconds."""
    started = time.monotonic()
    done = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise RuntimeError(f"{' '.join(cmd[:3])} … exited {done.returncode}")
    return time.monotonic() - started


def _ready(cmd: list[str]) -> bool:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return done.returncode == 0 and "PONG" in done.stdout if "ping" in cmd else done.returncode == 0


def ensure_services() -> list[str]:
    """nginx installed, PostgreSQL and Redis answering (started as .ci/run does)."""
    notes = []
    if shutil.which("nginx") is None or not BROTLI_MODULE.exists():
        notes.append("installed nginx and its brotli module")
        run(["apt-get", "update", "-qq"])
        run(
            ["apt-get", "install", "-y", "-qq", "nginx", "libnginx-mod-http-brotli-filter"],
            env=os.environ | {"DEBIAN_FRONTEND": "noninteractive"},
        )
    pg = ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]
    if not _ready(pg):
        notes.append("started PostgreSQL")
        version = sorted(
            os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".")]
        )
        run(["pg_ctlcluster", "--skip-systemctl-redirect", version[-1], "main", "start"])
        _wait(lambda: _ready(pg), 30, "PostgreSQL")
    redis = ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "ping"]
    if not _ready(redis):
        notes.append("started Redis")
        os.makedirs("/var/lib/redis", exist_ok=True)
        os.makedirs("/var/log/redis", exist_ok=True)
        run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "-::1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                "/var/lib/redis",
                "--logfile",
                "/var/log/redis/ci.log",
            ]
        )
        _wait(lambda: _ready(redis), 30, "Redis")
    return notes


def _wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up within {seconds:.0f} s")
        time.sleep(0.3)


def psql(sql: str) -> None:
    run(["psql", PG_ADMIN, "--quiet", "--command", sql])


def nginx_config(work: Path, port: int, upstreams: list[int]) -> Path:
    """deploy/nginx.conf for a loopback check: the HTTPS server block listens on plain
    HTTP at ``port`` (nginx still tells the app the request was HTTPS, as it does behind
    TLS, so production's secure cookies, HSTS and SSL redirect stay on); paths point into
    ``work``. Upstream, failover, gzip, limit_req and X-Accel parts are kept as written."""
    site = (DEPLOY / "nginx.conf").read_text()
    # The port-80 server only redirects to HTTPS; the check has no certificate.
    site = re.sub(r"server \{\n    listen 80;.*?\n\}\n", "", site, count=1, flags=re.S)
    site = re.sub(r"    listen (\[::\]:)?443 ssl http2;\n", "", site)
    site = re.sub(r"    ssl_certificate(_key)? .*\n", "", site)
    site = site.replace("    server_name ", f"    listen 127.0.0.1:{port};\n    server_name ", 1)
    site = site.replace("127.0.0.1:8000", f"127.0.0.1:{upstreams[0]}")
    site = site.replace("127.0.0.1:8001", f"127.0.0.1:{upstreams[1]}")
    # The offline Stripe fake keeps checkout sessions in the memory of the gunicorn
    # process that created them (real Stripe is shared), so the check pins each browser
    # session to one instance; when that instance is down nginx still fails over.
    site = site.replace(
        "upstream physiomassage_app {\n",
        "upstream physiomassage_app {\n    hash $cookie_sessionid consistent;\n",
    )
    site = site.replace("/srv/physiomassage/", f"{work}/")
    site = site.replace("/var/log/nginx/physiomassage.access.log", f"{work}/access.log")
    site = site.replace(
        f"access_log {work}/access.log pm_main;",
        f"access_log {work}/access.log pm_main;\n"
        "    add_header X-Check-Upstream $upstream_addr always;",
    )
    site = site.replace("/etc/nginx/physiomassage_proxy.conf", f"{work}/proxy.conf")
    proxy = (DEPLOY / "nginx_proxy.conf").read_text()
    proxy = proxy.replace("X-Forwarded-Proto $scheme", "X-Forwarded-Proto https")
    (work / "proxy.conf").write_text(proxy)
    temp = work / "nginx-temp"
    temp.mkdir()
    temp.chmod(0o777)
    main = f"""load_module {BROTLI_MODULE};
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{site}
}}
"""
    path = work / "nginx.conf"
    path.write_text(main)
    return path


class Stack:
    """Every process the check starts, each in its own process group."""

    def __init__(self, work: Path, env: dict):
        self.work = work
        self.env = env
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, cmd: list[str], env: dict | None = None) -> None:
        log = open(self.work / f"{name}.log", "ab")  # noqa: SIM115 - kept for the process
        self.procs[name] = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=self.env | (env or {}),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def gunicorn(self, name: str, port: int) -> None:
        self.start(
            name,
            [str(BIN / "gunicorn"), "-c", str(DEPLOY / "gunicorn.conf.py"), "config.wsgi"],
            {"GUNICORN_BIND": f"127.0.0.1:{port}"},
        )
        _wait(lambda: _http_ok(port), 60, name)

    def worker(self) -> None:
        self.start(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "-l",
                "info",
                "--concurrency",
                "1",
                "--hostname",
                f"deploycheck{os.getpid()}@%h",
            ],
        )

    def beat(self) -> None:
        self.start(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "beat",
                "-l",
                "info",
                "--schedule",
                str(self.work / "celerybeat-schedule"),
            ],
        )

    def s3(self, port: int) -> None:
        """The object store: moto's S3 API with presigned-signature checks (s3_server.py)."""
        self.start("s3", [str(BIN / "python"), str(DEPLOY / "s3_server.py"), "--port", str(port)])
        _wait(lambda: _port_open(port), 30, "the S3 server")

    def nginx(self, config: Path, port: int) -> None:
        run(["nginx", "-t", "-q", "-c", str(config), "-p", str(self.work)])
        self.start("nginx", ["nginx", "-c", str(config), "-p", str(self.work), "-g", "daemon off;"])
        _wait(lambda: _port_open(port), 20, "nginx")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _http_ok(port: int) -> bool:
    """/healthz straight from gunicorn, marked HTTPS as nginx does (no SSL redirect)."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
        return conn.getresponse().status == 200
    except OSError:
        return False
