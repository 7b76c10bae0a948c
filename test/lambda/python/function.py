"""A Python Lambda function written for the AWS Parameters and Secrets Lambda Extension: it reads the
token's secret from http://localhost:2773/secretsmanager/get with the X-Aws-Parameters-Secrets-Token
header (the session token), using only the standard library, and calls the API with it.

Configuration: TOKEN_SECRET_ID, API_URL, and PARAMETERS_SECRETS_EXTENSION_HTTP_PORT (default 2773).
"""
import datetime
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

PORT = os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "2773")
SECRET_URL = "http://localhost:%s/secretsmanager/get?secretId=%s" % (PORT, urllib.parse.quote(os.environ["TOKEN_SECRET_ID"], safe=""))


def get_secret(refresh_now=False):
    """The secret, and when it was asked for (epoch ms): the extension served it at that time or later."""
    url = SECRET_URL + ("&refreshNow=true" if refresh_now else "")
    request = urllib.request.Request(url, headers={"X-Aws-Parameters-Secrets-Token": os.environ["AWS_SESSION_TOKEN"]})
    requested_at = time.time() * 1000
    with urllib.request.urlopen(request, timeout=10) as response:
        return requested_at, json.loads(response.read())


def call_api(token):
    request = urllib.request.Request(os.environ["API_URL"], headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def handler(event, context):
    try:
        requested_at, secret = get_secret()
    except urllib.error.HTTPError as error:
        return {"statusCode": error.code, "body": error.read().decode()}
    envelope = json.loads(secret["SecretString"])
    api_status = call_api(envelope["token"])
    if api_status == 401:
        # As after any 401: ask for a replacement once (one refresh for the whole fleet).
        requested_at, secret = get_secret(refresh_now=True)
        envelope = json.loads(secret["SecretString"])
        api_status = call_api(envelope["token"])
    return {
        "statusCode": 200,
        "apiStatus": api_status,
        "token": envelope["token"],
        "expiresAt": datetime.datetime.fromisoformat(envelope["expiresAt"].replace("Z", "+00:00")).timestamp() * 1000,
        "refreshedAt": datetime.datetime.fromisoformat(envelope["refreshedAt"].replace("Z", "+00:00")).timestamp() * 1000,
        "generation": envelope.get("generation"),
        "requestedAt": requested_at,
        "versionId": secret["VersionId"],
        "name": secret["Name"],
    }
