"""Signature probes for TestAWSCLIAndBoto3: boto3 calls that are signed correctly and then
changed in transit (a tampered body), or signed with a clock 20 minutes behind. Each probe is
preceded by the same call left alone, so a refusal is known to come from the change.

Input (environment): VAULTLINK_ENDPOINT, and the AWS CLI's own credential files with the
profiles "operator" and "integration". Output: one JSON object on stdout, probe name →
{"code", "status", "message"} ("code" is "" for success). Secret values are never printed.
"""

import datetime
import json
import os
import sys

import boto3
import botocore.auth
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["VAULTLINK_ENDPOINT"]
SECRET = os.environ["VAULTLINK_PROBE_SECRET"]  # the name of a secret the integration may write
CONFIG = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def client(profile, service):
    return boto3.Session(profile_name=profile, region_name="us-east-1").client(service, endpoint_url=ENDPOINT, config=CONFIG)


def outcome(call):
    try:
        call()
        return {"code": "", "status": 200, "message": ""}
    except ClientError as e:
        err = e.response.get("Error", {})
        return {"code": err.get("Code", ""), "status": e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0),
                "message": err.get("Message", "")[:200]}


def tamper(old, new):
    """A before-send hook: the request is already signed; change its body, same length."""
    assert len(old) == len(new)

    def hook(request, **_):
        body = request.body if isinstance(request.body, bytes) else request.body.encode()
        assert old.encode() in body, "the body to tamper with is not as expected"
        request.body = body.replace(old.encode(), new.encode())

    return hook


results = {}

# Tampered JSON body (Secrets Manager): a new value for the secret, changed after signing.
sm = client("integration", "secretsmanager")
results["json-untouched"] = outcome(lambda: sm.put_secret_value(SecretId=SECRET, SecretString="probe-value-1"))
sm.meta.events.register("before-send.secrets-manager.PutSecretValue", tamper("probe-value-2", "evil!-value-2"))
results["json-tampered"] = outcome(lambda: sm.put_secret_value(SecretId=SECRET, SecretString="probe-value-2"))
current = client("integration", "secretsmanager").get_secret_value(SecretId=SECRET, VersionStage="AWSCURRENT")["SecretString"]
# The values are practice strings, not secrets: which one is current says what happened.
results["json-tampered-value-kept"] = {"code": "", "status": 200, "message": "kept" if current == "probe-value-1" else "changed to " + current}

# Tampered query body (IAM): the operator creates one user, the wire asks for another.
iam = client("operator", "iam")
iam.meta.events.register("before-send.iam.CreateUser", tamper("probe-user-a", "probe-user-b"))
results["query-tampered"] = outcome(lambda: iam.create_user(UserName="probe-user-a"))
plain = client("operator", "iam")
results["query-tampered-user-b"] = outcome(lambda: plain.get_user(UserName="probe-user-b"))

# A clock 20 minutes behind: botocore signs with whatever time it reads.
sts = client("integration", "sts")
results["stale-untouched"] = outcome(lambda: sts.get_caller_identity())
real_now = botocore.auth.get_current_datetime
botocore.auth.get_current_datetime = lambda: real_now() - datetime.timedelta(minutes=20)
try:
    results["stale-query"] = outcome(lambda: sts.get_caller_identity())
    results["stale-json"] = outcome(lambda: sm.list_secrets())
finally:
    botocore.auth.get_current_datetime = real_now

json.dump(results, sys.stdout)
