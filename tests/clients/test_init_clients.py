#!/usr/bin/env python3
# The init process against fargate-emu's endpoints: boto3 checks the two S3 answers the real
# aws-for-fluent-bit init relies on (GetBucketLocation, HeadBucket's x-amz-bucket-region), then
# emu-router-init runs against `fargate-emu serve` and a metadata /task server: exports, the
# assembled config and -R, the downloads, and its errors (each naming the variable and file).
import http.server
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading

import pytest

boto3 = pytest.importorskip("boto3")
import botocore.config  # noqa: E402

EMU = os.environ.get("FARGATE_EMU", "fargate-emu")
INIT = os.environ.get("EMU_ROUTER_INIT", "emu-router-init")
ROUTER = os.environ.get("EMU_ROUTER", "emu-router")
AK, SK = "fargate-emu", "fargate-emu-secret"
TASK_ARN = "arn:aws:ecs:eu-west-2:123456789012:task/prod/0123456789abcdef0123456789abcdef"
TASK_DOC = {"Cluster": "arn:aws:ecs:eu-west-2:123456789012:cluster/prod", "TaskARN": TASK_ARN,
            "Family": "web", "Revision": "7", "DesiredStatus": "RUNNING",
            "KnownStatus": "RUNNING", "LaunchType": "FARGATE", "Containers": []}


