#!/usr/bin/env python3
"""apileak's in-repo benchmark (not part of the test suite).

For each size it generates an API of N operations with real ownership (genapi.py), serves it
from nginx on 127.0.0.1, scans it with fast settings, runs wrk against the same server at
the same concurrency, and prints one row: wall time, requests, req/s, wrk's req/s and the
ratio, peak RSS, time per phase (from the scanner's `elapsed_ms` log lines) and the findings
at medium or above (there must be none: the API is correct).

    apt-get install nginx wrk        # Debian packages
    python3 scripts/bench/bench.py   # sizes 100 1000 4000 8000; --help for options

Loopback only; every child process is bounded by a timeout and stopped at the end.
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
MEDIUM_OR_ABOVE = {"medium", "high", "critical"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nginx did not listen on 127.0.0.1:{port} within {timeout} s")


def run_scan(binary: Path, spec: Path, port: int, out: Path, args) -> dict:
    """One scan; returns wall time, peak RSS, phases and the JSON report."""
    report = out / "report.json"
    rss_file = out / "rss.txt"
    # GNU time reports the scan's own peak RSS (KiB).
    cmd = [
        "/usr/bin/time", "-f", "%M", "-o", str(rss_file),
        str(binary), "scan", str(spec),
        "--base-url", f"http://127.0.0.1:{port}",
        "--user-a", "Authorization: Bearer bench-token-alice",
        "--user-b", "Authorization: Bearer bench-token-bob",
        "--rate", args.rate, "--concurrency", str(args.concurrency),
        "--json", str(report), "--report-only",
    ]
    env = dict(os.environ, APILEAK_LOG="apileak=info", NO_COLOR="1")
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
    try:
        _, stderr = proc.communicate(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        sys.exit(f"the scan took longer than {args.timeout} s")
    wall = time.monotonic() - started
    rss_mib = int(rss_file.read_text().split()[-1]) / 1024
    if proc.returncode not in (0, 1):
        sys.exit(f"the scan exited {proc.returncode}:\n{stderr[-3000:]}")
    # `INFO planned cases=… elapsed_ms=1234`: milliseconds since the scan started.
    marks = {}
    for m in re.finditer(r"INFO (loaded|harvested|planned|probes sent)\b.*?elapsed_ms=(\d+)", stderr):
        marks.setdefault(m.group(1), int(m.group(2)) / 1000)
    need = ("loaded", "harvested", "planned", "probes sent")
    if any(k not in marks for k in need):
        sys.exit(f"missing stage lines {need} in the scanner's log:\n{stderr[-3000:]}")
    data = json.loads(report.read_text())
    return {
        "wall": wall,
        "rss": rss_mib,
        "load": marks["loaded"],
        "harvest": marks["harvested"] - marks["loaded"],
        "plan": marks["planned"] - marks["harvested"],
        "send": marks["probes sent"] - marks["planned"],
        "report": wall - marks["probes sent"],
        "requests": data["stats"]["requests"],
        # Requests sent while the probes went out (the canary's beside them): the send rate.
        "send_requests": sum(
            st["requests"] for st in data["stats"].get("stages", []) if st["stage"] in ("probes", "canary")
        ),
        "operations": data["api"]["operations"],
        "findings": [
            f'{f["severity"]} {f["check"]} {f["method"]} {f["path"]}'
            for f in data["findings"]
            if str(f.get("severity", "")).lower() in MEDIUM_OR_ABOVE
        ],
        "halted": data.get("halted"),
        "rate": data["stats"].get("rate"),
    }


def run_wrk(port: int, conf: Path, args) -> float:
    """wrk's req/s on one owned object of alice's, same concurrency, a few seconds."""
    oid = re.search(r'"a:0" (\w+);', conf.read_text()).group(1)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{args.concurrency}", f"-d{args.wrk_seconds}s",
         "-H", "Authorization: Bearer bench-token-alice", f"http://127.0.0.1:{port}/r0/{oid}"],
        capture_output=True, text=True, timeout=args.wrk_seconds + 30, check=True,
    ).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def bench_size(n: int, binary: Path, work: Path, args) -> dict:
    port = free_port()
    d = work / f"api-{n}"
    subprocess.run([sys.executable, str(HERE / "genapi.py"), str(n), str(d), str(port)], check=True)
    nginx = subprocess.Popen(
        ["nginx", "-p", str(d), "-c", str(d / "nginx.conf"), "-e", str(d / "error.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        wait_listening(port)
        runs = args.runs if n <= args.repeat_up_to else 1
        scans = [run_scan(binary, d / "openapi.yaml", port, d, args) for _ in range(runs)]
        wrk = run_wrk(port, d / "nginx.conf", args)
    finally:
        nginx.terminate()
        try:
            nginx.wait(timeout=10)
        except subprocess.TimeoutExpired:
            nginx.kill()
    by_wall = sorted(scans, key=lambda s: s["wall"])
    median = by_wall[len(by_wall) // 2]
    median["runs"] = runs
    median["walls"] = [round(s["wall"], 2) for s in scans]
    median["wrk"] = wrk
    return median


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 4000, 8000])
    p.add_argument("--binary", type=Path, help="apileak binary (default: build target/release/apileak)")
    p.add_argument("--rate", default="10000", help="--rate for the scan (default 10000: no limit)")
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--runs", type=int, default=3, help="runs per size, median reported")
    p.add_argument("--repeat-up-to", type=int, default=1000, help="larger sizes run once")
    p.add_argument("--timeout", type=int, default=900, help="seconds per scan, at most")
    p.add_argument("--wrk-seconds", type=int, default=3)
    args = p.parse_args()
    for tool in ("nginx", "wrk"):
        if not shutil.which(tool):
            sys.exit(f"`{tool}` not found: apt-get install nginx wrk")
    binary = args.binary
    if binary is None:
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=REPO, check=True)
        binary = REPO / "target" / "release" / "apileak"
    print(f"# {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start; "
          f"--rate {args.rate} --concurrency {args.concurrency}; wrk -c{args.concurrency} -d{args.wrk_seconds}s")
    header = ("ops", "runs", "wall s", "requests", "req/s", "wrk req/s", "ratio", "send req/s", "send ratio", "peak RSS MiB",
              "load s", "harvest s", "plan s", "send s", "report s", "findings >= medium")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    bad = False
    with tempfile.TemporaryDirectory(prefix="apileak-bench-") as tmp:
        for n in args.sizes:
            r = bench_size(n, binary, Path(tmp), args)
            rps = r["requests"] / r["wall"]
            send_rps = r["send_requests"] / r["send"] if r["send"] > 0 else 0.0
            row = (
                f'{r["operations"]:,}', r["runs"], f'{r["wall"]:.2f}', f'{r["requests"]:,}', f"{rps:,.0f}",
                f'{r["wrk"]:,.0f}', f'{rps / r["wrk"]:.3f}', f"{send_rps:,.0f}", f'{send_rps / r["wrk"]:.3f}',
                f'{r["rss"]:.0f}',
                *(f'{r[k]:.2f}' for k in ("load", "harvest", "plan", "send", "report")),
                "none" if not r["findings"] else "; ".join(r["findings"]),
            )
            print("| " + " | ".join(str(c) for c in row) + " |", flush=True)
            if r["runs"] > 1:
                print(f"#   {n}: walls {r['walls']}", flush=True)
            if r["rate"]:
                rate = r["rate"]
                print(f"#   {n}: rate {rate['mode']}: reached {rate['reached']} req/s (peak {rate['peak']}, "
                      f"limit {rate['limit']}), {rate['throttled']} answers 429/503, {rate['backoffs']} back-offs", flush=True)
            if r["halted"]:
                print(f"#   {n}: the scan stopped early: {r['halted']}", flush=True)
                bad = True
            bad |= bool(r["findings"])
    print(f"# load average {os.getloadavg()[0]:.2f} at the end")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
