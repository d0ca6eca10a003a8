#!/usr/bin/env python3
"""Re-runs the two floods of the security review against a running Một Cửa server.

  login  -- N connections post wrong passwords as fast as they can (the probe: 64 for 20 s);
  idle   -- opens N sockets that never send a byte (the probe: 20,000), holds them.

Meanwhile another client looks up a dossier code every 20 ms and the server's resident memory
is sampled from /proc. Prints the flood's answers by status, the other client's latencies
(p50/p99/max, failures) and the server's RSS (before, peak, after).

    scripts/probe-floods.py login --pid $(pidof motcua) --url http://127.0.0.1:8080
    scripts/probe-floods.py idle  --pid $(pidof motcua) --url http://127.0.0.1:8080 --sockets 20000

Standard library only. Raise the open-file limit of this shell first for the idle flood
(`ulimit -n 40000`)."""

import argparse
import asyncio
import collections
import json
import time
import urllib.parse


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def request(host, port, method, path, body=None, reader_writer=None):
    """One HTTP/1.1 request on a fresh or given keep-alive connection: (status, seconds, rw)."""
    start = time.perf_counter()
    if reader_writer is None:
        reader_writer = await asyncio.open_connection(host, port)
    reader, writer = reader_writer
    data = b"" if body is None else json.dumps(body).encode()
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {len(data)}\r\n"
    if body is not None:
        head += "Content-Type: application/json\r\n"
    writer.write((head + "\r\n").encode() + data)
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        k, _, v = line.decode().partition(":")
        if k.lower() == "content-length":
            length = int(v.strip())
    if length:
        await reader.readexactly(length)
    return status, time.perf_counter() - start, reader_writer


async def other_client(host, port, path, stop, latencies, failures):
    rw = None
    while not stop.is_set():
        try:
            _, seconds, rw = await asyncio.wait_for(request(host, port, "GET", path, reader_writer=rw), 10)
            latencies.append(seconds)
        except Exception:
            failures.append(1)
            rw = None
        await asyncio.sleep(0.02)


async def sample_rss(pid, stop, samples):
    while not stop.is_set():
        samples.append(rss_mb(pid))
        await asyncio.sleep(0.25)


async def login_flooder(host, port, username, stop, statuses):
    rw = None
    body = {"username": username, "password": "sai-mat-khau"}
    while not stop.is_set():
        try:
            status, _, rw = await request(host, port, "POST", "/api/v1/sessions", body, rw)
            statuses[status] += 1
        except Exception:
            statuses["error"] += 1
            rw = None


async def idle_flood(host, port, sockets, hold, statuses):
    held = []
    for i in range(sockets):
        try:
            held.append(await asyncio.open_connection(host, port))
            statuses["opened"] += 1
        except Exception as e:
            statuses[f"connect failed: {type(e).__name__}"] += 1
    await asyncio.sleep(hold)
    closed = 0
    for reader, writer in held:
        try:
            if reader.at_eof() or await asyncio.wait_for(reader.read(1), 0.001) == b"":
                closed += 1
        except asyncio.TimeoutError:
            pass
        except Exception:
            closed += 1
        writer.close()
    statuses["closed by the server"] = closed


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] * 1000 if xs else float("nan")


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["login", "idle"])
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--sockets", type=int, default=20000)
    ap.add_argument("--username", default="motcua.baothang")
    ap.add_argument("--lookup", default="/api/v1/public/lookup/000.01.61.H38-260601-0001")
    a = ap.parse_args()
    u = urllib.parse.urlparse(a.url)
    host, port = u.hostname, u.port or 80
    stop = asyncio.Event()
    latencies, failures, samples = [], [], []
    statuses = collections.Counter()
    before = rss_mb(a.pid)
    tasks = [
        asyncio.create_task(other_client(host, port, a.lookup, stop, latencies, failures)),
        asyncio.create_task(sample_rss(a.pid, stop, samples)),
    ]
    started = time.perf_counter()
    if a.kind == "login":
        flood = [asyncio.create_task(login_flooder(host, port, a.username, stop, statuses)) for _ in range(a.connections)]
        await asyncio.sleep(a.seconds)
        stop.set()
        await asyncio.gather(*flood, return_exceptions=True)
    else:
        await idle_flood(host, port, a.sockets, a.seconds, statuses)
        stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    elapsed = time.perf_counter() - started
    await asyncio.sleep(2)
    after = rss_mb(a.pid)
    print(f"flood: {a.kind}, {elapsed:.1f} s")
    for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0])):
        print(f"  {k}: {v}")
    print(f"other client: {len(latencies)} lookups, p50 {pct(latencies, .5):.1f} ms, "
          f"p99 {pct(latencies, .99):.1f} ms, max {pct(latencies, 1):.1f} ms, {len(failures)} failed")
    print(f"server RSS: before {before:.1f} MB, peak {max(samples or [0]):.1f} MB, after {after:.1f} MB")


if __name__ == "__main__":
    asyncio.run(main())
