#!/usr/bin/python3
# Real-client tests of the STS shim: the AWS CLI and boto3 against `fargate-emu serve`:
# GetCallerIdentity, AssumeRole and AssumeRoleWithWebIdentity, temporary credentials accepted by
# the CloudWatch Logs and S3 endpoints, Fluent Bit's GET-style AssumeRole, and STS's errors.
import base64
import json
import os
import signal
import subprocess
import tempfile
import urllib.request

import pytest

boto3 = pytest.importorskip("boto3")
import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402
import botocore.config  # noqa: E402
import botocore.exceptions  # noqa: E402

EMU = os.environ.get("FARGATE_EMU", "fargate-emu")
AWS = "/usr/bin/aws"
AK, SK = "fargate-emu", "fargate-emu-secret"
ROLE = "arn:aws:iam::123456789012:role/ecsTaskRole"


@pytest.fixture(scope="module")
def srv():
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.Popen([EMU, "serve", "--data-dir", d], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        line = p.stdout.readline()
        assert line, p.stderr.read()
        yield json.loads(line)
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=20) == 0


def client(srv, service, **creds):
    creds = creds or {"aws_access_key_id": AK, "aws_secret_access_key": SK}
    ep = srv["sts" if service == "sts" else "logs" if service == "logs" else "s3"]["endpoint"]
    return boto3.client(service, endpoint_url=ep, region_name="us-east-1", **creds)


def temp(c):
    return {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
            "aws_session_token": c["SessionToken"]}


def jwt(claims):
    def enc(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    return "%s.%s.c2lnbmF0dXJl" % (enc({"alg": "RS256"}), enc(claims))


def test_cli_identity_and_assume_role(srv):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY=SK,
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_PAGER="")
    ep = ["--endpoint-url", srv["sts"]["endpoint"]]
    ident = json.loads(subprocess.run([AWS, *ep, "sts", "get-caller-identity"], env=env,
                                      check=True, capture_output=True, text=True).stdout)
    assert ident["Account"] == "123456789012"
    assert ident["Arn"] == "arn:aws:iam::123456789012:user/fargate-emu"
    out = json.loads(subprocess.run([AWS, *ep, "sts", "assume-role", "--role-arn", ROLE,
                                     "--role-session-name", "cli", "--duration-seconds", "900"],
                                    env=env, check=True, capture_output=True, text=True).stdout)
    c = out["Credentials"]
    assert c["AccessKeyId"].startswith("ASIA") and len(c["AccessKeyId"]) == 20
    assert out["AssumedRoleUser"]["Arn"] == \
        "arn:aws:sts::123456789012:assumed-role/ecsTaskRole/cli"
    env.update(AWS_ACCESS_KEY_ID=c["AccessKeyId"], AWS_SECRET_ACCESS_KEY=c["SecretAccessKey"],
               AWS_SESSION_TOKEN=c["SessionToken"])
    who = json.loads(subprocess.run([AWS, *ep, "sts", "get-caller-identity"], env=env,
                                    check=True, capture_output=True, text=True).stdout)
    assert who["Arn"] == out["AssumedRoleUser"]["Arn"]
    subprocess.run([AWS, "--endpoint-url", srv["logs"]["endpoint"], "logs", "create-log-group",
                    "--log-group-name", "from-temp-creds"], env=env, check=True)


def test_boto3_temp_creds_work_everywhere(srv):
    r = client(srv, "sts").assume_role(RoleArn=ROLE, RoleSessionName="boto")
    creds = temp(r["Credentials"])
    assert client(srv, "sts", **creds).get_caller_identity()["Arn"].endswith(
        "assumed-role/ecsTaskRole/boto")
    client(srv, "logs", **creds).create_log_group(logGroupName="boto-temp")
    client(srv, "s3", **creds).create_bucket(Bucket="boto-temp")
    bad = dict(creds, aws_session_token="wrong")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        client(srv, "logs", **bad).describe_log_groups()
    assert e.value.response["Error"]["Code"] == "UnrecognizedClientException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        client(srv, "sts", **bad).get_caller_identity()
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_web_identity(srv):
    c = boto3.client("sts", endpoint_url=srv["sts"]["endpoint"], region_name="us-east-1",
                     config=botocore.config.Config(signature_version=botocore.UNSIGNED))
    tok = jwt({"sub": "system:serviceaccount:default:app", "aud": "sts.amazonaws.com",
               "iss": "https://oidc.example.com"})
    r = c.assume_role_with_web_identity(RoleArn=ROLE, RoleSessionName="web",
                                        WebIdentityToken=tok)
    assert r["SubjectFromWebIdentityToken"] == "system:serviceaccount:default:app"
    assert r["Provider"] == "https://oidc.example.com"
    client(srv, "logs", **temp(r["Credentials"])).describe_log_groups()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.assume_role_with_web_identity(RoleArn=ROLE, RoleSessionName="web",
                                        WebIdentityToken="not-a-jwt")
    assert e.value.response["Error"]["Code"] == "InvalidIdentityToken"


def test_errors(srv):
    c = client(srv, "sts")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.assume_role(RoleArn=ROLE, RoleSessionName="bad session")
    assert e.value.response["Error"]["Code"] == "ValidationError"
    assert "roleSessionName" in e.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.assume_role(RoleArn="arn:aws:iam::123456789012:user/someone", RoleSessionName="ok")
    assert e.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        client(srv, "sts", aws_access_key_id=AK, aws_secret_access_key="nope").get_caller_identity()
    assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"


def test_fluent_bit_get_assume_role(srv):
    """Fluent Bit's sts_endpoint/role_arn: a signed GET with the parameters in the query."""
    url = (srv["sts"]["endpoint"] + "/?Version=2011-06-15&Action=AssumeRole"
           "&RoleSessionName=fluent-bit&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Ffb")
    req = botocore.awsrequest.AWSRequest(method="GET", url=url)
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(AK, SK), "sts",
                            "us-east-1").add_auth(req)
    with urllib.request.urlopen(urllib.request.Request(url, headers=dict(req.headers))) as resp:
        body = resp.read().decode()
    assert "<AssumeRoleResponse" in body and "<AccessKeyId>ASIA" in body
    assert "assumed-role/fb/fluent-bit" in body
