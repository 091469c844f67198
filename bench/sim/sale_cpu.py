#!/usr/bin/env python3
"""lsr-sim's CPU per request under rate model `off`, as spoke's client asks (issue 12).

Usage: bench/sim/sale_cpu.py LSR_SIM_BINARY [SALES] [ACCEPT_ENCODING]

Starts the binary on 127.0.0.1:0, creates a demo account, sets the rate model to `off`, then over
one kept-alive connection sends SALES rounds of: POST a completed sale (two lines, a payment,
load_relations as spoke sends them) and GET Item.json (the demo catalog, a list answer over
1 KiB). Prints the emulator's CPU time (utime + stime from /proc) per request, the bytes received,
the encodings seen and whether X-LS-API-* headers came back. Stops the emulator by its PID.
"""
import http.client
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    binary = sys.argv[1]
    sales = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    accept = sys.argv[3] if len(sys.argv) > 3 else "gzip"
    proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--threads", "8"],
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

        def call(method, path, body=None, headers=None, form=False):
            h = dict(headers or {})
            if body is not None:
                h["Content-Type"] = "application/x-www-form-urlencoded" if form else "application/json"
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            return r, r.read()

        _, raw = call("POST", "/_sim/accounts", json.dumps({"name": "Bench", "registers": 1, "seed": "demo"}))
        acct = json.loads(raw)
        form = urllib.parse.urlencode({"grant_type": "refresh_token", "client_id": acct["client_id"],
                                       "client_secret": acct["client_secret"],
                                       "refresh_token": acct["refresh_token"]})
        _, raw = call("POST", "/auth/oauth/token", form, form=True)
        token = json.loads(raw)["access_token"]
        aid = acct["account_id"]
        call("PUT", f"/_sim/accounts/{aid}/rate", json.dumps({"model": "off"}))
        auth = {"Authorization": "Bearer " + token, "Accept": "application/json"}
        if accept != "-":
            auth["Accept-Encoding"] = accept
        sale_path = f"/API/V3/Account/{aid}/Sale.json?load_relations=%5B%22SaleLines%22%2C%22SalePayments%22%5D"
        list_path = f"/API/V3/Account/{aid}/Item.json"
        encodings, rate_headers, received, statuses = set(), 0, 0, {}
        cpu0, t0 = cpu_seconds(proc.pid), time.time()
        for i in range(sales):
            sale = {"shopID": "1", "registerID": "1", "employeeID": "1", "completed": True,
                    "referenceNumber": f"B{i}", "referenceNumberSource": "web",
                    "SaleLines": {"SaleLine": [{"itemID": "11", "unitQuantity": "1", "unitPrice": "8.99", "tax": "false"},
                                               {"itemID": "0", "unitQuantity": "1", "unitPrice": "5.00",
                                                "tax": "false", "Note": {"note": "Shipping"}}]},
                    "SalePayments": {"SalePayment": [{"paymentTypeID": "1", "amount": "13.99"}]}}
            for method, path, body in (("POST", sale_path, json.dumps(sale)), ("GET", list_path, None)):
                r, raw = call(method, path, body, auth)
                statuses[r.status] = statuses.get(r.status, 0) + 1
                if r.status >= 300 and statuses[r.status] == 1:
                    print(f"{method} answered {r.status}: {raw[:300]!r}", file=sys.stderr)
                received += len(raw)
                encodings.add(r.getheader("Content-Encoding") or "identity")
                rate_headers += any(k.lower().startswith("x-ls-api-") for k, _ in r.getheaders())
        cpu, wall = cpu_seconds(proc.pid) - cpu0, time.time() - t0
        n = 2 * sales
        print(f"binary={binary} requests={n} accept-encoding={accept!r}")
        print(f"| emulator CPU per request | wall per request | bytes received per request | "
              f"encodings | answers with X-LS-API-* | statuses |")
        print(f"| {1000 * cpu / n:.2f} ms | {1000 * wall / n:.2f} ms | {received / n:.0f} | "
              f"{','.join(sorted(encodings))} | {rate_headers}/{n} | {statuses} |")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
