"""The clients of bench/api_bench.py, in a process of their own: officers' phones are other devices.

Run by api_bench (never alone): reads on standard input a JSON object {"port", "clients", "headers", "requests":
[[method, path, body or null], ...], "pace"} and writes on standard output {"latencies": [ms, ...], "failures":
[text, ...], "wall": s, "cpu": s}. Standard library only: run inside the bench's Django process, the client
threads waited on that process's interpreter lock and counted the wait as the server's latency (a 20-client
closed loop of receipt POSTs read p95 235-250 ms there, 145 ms from a process like this one, same server).

pace 0: each client sends its next request as soon as it has the answer (a closed loop: the server's
capacity). pace > 0: each client starts a request every `pace` seconds, at a random phase (an officer
recording a household every `pace` s), or at once when the previous answer came later.
"""

import http.client
import json
import random
import sys
import threading
import time

HOST = "127.0.0.1"


def main() -> None:
    spec = json.load(sys.stdin)
    queue = list(reversed(spec["requests"]))
    headers, pace = spec["headers"], spec["pace"]
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []

    def client() -> None:
        connection = http.client.HTTPConnection(HOST, spec["port"], timeout=120)
        due = time.perf_counter() + random.uniform(0, pace)
        while True:
            with lock:
                if not queue:
                    return
                method, path, body = queue.pop()
            time.sleep(max(0.0, due - time.perf_counter()))
            started = time.perf_counter()
            due = started + pace
            connection.request(method, path, body=body.encode() if body is not None else None, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if response.status >= 300 and not (method == "POST" and response.status == 200):
                    failures.append(f"{method} {path} -> {response.status} {payload[:200]!r}")

    started, cpu = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=client) for _ in range(spec["clients"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    json.dump({"latencies": latencies, "failures": failures, "wall": wall, "cpu": cpu}, sys.stdout)


if __name__ == "__main__":
    main()
