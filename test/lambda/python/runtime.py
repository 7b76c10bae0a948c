"""A minimal custom Lambda runtime in Python (standard library only): polls the Runtime API at
AWS_LAMBDA_RUNTIME_API for invocations, runs function.handler, and posts each result back."""
import json
import os
import sys
import time
import traceback
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import function  # noqa: E402

RUNTIME = "http://%s/2018-06-01/runtime" % os.environ["AWS_LAMBDA_RUNTIME_API"]


class Context:
    def __init__(self, request_id, deadline_ms):
        self.aws_request_id = request_id
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


def post(path, body):
    request = urllib.request.Request(RUNTIME + path, data=json.dumps(body).encode(), headers={"content-type": "application/json"}, method="POST")
    urllib.request.urlopen(request).read()


while True:
    with urllib.request.urlopen(RUNTIME + "/invocation/next") as next_invocation:
        request_id = next_invocation.headers["lambda-runtime-aws-request-id"]
        deadline_ms = int(next_invocation.headers["lambda-runtime-deadline-ms"])
        event = json.loads(next_invocation.read() or b"null")
    try:
        result = function.handler(event, Context(request_id, deadline_ms))
        post("/invocation/%s/response" % request_id, result)
    except Exception as error:  # noqa: BLE001 - every failure is reported to Lambda
        post("/invocation/%s/error" % request_id, {"errorType": type(error).__name__, "errorMessage": str(error), "stackTrace": traceback.format_exc().splitlines()})
