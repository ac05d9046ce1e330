#!/usr/bin/python3
# The CLI's machine-readable contract without Docker: the --json shape of every command that
# reads state (version, help, validate, render, ps, logs, fault, serve's ready line), the exit
# codes (0 ok, 1 the thing checked failed, 2 usage or input error) and no escape sequences on a
# pipe or, with NO_COLOR, on a terminal. Records reach the local S3 and CloudWatch Logs through
# boto3 against `fargate-emu serve`, then `logs` reads the stores.
import gzip
import json
import os
import pty
import signal
import subprocess
import tempfile
import time

import pytest

boto3 = pytest.importorskip("boto3")

EMU = os.environ.get("FARGATE_EMU", "fargate-emu")
SRC = os.environ.get("EMU_SOURCE_DIR",
                     os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
AK, SK = "fargate-emu", "fargate-emu-secret"
INVALID = os.path.join(SRC, "fixtures", "validate", "firelens-output-missing-name", "input.json")
VALID = os.path.join(SRC, "fixtures", "validate", "valid-firelens-fargate", "input.json")


def emu(*args, env=None):
    return subprocess.run([EMU, *args], capture_output=True, text=True, env=env, timeout=60)


@pytest.fixture(scope="module")
def srv():
    with tempfile.TemporaryDirectory(dir="/tmp") as d:
        data = os.path.join(d, "data")
        proc = subprocess.Popen([EMU, "serve", "--data-dir", data], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        ready = json.loads(line)
        ready["data"] = data
        yield ready
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


def client(srv, name):
    return boto3.client(name, endpoint_url=srv[name if name == "s3" else "logs"]["endpoint"],
                        aws_access_key_id=AK, aws_secret_access_key=SK, region_name="us-east-1")


def test_version_and_help():
    r = emu("version", "--json")
    assert r.returncode == 0
    v = json.loads(r.stdout)
    assert v["program"] == "fargate-emu" and v["version"]
    assert emu("version").stdout == "fargate-emu %s\n" % v["version"]
    h = json.loads(emu("help", "--json").stdout)
    names = {c["name"] for c in h["commands"]}
    assert {"validate", "render", "run", "ps", "describe", "stop", "wait", "logs", "serve",
            "fault", "help", "version"} <= names
    # Every command takes --json (a global option) and documents its exit codes.
    for c in h["commands"]:
        assert "json" in {o["name"] for o in c["options"]}, c["name"]
        codes = {e["code"] for e in c["exit_codes"]}
        assert {0, 1, 2} <= codes or c["name"] == "wait", (c["name"], codes)
    assert emu("help", "nosuch").returncode == 2
    assert emu("nosuch").returncode == 2
    assert emu("ps", "--nosuch").returncode == 2


def test_validate_and_render():
    bad = emu("validate", "--json", INVALID)
    assert bad.returncode == 1
    diags = json.loads(bad.stdout)
    assert diags[0]["severity"] == "error"
    assert diags[0]["path"] == "containerDefinitions[1].logConfiguration.options"
    ok = emu("validate", "--json", VALID)
    assert ok.returncode == 0 and json.loads(ok.stdout) == []
    assert emu("validate", "/nonexistent.json").returncode == 2
    r = emu("render", "--json", "--what", "log-options", VALID)
    assert r.returncode == 0
    assert json.loads(r.stdout)["app"]["Type"] == "fluentd"
    assert emu("render", "--json", "--what", "nosuch", VALID).returncode == 2


def test_task_commands_on_an_empty_data_dir():
    with tempfile.TemporaryDirectory(dir="/tmp") as d:
        r = emu("ps", "--json", "--all", "--data-dir", d)
        assert r.returncode == 0 and json.loads(r.stdout) == {"tasks": []}
        for cmd in ("describe", "wait", "stop"):
            r = emu(cmd, "--json", "--data-dir", d, "0123abcd")
            assert r.returncode == 2 and "no task 0123abcd" in r.stderr, (cmd, r.stderr)
            assert r.stdout == ""


def test_serve_ready_line(srv):
    for key in ("s3", "logs", "sts"):
        assert srv[key]["endpoint"] == "http://127.0.0.1:%d" % srv[key]["port"]
    assert srv["access_key"] == AK and srv["control_socket"].endswith("/control.sock")


def test_logs_json(srv):
    s3 = client(srv, "s3")
    s3.create_bucket(Bucket="logs-json")
    body = b'{"log":"GET / 200","container_name":"/fe-abc-nginx"}\n{"log":"second"}\n'
    s3.put_object(Bucket="logs-json", Key="a/1.gz", Body=gzip.compress(body))
    s3.put_object(Bucket="logs-json", Key="b/plain.txt", Body=b"not json\n")
    cw = client(srv, "logs")
    cw.create_log_group(logGroupName="grp-json")
    cw.create_log_stream(logGroupName="grp-json", logStreamName="web/1")
    cw.put_log_events(logGroupName="grp-json", logStreamName="web/1",
                      logEvents=[{"timestamp": int(time.time() * 1000), "message": "hello"}])
    d = srv["data"]

    plain = emu("logs", "--data-dir", d, "s3://logs-json/a/")
    assert plain.returncode == 0
    assert plain.stdout.splitlines()[0] == '{"log":"GET / 200","container_name":"/fe-abc-nginx"}'
    assert "s3://logs-json/a/1.gz: 2 records" in plain.stderr

    r = emu("logs", "--json", "--data-dir", d, "s3://logs-json")
    assert r.returncode == 0
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert lines == [
        {"location": "s3://logs-json/a/1.gz",
         "record": {"log": "GET / 200", "container_name": "/fe-abc-nginx"}},
        {"location": "s3://logs-json/a/1.gz", "record": {"log": "second"}},
        {"location": "s3://logs-json/b/plain.txt", "record": "not json"},
    ]
    c = emu("logs", "--json", "--count", "--data-dir", d, "s3://logs-json")
    assert c.returncode == 0 and json.loads(c.stdout) == {"count": 3}

    w = emu("logs", "--json", "--data-dir", d, "cloudwatch://grp-json")
    assert w.returncode == 0
    ev = json.loads(w.stdout)
    assert ev["location"] == "cloudwatch://grp-json/web/1"
    assert ev["record"]["message"] == "hello" and "ingestionTime" in ev["record"]

    none = emu("logs", "--json", "--count", "--data-dir", d, "s3://logs-json/nothing/")
    assert none.returncode == 1 and json.loads(none.stdout) == {"count": 0}
    assert "no records matched" in none.stderr
    assert emu("logs", "--data-dir", d, "http://x").returncode == 2
    assert emu("logs", "--data-dir", d).returncode == 2


def test_fault_json(srv):
    d = srv["data"]
    add = emu("fault", "--json", "--data-dir", d, "add", "s3:ListBuckets:rate=0")
    assert add.returncode == 0, add.stderr
    rid = json.loads(add.stdout)["id"]
    lst = json.loads(emu("fault", "--json", "--data-dir", d, "list").stdout)
    assert lst["ok"] is True and [x["id"] for x in lst["rules"]] == [rid]
    assert "seed" in lst and "injected" in lst
    rm = emu("fault", "--json", "--data-dir", d, "remove", str(rid))
    assert rm.returncode == 0 and json.loads(rm.stdout) == {"ok": True}
    assert emu("fault", "--data-dir", d, "remove", str(rid)).returncode == 2
    assert emu("fault", "--data-dir", d, "add", "nosuch:Op").returncode == 2
    clr = json.loads(emu("fault", "--json", "--data-dir", d, "clear").stdout)
    assert clr == {"ok": True, "removed": 0}
    with tempfile.TemporaryDirectory(dir="/tmp") as empty:
        assert emu("fault", "--data-dir", empty, "list").returncode == 1


def on_terminal(args, env):
    """Runs fargate-emu with stdout and stderr on a pseudo-terminal; returns (code, bytes)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(EMU, [EMU, *args], env)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out


def test_no_escape_sequences_with_no_color_or_on_a_pipe():
    env = dict(os.environ, NO_COLOR="1", TERM="xterm-256color")
    for args in (["validate", INVALID], ["help", "run"], ["render", VALID]):
        code, out = on_terminal(args, env)
        assert out and b"\x1b" not in out, (args, out[:200])
        piped = emu(*args, env=env)
        assert "\x1b" not in piped.stdout + piped.stderr
    code, _ = on_terminal(["validate", INVALID], env)
    assert code == 1
