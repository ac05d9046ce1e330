#!/usr/bin/python3
# Keeps the user guides honest: runs every checked console block of a docs/ page and compares
# what fargate-emu (and the AWS CLI) print with what the page shows. A block is checked when the
# line before its ```console fence is `<!-- check: KIND [ARGS] -->`; KIND `cli` needs nothing,
# `docker` needs DOCKER_HOST (a private dockerd: the e2e runner), `serve ARGS` starts
# `fargate-emu serve ARGS` first and exports its endpoints as $S3, $LOGS and $STS. In a block,
# `$ COMMAND` lines run from the repository root, `fargate-emu` being the binary under test;
# the lines after one are its stdout then its stderr, then `[exit N]` when N is not
# 0. The commands of a block run in one bash, in order (a variable one sets is seen by the next),
# with a fresh XDG_STATE_HOME (so the default data dir is new) and the AWS CLI's variables set
# for the local endpoints. Task IDs, container IDs, times, addresses, ports and the data dir are
# normalised on both sides; with `numbers` after KIND, every number is. Usage:
#   check_guides.py FARGATE_EMU KIND PAGE.md...   (KIND: cli, docker or serve)
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

SRC = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MARK = re.compile(r"^<!-- check: (\w+)((?: [^>]*)?) -->$")

RULES = [
    (re.compile(r"\b[0-9a-f]{64}\b"), "<CID>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<UUID>"),
    (re.compile(r"-object[A-Za-z0-9]{8}\b"), "-object<RANDOM>"),
    (re.compile(r"\b[0-9a-f]{32}\b"), "<ID>"),
    (re.compile(r"\b[0-9a-f]{32}-\d{10}\b"), "<ID>-<N>"),
    (re.compile(r"\b\d\d:\d\d:\d\d\.\d{3}\b"), "<TIME>"),
    (re.compile(r"\b(?:172\.\d+\.\d+|192\.168\.\d+|10\.\d+\.\d+)\.1\b"), "<GATEWAY>"),
    (re.compile(r"\b127\.0\.0\.1:\d+"), "127.0.0.1:<PORT>"),
    (re.compile(r"(<GATEWAY>):\d+"), r"\1:<PORT>"),
    (re.compile(r"\bbr-[0-9a-f]{12}\b"), "br-<NET>"),
    (re.compile(r"@@ -\d+,0 \+\d+ @@"), "@@ -<L>,0 +<L> @@"),
]


def normalise(text, state_dir, numbers):
    text = text.replace(state_dir, "~/.local/state")
    for rx, rep in RULES:
        text = rx.sub(rep, text)
    if numbers:
        text = re.sub(r"\d+", "<N>", text)
    return text.rstrip("\n")


def blocks(page):
    """Yields (kind, args, line number, [(command, expected text)]) of the checked blocks."""
    lines = open(page, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = MARK.match(lines[i])
        if not m or i + 1 >= len(lines) or lines[i + 1] != "```console":
            i += 1
            continue
        start, j, cmds = i + 1, i + 2, []
        while j < len(lines) and lines[j] != "```":
            if lines[j].startswith("$ "):
                cmds.append([lines[j][2:], []])
            elif cmds:
                cmds[-1][1].append(lines[j])
            j += 1
        yield m.group(1), m.group(2).strip(), start + 1, [(c, "\n".join(o)) for c, o in cmds]
        i = j + 1


class Serve:
    def __init__(self, emu, args, env):
        self.proc = subprocess.Popen([emu, "serve", *args], cwd=SRC, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        ready = json.loads(self.proc.stdout.readline())
        self.env = {k.upper(): ready[k]["endpoint"] for k in ("s3", "logs", "sts")}

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def run_block(cmds, env, tmp):
    """Runs the commands in one bash, in order, so a variable set by one is seen by the next;
    returns each one's stdout + stderr (+ `[exit N]`)."""
    out = os.path.join(tmp, "out")
    shutil.rmtree(out, ignore_errors=True)
    os.mkdir(out)
    script = []
    for i, (cmd, _) in enumerate(cmds):
        script.append("{ %s\n} >%s/%d.o 2>%s/%d.e </dev/null; echo $? >%s/%d.rc"
                      % (cmd, out, i, out, i, out, i))
    subprocess.run(["bash", "-c", "\n".join(script)], cwd=SRC, env=env, timeout=600)
    got = []
    for i in range(len(cmds)):
        text = "".join(open(os.path.join(out, "%d.%s" % (i, x)), encoding="utf-8",
                            errors="replace").read() for x in ("o", "e"))
        rc = int(open(os.path.join(out, "%d.rc" % i)).read() or 0)
        if rc != 0:
            text = text.rstrip("\n") + "\n[exit %d]" % rc
        got.append(text)
    return got


def main():
    emu, want_kind, pages = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3:]
    failures = checked = 0
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        bindir = os.path.join(tmp, "bin")
        os.mkdir(bindir)
        os.symlink(emu, os.path.join(bindir, "fargate-emu"))
        if os.path.exists("/usr/bin/aws"):
            os.symlink("/usr/bin/aws", os.path.join(bindir, "aws"))
        state = os.path.join(tmp, "state")
        env = dict(os.environ, PATH=bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
                   XDG_STATE_HOME=state, NO_COLOR="1", AWS_ACCESS_KEY_ID="fargate-emu",
                   AWS_SECRET_ACCESS_KEY="fargate-emu-secret", AWS_DEFAULT_REGION="us-east-1",
                   AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                   AWS_PAGER="")
        for page in pages:
            for kind, args, line, cmds in blocks(page):
                words = args.split()
                numbers = "numbers" in words
                words = [w for w in words if w != "numbers"]
                if kind != want_kind:
                    continue
                shutil.rmtree(state, ignore_errors=True)
                os.makedirs(state)
                benv, srv = dict(env), None
                if kind == "serve":
                    words = [w.replace("$STATE", state) for w in words]
                    srv = Serve(emu, words, env)
                    benv.update(srv.env)
                try:
                    got = run_block(cmds, benv, tmp)
                    for (cmd, expected), out in zip(cmds, got):
                        checked += 1
                        a = normalise(expected, "~/.local/state", numbers)
                        b = normalise(out, state, numbers)
                        if a != b:
                            failures += 1
                            print("FAIL %s:%d: $ %s\n--- the page shows ---\n%s\n--- it printed "
                                  "---\n%s\n---" % (page, line, cmd, a, b))
                finally:
                    if srv:
                        srv.stop()
    print("%d passed, %d failed" % (checked - failures, failures))
    if checked == 0:
        print("no %s block found in %s" % (want_kind, " ".join(pages)))
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
