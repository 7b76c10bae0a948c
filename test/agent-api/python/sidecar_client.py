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
reads, statuses, tokens = 0, {}, {}
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
        # Per token, its last read: the one with the least validity left, which the test checks.
        tokens[envelope["generation"]] = {"expiresAt": expires_at, "refreshedAt": refreshed_at, "lastRequestedAt": requested_at_ms}
        if envelope["generation"] >= target:
            break
    time.sleep(0.05)
served = [dict(token, generation=generation) for generation, token in sorted(tokens.items())]
print(json.dumps({"reads": reads, "statuses": statuses, "served": served}), flush=True)