@pytest.fixture(scope="module")
def env():
    with tempfile.TemporaryDirectory() as d:
        proc = subprocess.Popen([EMU, "serve", "--s3", "127.0.0.1:0", "--data-dir", d + "/data"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        endpoint = json.loads(line)["s3"]["endpoint"]

        class Md(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps(TASK_DOC).encode() if self.path == "/v4/abc/task" else b"{}"
                self.send_response(200 if self.path == "/v4/abc/task" else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        md = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Md)
        threading.Thread(target=md.serve_forever, daemon=True).start()
        s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=AK,
                          aws_secret_access_key=SK, region_name="us-east-1",
                          config=botocore.config.Config(s3={"addressing_style": "path"}))
        s3.create_bucket(Bucket="conf-east")
        s3.create_bucket(Bucket="conf-west",
                         CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
        s3.put_object(Bucket="conf-west", Key="a/b/output.conf",
                      Body=b"[OUTPUT]\n    Name s3\n    Match *\n    bucket x\n"
                           b"    region ${AWS_REGION}\n")
        s3.put_object(Bucket="conf-east", Key="parsers.conf",
                      Body=b"[PARSER]\n    Name kv\n    Format regex\n    Regex ^(?<a>.*)$\n")
        with open(d + "/base.conf", "w") as f:
            f.write("[INPUT]\n    Name dummy\n\n[OUTPUT]\n    Name null\n    Match *\n")
        with open(d + "/filter.conf", "w") as f:
            f.write("[FILTER]\n    Name modify\n    Match *\n    Add task ${ECS_TASK_ID}\n")
        # A stand-in router: records its arguments and environment.
        with open(d + "/router.py", "w") as f:
            f.write("#!%s\nimport json, os, sys\njson.dump({'argv': sys.argv, 'env': "
                    "dict(os.environ)}, open(%r, 'w'))\n" % (sys.executable, d + "/ran.json"))
        os.chmod(d + "/router.py", 0o755)
        yield {"dir": d, "endpoint": endpoint, "s3": s3,
               "md": "http://127.0.0.1:%d/v4/abc" % md.server_address[1]}
        md.shutdown()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


def run_init(e, extra, router=None, args=()):
    d = e["dir"]
    environ = {"PATH": "/usr/bin:/bin", "EMU_ROUTER_INIT_DIR": d + "/init",
               "EMU_ROUTER_INIT_BASE_CONFIG": d + "/base.conf",
               "EMU_ROUTER_INIT_EXEC": router or d + "/router.py",
               "AWS_ENDPOINT_URL_S3": e["endpoint"], "AWS_ACCESS_KEY_ID": AK,
               "AWS_SECRET_ACCESS_KEY": SK, "HOME": d}
    environ.update(extra)
    return subprocess.run([INIT, *args], env=environ, capture_output=True, text=True, timeout=60)


def test_s3_answers_the_init_reads(env):
    s3 = env["s3"]
    # us-east-1 is a null LocationConstraint (the init maps it to us-east-1).
    assert s3.get_bucket_location(Bucket="conf-east")["LocationConstraint"] is None
    assert s3.get_bucket_location(Bucket="conf-west")["LocationConstraint"] == "eu-west-2"
    # Newer init versions ask HeadBucket first and read x-amz-bucket-region.
    h = s3.head_bucket(Bucket="conf-west")["ResponseMetadata"]["HTTPHeaders"]
    assert h["x-amz-bucket-region"] == "eu-west-2"


def test_init_assembles_and_execs(env):
    d = env["dir"]
    r = run_init(env, {"ECS_CONTAINER_METADATA_URI_V4": env["md"],
                       "aws_fluent_bit_init_s3_1": "arn:aws:s3:::conf-west/a/b/output.conf",
                       "aws_fluent_bit_init_file_1": d + "/filter.conf",
                       "aws_fluent_bit_init_s3_2": "arn:aws:s3:::conf-east/parsers.conf"})
    assert r.returncode == 0, r.stderr
    ran = json.load(open(d + "/ran.json"))
    main = d + "/init/fluent-bit-init.conf"
    s3dir = d + "/init/fluent-bit-init-s3-files/"
    assert ran["argv"][1:] == ["-c", main, "-R", s3dir + "parsers.conf"], ran["argv"]
    # The S3 output was pointed at the local endpoint (fargate-emu's run sets
    # AWS_ENDPOINT_URL_S3), so the include is the patched copy in the same place.
    assert open(main).read() == ("@INCLUDE %s/base.conf\n@INCLUDE %soutput.conf\n"
                                 "@INCLUDE %s/filter.conf\n" % (d, s3dir, d))
    out = open(s3dir + "output.conf").read()
    assert "    endpoint %s\n" % env["endpoint"] in out and "bucket x" in out, out
    assert "Regex ^(?<a>.*)$" in open(s3dir + "parsers.conf").read()
    want = {"FLB_AWS_USER_AGENT": "ecs-init", "AWS_REGION": "eu-west-2", "ECS_CLUSTER": "prod",
            "ECS_TASK_ARN": TASK_ARN, "ECS_TASK_ID": "0123456789abcdef0123456789abcdef",
            "ECS_FAMILY": "web", "ECS_LAUNCH_TYPE": "FARGATE", "ECS_REVISION": "7",
            "ECS_TASK_DEFINITION": "web:7"}
    for k, v in want.items():
        assert ran["env"].get(k) == v, (k, ran["env"].get(k))
    assert "AWS_AVAILABILITY_ZONE" not in ran["env"]  # not in the document: not exported


def test_init_then_the_real_router_loads_it(env):
    d = env["dir"]
    r = run_init(env, {"aws_fluent_bit_init_s3_1": "arn:aws:s3:::conf-east/parsers.conf",
                       "aws_fluent_bit_init_file_1": d + "/filter.conf"},
                 router=ROUTER, args=["-D"])
    assert r.returncode == 0, r.stderr
    assert "configuration test is successful" in r.stdout
    assert "Unable to get ECS Metadata" in r.stderr  # unset: warned, and it goes on


@pytest.mark.parametrize("extra, words", [
    ({"ECS_CONTAINER_METADATA_URI_V4": "http://127.0.0.1:1/v4/x"},
     ["Failed to get ECS Metadata from http://127.0.0.1:1/v4/x/task"]),
    ({"ECS_CONTAINER_METADATA_URI_V4": "MD/other"}, ["HTTP 404"]),
    ({"aws_fluent_bit_init_s3_1": "arn:aws:s3:::conf-east/missing.conf"},
     ["aws_fluent_bit_init_s3_1", "arn:aws:s3:::conf-east/missing.conf", "retrying",
      "GetObject: HTTP 404 NoSuchKey"]),
    ({"aws_fluent_bit_init_s3_1": "arn:aws:s3:::no-such-bucket/x.conf"},
     ["aws_fluent_bit_init_s3_1", "GetBucketLocation: HTTP 404 NoSuchBucket"]),
    ({"aws_fluent_bit_init_s3_1": "s3://conf-east/parsers.conf"},
     ["aws_fluent_bit_init_s3_1: could not parse arn: s3://conf-east/parsers.conf"]),
    ({"aws_fluent_bit_init_file_9": "/no/such.conf"},
     ["aws_fluent_bit_init_file_9: cannot open file /no/such.conf"]),
])
def test_init_errors(env, extra, words):
    extra = {k: v.replace("MD", env["md"][:-len("/v4/abc")] + "/v4") for k, v in extra.items()}
    if os.path.exists(env["dir"] + "/ran.json"):
        os.unlink(env["dir"] + "/ran.json")
    r = run_init(env, extra)
    assert r.returncode == 1, r.stderr
    for w in words:
        assert w in r.stderr, (w, r.stderr)
    assert not os.path.exists(env["dir"] + "/ran.json")  # the router was not started
