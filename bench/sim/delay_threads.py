#!/usr/bin/env python3
"""lsr-sim's delay fault with many requests in flight: wall time and emulator threads (issue 12).

Usage: bench/sim/delay_threads.py LSR_SIM_BINARY [CONNECTIONS] [THREADS] [DELAY_MS]

Starts the binary on 127.0.0.1:0 with --threads THREADS (default 4), creates a demo account, sets
its rate model to `off` and injects {"action":"delay","delay_ms":DELAY_MS,"count":"unlimited"}
(default 150 ms, the benchmarks' stand-in for internet latency). Then opens CONNECTIONS (default
500) connections and sends one GET Shop.json on each, all at once, and waits for every answer.
Prints the wall time from the first request sent to the last answer read, the statuses, and the
largest thread count of the lsr-sim process (/proc/PID/status Threads) seen meanwhile. Stops the
emulator by its PID.
"""
import http.client
import json
import re
import selectors
import socket
import subprocess
import sys
import time
import urllib.parse


def threads_of(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return -1


def answer_done(buf):
    """The status when `buf` holds one whole answer (by Content-Length), else None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buf[:end].decode("latin-1")
    m = re.search(r"(?im)^content-length:\s*(\d+)", head)
    if len(buf) < end + 4 + (int(m.group(1)) if m else 0):
        return None
    return int(head.split()[1])


def main():
    binary = sys.argv[1]
    connections = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    delay_ms = int(sys.argv[4]) if len(sys.argv) > 4 else 150
    proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--threads", str(threads)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        port = None
        deadline = time.time() + 10
        while port is None and time.time() < deadline:
            m = re.search(r"http://127\.0\.0\.1:(\d+)", proc.stdout.readline())
            port = int(m.group(1)) if m else None
        if port is None:
            sys.exit("lsr-sim did not start")
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

        def call(method, path, body=None, form=False):
            h = {"Content-Type": "application/x-www-form-urlencoded" if form else "application/json"}
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            return r.status, r.read()

        _, raw = call("POST", "/_sim/accounts", json.dumps({"name": "Bench", "seed": "demo"}))
        acct = json.loads(raw)
        form = urllib.parse.urlencode({"grant_type": "refresh_token", "client_id": acct["client_id"],
                                       "client_secret": acct["client_secret"],
                                       "refresh_token": acct["refresh_token"]})
        _, raw = call("POST", "/auth/oauth/token", form, form=True)
        token = json.loads(raw)["access_token"]
        aid = acct["account_id"]
        call("PUT", f"/_sim/accounts/{aid}/rate", json.dumps({"model": "off"}))
        status, raw = call("POST", f"/_sim/accounts/{aid}/faults",
                           json.dumps({"action": "delay", "delay_ms": delay_ms, "count": "unlimited"}))
        if status != 200:
            sys.exit(f"the fault was refused: {raw!r}")
        idle_threads = threads_of(proc.pid)

        request = (f"GET /API/V3/Account/{aid}/Shop.json HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   f"Authorization: Bearer {token}\r\nAccept: application/json\r\n\r\n").encode()
        socks = []
        for _ in range(connections):
            s = socket.create_connection(("127.0.0.1", port))
            s.setblocking(False)
            socks.append(s)
        sel = selectors.DefaultSelector()
        bufs = {s: b"" for s in socks}
        statuses = {}
        start = time.monotonic()
        for s in socks:
            s.send(request)  # small enough for an empty send buffer
            sel.register(s, selectors.EVENT_READ)
        peak_threads = threads_of(proc.pid)
        pending = len(socks)
        give_up = start + 600
        while pending and time.monotonic() < give_up:
            for key, _ in sel.select(timeout=0.05):
                s = key.fileobj
                data = s.recv(65536)
                bufs[s] += data
                status = answer_done(bufs[s]) if data else 0
                if status is not None:
                    statuses[status] = statuses.get(status, 0) + 1
                    sel.unregister(s)
                    pending -= 1
            peak_threads = max(peak_threads, threads_of(proc.pid))
        wall = time.monotonic() - start
        for s in socks:
            s.close()
        print(f"lsr-sim {binary} --threads {threads}: {connections} connections, one GET each, "
              f"delay {delay_ms} ms")
        print(f"  wall time for all answers: {wall:.3f} s ({pending} unanswered)")
        print(f"  statuses: {dict(sorted(statuses.items()))}")
        print(f"  lsr-sim threads: {idle_threads} idle, at most {peak_threads} during the run")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
