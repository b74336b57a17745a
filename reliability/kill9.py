"""kill -9 during a stream of acknowledged edits: no acknowledged edit may be lost.

A client POSTs features one at a time to one layer; each 201 is an acknowledgement, logged.
A killer thread sends SIGKILL to the server at random moments and restarts it on the same
data directory. A request cut by the kill is retried after the restart with the same id: a
201 or a 409 (it had been written before the kill) both make it acknowledged. At the end of
each round every acknowledged id must be in the layer file and served, every layer file must
parse and `nestmap check` must pass. Python standard library only.
"""

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

BIN, DATA_SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
ROUNDS, EDITS = int(sys.argv[4]), int(sys.argv[5])
SEED = int(os.environ.get("SEED", "320507"))
# Longest pause between kills, seconds (pauses are uniform from 0.05 s).
KILL_MAX_S = float(os.environ.get("KILL_MAX_S", "3.0"))
LAYER = "family_education_points"
TOKEN = os.environ["NESTMAP_TOKENS"].split(":", 1)[1]


class Server:
    def __init__(self, data, log):
        self.data, self.log, self.proc, self.url = data, log, None, None
        self.lock = threading.Lock()

    def start(self):
        with self.lock:
            self.proc = subprocess.Popen(
                [BIN, "serve", "--data", self.data, "--addr", "127.0.0.1:0",
                 "--audit-log", os.path.join(self.data, "audit.jsonl")],
                stdout=subprocess.PIPE, stderr=open(self.log, "ab"), text=True)
            line = self.proc.stdout.readline()
            m = re.search(r"serving on (http://\S+)", line)
            if not m:
                raise SystemExit(f"server did not start: {line!r}")
            self.url = m.group(1)

    def kill9(self):
        with self.lock:
            if self.proc and self.proc.poll() is None:
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait()


def request(method, url, body=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Bearer {TOKEN}")
    if body is not None:
        req.add_header("Content-Type", "application/geo+json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def feature(fid, i, rng):
    return {"type": "Feature", "id": fid,
            "geometry": {"type": "Point", "coordinates": [round(120.50 + rng.random() * 0.2, 7),
                                                          round(31.35 + rng.random() * 0.2, 7)]},
            "properties": {"name": f"kill9 {i}", "synthetic": True, "source": "reliability/kill9"}}


def one_round(n, rng):
    data = os.path.join(WORK, f"round{n}")
    subprocess.run(["rm", "-rf", data], check=True)
    os.makedirs(data)
    for f in os.listdir(DATA_SRC):
        if f.endswith(".geojson") or f == "layers.toml":
            subprocess.run(["cp", os.path.join(DATA_SRC, f), data], check=True)
    srv = Server(data, os.path.join(WORK, f"server{n}.log"))
    srv.start()
    acked, kills, retries, conflicts, stop = [], [0], [0], [0], threading.Event()
    ack_log = open(os.path.join(WORK, f"acked{n}.txt"), "w")

    def killer():
        while not stop.is_set():
            time.sleep(rng.uniform(0.05, KILL_MAX_S))
            if stop.is_set():
                break
            srv.kill9()
            kills[0] += 1
            srv.start()

    t = threading.Thread(target=killer, daemon=True)
    t.start()
    for i in range(EDITS):
        fid = f"k9-{n}-{i}"
        f = feature(fid, i, rng)
        attempt = 0
        while True:
            try:
                status, body = request("POST", f"{srv.url}/ogcapi/collections/{LAYER}/items", f)
            except (urllib.error.URLError, ConnectionError, OSError):
                attempt += 1
                retries[0] += 1
                time.sleep(0.05)
                continue
            if status == 201 or (status == 409 and attempt > 0):
                conflicts[0] += status == 409
                acked.append(fid)
                ack_log.write(fid + "\n")
                ack_log.flush()
                break
            if status == 503 or status >= 500:
                attempt += 1
                retries[0] += 1
                time.sleep(0.05)
                continue
            raise SystemExit(f"round {n}: {fid}: unexpected {status} {body[:200]!r}")
    stop.set()
    t.join()
    srv.kill9()
    # Every layer file parses; nestmap check passes; every acknowledged id is on disk.
    bad_files = []
    for f in sorted(os.listdir(data)):
        if f.endswith(".geojson"):
            try:
                json.load(open(os.path.join(data, f)))
            except Exception as e:
                bad_files.append(f"{f}: {e}")
    check = subprocess.run([BIN, "check", data], capture_output=True, text=True)
    on_disk = {ft.get("id") for ft in json.load(open(os.path.join(data, f"{LAYER}.geojson")))["features"]}
    lost = [fid for fid in acked if fid not in on_disk]
    # And served after a restart.
    srv.start()
    status, body = request("GET", f"{srv.url}/ogcapi/collections/{LAYER}/items?limit=10000")
    served = {ft["id"] for ft in json.loads(body)["features"]} if status == 200 else set()
    unserved = [fid for fid in acked if fid not in served]
    srv.kill9()
    audit = open(os.path.join(data, "audit.jsonl")).read().splitlines()
    bad_audit = 0
    for line in audit:
        try:
            json.loads(line)
        except ValueError:
            bad_audit += 1
    tmp_left = [f for f in os.listdir(data) if ".tmp-" in f]
    ok = not lost and not unserved and not bad_files and check.returncode == 0
    print(f"round {n}: {len(acked)} acknowledged edits, {kills[0]} kill -9, {retries[0]} retried "
          f"requests ({conflicts[0]} found already written), lost {len(lost)}, not served {len(unserved)}, "
          f"unparsable files {len(bad_files)}, nestmap check exit {check.returncode}, "
          f"audit lines {len(audit)} ({bad_audit} unparsable), temp files left {len(tmp_left)}"
          f" -> {'ok' if ok else 'FAIL'}", flush=True)
    if not ok:
        print("lost:", lost[:20], "unserved:", unserved[:20], "bad files:", bad_files, check.stdout[-2000:])
    return ok, len(acked), kills[0], len(lost)


def main():
    rng = random.Random(SEED)
    results = [one_round(n, rng) for n in range(1, ROUNDS + 1)]
    total_acked = sum(r[1] for r in results)
    total_kills = sum(r[2] for r in results)
    total_lost = sum(r[3] for r in results)
    passed = all(r[0] for r in results)
    print(f"kill9: {ROUNDS} rounds, {total_acked} acknowledged edits, {total_kills} kill -9, "
          f"{total_lost} lost -> {'PASS' if passed else 'FAIL'}")
    sys.exit(0 if passed else 1)


main()
