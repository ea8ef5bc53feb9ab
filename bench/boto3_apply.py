#!/usr/bin/env python3
"""The peer `make bench` times `vaultlink apply --live` against: the plain boto3 script an AWS
admin would write for the AWS half of the same job (modules 1, 4, 5 and the AWS side of 6),
with the same checks VaultLink makes after each step, and no more. It has no Secret Server part:
VaultLink's Secret Server calls (and the syncs the server itself makes to AWS) are extra work
the script does not do.

Credentials, region and endpoint come from the environment (AWS_ACCESS_KEY_ID,
AWS_ENDPOINT_URL, ...), as bench/main.go sets them for a fresh moto_server. The new secret
access key is kept in memory only and never printed. The last line says how many calls it made.
"""
import json
import time

import boto3
from botocore.exceptions import ClientError

USER = "delinea-secrets-sync"
GROUP = "delinea-secrets-group"
POLICY = "DelineaSecretsManagerLeastPrivilege"
DESCRIPTION = "Secret Server External Vault Integration"
OWNER_TAG = {"Key": "vaultlink:managed-by", "Value": "VaultLink"}

calls = 0


def count(**_):
    global calls
    calls += 1


def client(service, session=None):
    c = (session or boto3).client(service)
    c.meta.events.register("after-call.*.*", count)
    return c


def code(err):
    return err.response.get("Error", {}).get("Code", "")


def main():
    sts, iam, sm = client("sts"), client("iam"), client("secretsmanager")
    account = sts.get_caller_identity()["Account"]

    # Module 1: the user (created unless it exists), its group, its access key.
    try:
        iam.get_user(UserName=USER)
    except ClientError as e:
        if code(e) != "NoSuchEntity":
            raise
        iam.create_user(UserName=USER, Tags=[OWNER_TAG])
    try:
        iam.get_group(GroupName=GROUP)
    except ClientError as e:
        if code(e) != "NoSuchEntity":
            raise
        iam.create_group(GroupName=GROUP)

    # Modules 4 and 5: the least-privilege policy, attached to the group, read back.
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "DelineaSecretsList", "Effect": "Allow", "Action": ["secretsmanager:ListSecrets"], "Resource": ["*"]},
            {"Sid": "DelineaSecretsReadWrite", "Effect": "Allow", "Action": [
                "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:ListSecretVersionIds",
                "secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
             "Resource": ["*"]},
        ],
    }
    arn = f"arn:aws:iam::{account}:policy/{POLICY}"
    try:
        arn = iam.create_policy(PolicyName=POLICY, PolicyDocument=json.dumps(document), Tags=[OWNER_TAG])["Policy"]["Arn"]
    except ClientError as e:
        if code(e) != "EntityAlreadyExists":
            raise
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    iam.get_policy_version(PolicyArn=arn, VersionId=version)
    iam.attach_group_policy(GroupName=GROUP, PolicyArn=arn)
    attached = [p["PolicyArn"] for p in iam.list_attached_group_policies(GroupName=GROUP)["AttachedPolicies"]]
    assert arn in attached, "the policy is not attached"
    iam.add_user_to_group(UserName=USER, GroupName=GROUP)
    members = [u["UserName"] for u in iam.get_group(GroupName=GROUP)["Users"]]
    assert USER in members, "the user is not in the group"

    # The access key, its description tag, and the wait until AWS accepts it.
    if len(iam.list_access_keys(UserName=USER)["AccessKeyMetadata"]) >= 2:
        raise SystemExit("the user already has two access keys")
    key = iam.create_access_key(UserName=USER)["AccessKey"]
    iam.tag_user(UserName=USER, Tags=[{"Key": key["AccessKeyId"], "Value": DESCRIPTION}])
    new = boto3.session.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    deadline = time.monotonic() + 120
    for probe, retry in ((lambda c: c.get_caller_identity(), ("InvalidClientTokenId",)),
                         (lambda c: c.list_secrets(MaxResults=1), ("AccessDeniedException", "UnrecognizedClientException"))):
        c = client("sts" if retry[0] == "InvalidClientTokenId" else "secretsmanager", new)
        pause = 0.2
        while True:
            try:
                probe(c)
                break
            except ClientError as e:
                if code(e) not in retry or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 1.5, 0.8)
    tags = {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName=USER)["Tags"]}
    assert tags.get(key["AccessKeyId"]) == DESCRIPTION, "the description tag is missing"

    # Module 6, AWS side: what the operator sees in Secrets Manager.
    sm.list_secrets()
    print(f"created {USER} in {GROUP} with {POLICY}; key {key['AccessKeyId'][:4]}…{key['AccessKeyId'][-4:]} works")
    print(f"calls: {calls}")


if __name__ == "__main__":
    main()
