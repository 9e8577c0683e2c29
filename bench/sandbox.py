"""The sandbox server under load: latency, throughput, concurrency, crashes and slow clients.

Starts ``python -m sandbox`` of this checkout in a process of its own on a free port (the
harness's ``SandboxProcess``) and prints one JSON object of figures. ``--before DIR`` also
measures the speed of another checkout (an older version unpacked with ``git archive``), taking
turns with this one, and gives this one's figures as ratios to it. Not part of make test::

    .venv/bin/python -m bench.sandbox
    mkdir /tmp/old && git archive OLD_COMMIT | tar -x -C /tmp/old
    .venv/bin/python -m bench.sandbox --before /tmp/old --before-api /api/segments/get
"""

import argparse
import http.client
import json
import os
import resource
import socket
import sqlite3
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from browsers import SandboxProcess

ROOT = Path(__file__).resolve().parent.parent
SHOP = "demo-shop"
QUERY = f"?shop_id={SHOP}&did=bench&sid=bench"


def connect(sandbox, timeout=10):
    """A new keep-alive connection to sandbox."""
    return http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=timeout)


def request(conn, method, path, body=None):
    """One request on an open connection; returns (status, body)."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def keep_alive_ms(sandbox, path):
    """Milliseconds of each of three requests on one keep-alive connection."""
    conn = connect(sandbox)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        status, _ = request(conn, "GET", path)
        times.append(round((time.perf_counter() - started) * 1000, 2))
        assert status == 200, status
    conn.close()
    return times


def requests_per_second(sandbox, path, clients, seconds=3.0):
    """Requests answered per second by ``clients`` threads, each on its own keep-alive link."""
    counts = [0] * clients
    stop = time.perf_counter() + seconds

    def client(index):
        conn = connect(sandbox)
        while time.perf_counter() < stop:
            status, _ = request(conn, "GET", path)
            assert status == 200, status
            counts[index] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return round(sum(counts) / seconds)


def speed(sandbox, api, static):
    """Keep-alive latency and throughput of the API and of a static file."""
    figures = {"keep_alive_ms": {"api": keep_alive_ms(sandbox, api + QUERY)}}
    figures["keep_alive_ms"]["static"] = keep_alive_ms(sandbox, static)
    for clients in (1, 20):
        figures[f"requests_per_second_{clients}_clients"] = {
            "api": requests_per_second(sandbox, api + QUERY, clients),
            "static": requests_per_second(sandbox, static, clients),
        }
    return figures


def concurrent_writes(sandbox, data, devices=1000):
    """``devices`` concurrent add, add, remove, get sequences; errors and the final state."""

    def one_device(n):
        conn = connect(sandbox, timeout=60)
        body = {"shop_id": SHOP, "did": f"load-{n}", "sid": "s"}
        statuses = [
            request(conn, "POST", "/segments/add", {**body, "segment_id": 313})[0],
            request(conn, "POST", "/segments/add", {**body, "segment_id": 100500})[0],
            request(conn, "POST", "/segments/remove", {**body, "segment_id": 313})[0],
        ]
        status, answer = request(conn, "GET", f"/segments/get?shop_id={SHOP}&did=load-{n}&sid=s")
        conn.close()
        right = status == 200 and json.loads(answer) == [{"id": 100500, "type": "static"}]
        return sum(s != 200 for s in statuses) + (not right)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=devices) as pool:
        errors = sum(pool.map(one_device, range(devices)))
    seconds = time.perf_counter() - started
    with sqlite3.connect(Path(data) / "sandbox.sqlite3") as db:
        rows = db.execute("SELECT segment_id, COUNT(*) FROM memberships GROUP BY 1").fetchall()
    return {
        "devices": devices,
        "requests": devices * 4,
        "seconds": round(seconds, 2),
        "errors": errors,
        "final_state_exact": rows == [(100500, devices)],
    }


def kill_during_writes(data):
    """kill -9 the server amid acknowledged adds, restart on the folder, count what is lost."""
    sandbox = SandboxProcess(data)
    acknowledged = []

    def writer():
        conn = connect(sandbox)
        n = 0
        try:
            while True:
                body = {"shop_id": SHOP, "did": f"crash-{n}", "sid": "s", "segment_id": 313}
                if request(conn, "POST", "/segments/add", body)[0] == 200:
                    acknowledged.append(f"crash-{n}")
                n += 1
        except (OSError, http.client.HTTPException):
            return

    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(1.5)
    sandbox.kill()
    thread.join()
    sandbox.restart()
    conn = connect(sandbox)
    lost = [
        did
        for did in acknowledged
        if json.loads(request(conn, "GET", f"/segments/get?shop_id={SHOP}&did={did}&sid=s")[1])
        != [{"id": 313, "type": "static"}]
    ]
    sandbox.close()
    return {"acknowledged": len(acknowledged), "lost": len(lost)}


def slow_headers(sandbox, static, connections=1000):
    """With ``connections`` clients stuck half-way through their headers, time a normal request."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * connections)), hard))
    stuck = []
    for _ in range(connections):
        sock = socket.create_connection(("127.0.0.1", sandbox.port))
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        stuck.append(sock)
    time.sleep(0.5)
    started = time.perf_counter()
    try:
        status, _ = request(connect(sandbox, timeout=5), "GET", static)
        answer = {"status": status, "ms": round((time.perf_counter() - started) * 1000, 1)}
    except OSError as exc:
        answer = {"status": None, "error": type(exc).__name__, "waited_s": 5}
    for sock in stuck:
        sock.close()
    return {"slow_connections": connections, "normal_request": answer}


def ratios(after, before):
    """after / before for every figure of two speed reports of the same shape."""
    if isinstance(after, dict):
        return {key: ratios(after[key], before[key]) for key in after}
    if isinstance(after, list):
        return [ratios(a, b) for a, b in zip(after, before, strict=True)]
    return round(after / before, 3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="another checkout to compare speed with")
    parser.add_argument("--before-api", default="/segments/get", help="its segments/get path")
    parser.add_argument("--static", default="/index.html", help="a static file's path")
    args = parser.parse_args()
    report = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory() as temp_name:
        temp = Path(temp_name)
        turns = [("after", ROOT, "/segments/get")]
        if args.before:
            turns.insert(0, ("before", args.before, args.before_api))
        for name, checkout, api in turns:
            sandbox = SandboxProcess(temp / f"speed-{name}", checkout=checkout)
            try:
                report[f"speed_{name}"] = speed(sandbox, api, args.static)
                report[f"slow_headers_{name}"] = slow_headers(sandbox, args.static)
            finally:
                sandbox.kill()
        if args.before:
            report["speed_after_over_before"] = ratios(
                report["speed_after"], report["speed_before"]
            )
        sandbox = SandboxProcess(temp / "load")
        try:
            report["concurrent"] = concurrent_writes(sandbox, temp / "load")
        finally:
            sandbox.close()
        report["kill_9"] = kill_during_writes(temp / "crash")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
