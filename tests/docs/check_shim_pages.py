#!/usr/bin/python3
# Every operation a shim routes is named on its page in docs/shims/: the S3 route table
# (shims/s3/s3_routes.c), the CloudWatch Logs operation names (cwl_req.c), the STS actions
# (sts_query.c) and the task metadata paths (md_server.c). A route added without its line in the
# docs fails here. Usage: check_shim_pages.py SOURCE_DIR
import os
import re
import sys


def read(src, path):
    with open(os.path.join(src, path), encoding="utf-8") as f:
        return f.read()


def main():
    src = sys.argv[1]
    found = {
        "docs/shims/s3.md": re.findall(r'\{"(?:GET|PUT|POST|DELETE|HEAD)",.*?"(\w+)"\},',
                                       read(src, "shims/s3/s3_routes.c"), re.S),
        "docs/shims/cloudwatch_logs.md": re.findall(r'\[CWL_OP_\w+\] = "(\w+)"',
                                                    read(src, "shims/cloudwatch_logs/cwl_req.c")),
        "docs/shims/sts.md": re.findall(
            r'"(\w+)"', re.search(r"names\[_STS_ACTION_MAX\] = \{([^}]*)\}",
                                  read(src, "shims/sts/sts_query.c")).group(1)),
        "docs/shims/ecs_metadata.md": re.findall(r'strn?cmp\((?:rest|path), "(/[\w/]*)"',
                                                 read(src, "shims/ecs_metadata/md_server.c")),
    }
    failures = checked = 0
    for page, names in sorted(found.items()):
        if len(names) < 3:
            print("FAIL %s: only %d operations extracted from the sources: the pattern is stale"
                  % (page, len(names)))
            failures += 1
            continue
        text = read(src, page)
        for name in sorted(set(names)):
            checked += 1
            if name not in text:
                print("FAIL %s does not name %s" % (page, name))
                failures += 1
    print("%d passed, %d failed" % (checked - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
