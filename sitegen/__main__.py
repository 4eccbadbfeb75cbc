"""`python -m sitegen` and the `sitegen` command: the command line, with nothing imported before the
`try` that turns a Ctrl+C into one line (an interrupt while modules load printed a traceback)."""

import os
import signal
import sys


def run() -> int:
    try:
        if os.environ.get("SITEGEN_TEST_KILL_AT") == "modules-loading:1:INT":  # test-only, as output.kill_point
            os.kill(os.getpid(), signal.SIGINT)
        from sitegen.cli import main
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr, flush=True)
        return 130
    return main()


if __name__ == "__main__":
    sys.exit(run())
