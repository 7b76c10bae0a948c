"""A Python client as written for the Secrets Manager Agent (urllib, a new connection per request):
sends REQUESTS sequential GETs and prints one JSON line of latencies. Usage: python3 python_client.py <url> <ssrf token> <requests>"""
import json
import sys
import time
import urllib.request

url, token, requests = sys.argv[1], sys.argv[2], int(sys.argv[3])
latencies, failures = [], 0
started = time.perf_counter()
for _ in range(requests):
    start = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers={"X-Aws-Parameters-Secrets-Token": token})) as response:
        json.loads(response.read())
        failures += response.status != 200
    latencies.append((time.perf_counter() - start) * 1000)
elapsed = (time.perf_counter() - started) * 1000
print(json.dumps({"latencies": latencies, "elapsedMs": elapsed, "failures": failures}))
