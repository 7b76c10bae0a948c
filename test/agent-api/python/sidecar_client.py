"""An application container's client of the token-refresher sidecar, written for the Secrets Manager
Agent: GET http://localhost:$AGENT_PORT/secretsmanager/get with X-Aws-Parameters-Secrets-Token read
from AWS_TOKEN (a value or file://path), standard library only. Reads every 50 ms until it has seen
the token of generation TARGET_GENERATION, then prints one JSON summary line."""
import datetime
import json
import os
import time
import urllib.parse
import urllib.request


def ssrf_token():
    value = os.environ["AWS_TOKEN"]
    if value.startswith("file://"):
        with open(value[len("file://"):]) as file:
            return file.read().strip()
    return value


url = "http://localhost:%s/secretsmanager/get?secretId=%s" % (os.environ["AGENT_PORT"], urllib.parse.quote(os.environ["SECRET_ID"], safe=""))
target = int(os.environ["TARGET_GENERATION"])
headers = {"X-Aws-Parameters-Secrets-Token": ssrf_token()}
reads, statuses, generations, least_margin_ms = 0, {}, set(), None
answered = False
while True:
    # Validity is measured from the request, not from the answer: the sidecar promises the minimum
    # validity when it serves, which comes after this instant, and a busy machine may delay the answer.
    requested_at_ms = time.time() * 1000
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as response:
            status, body = response.status, json.loads(response.read())
        answered = True
    except urllib.error.HTTPError as error:
        status, body, answered = error.code, None, True
    except urllib.error.URLError:
        # Refused before the first answer: the sidecar is still starting. Refused after it: the
        # sidecar went away, which the test must see rather than count as harmless.
        status, body = ("unreachable" if answered else "starting"), None
    reads += 1
    statuses[str(status)] = statuses.get(str(status), 0) + 1
    if body is not None:
        envelope = json.loads(body["SecretString"])
        expires_at = datetime.datetime.fromisoformat(envelope["expiresAt"].replace("Z", "+00:00")).timestamp() * 1000
        refreshed_at = datetime.datetime.fromisoformat(envelope["refreshedAt"].replace("Z", "+00:00")).timestamp() * 1000
        # The library's promise for this token: min(30 s, its lifetime / 10) left when served.
        margin = (expires_at - requested_at_ms) - min(30000, (expires_at - refreshed_at) / 10)
        least_margin_ms = margin if least_margin_ms is None else min(least_margin_ms, margin)
        generations.add(envelope["generation"])
        if envelope["generation"] >= target:
            break
    time.sleep(0.05)
print(json.dumps({"reads": reads, "statuses": statuses, "generations": sorted(generations), "leastMarginMs": least_margin_ms}), flush=True)
