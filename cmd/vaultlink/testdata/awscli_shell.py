"""Runs AWS CLI command lines one after another in one Python process, through the CLI's own
entry point (awscli.clidriver, what the `aws` script calls), so a test can make dozens of CLI
calls without starting Python for each. Each command gets a fresh CLI driver and session, as
a new `aws` process would, so configuration written by one command is read by the next.

Protocol: one JSON array of arguments per line on stdin (the command line without "aws");
one JSON object per line on stdout: {"rc": exit code, "stdout": ..., "stderr": ...}.
"""

import contextlib
import io
import json
import sys

import awscli.clidriver

out = sys.stdout
for line in sys.stdin:
    args = json.loads(line)
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            rc = awscli.clidriver.create_clidriver().main(args)
        except SystemExit as e:  # argument errors exit like the CLI does
            rc = e.code if isinstance(e.code, int) else 255
    out.write(json.dumps({"rc": rc, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}) + "\n")
    out.flush()
