"""`python -m sitegen` and the `sitegen` command: the command line, with nothing imported before the
`try` that turns a Ctrl+C into one line (an interrupt while modules load printed a traceback)."""

import os
import signal
import sys
from typing import NoReturn


def run() -> int:
    if sys.stderr is None:  # started with it closed (`2>&-`): what would go there goes nowhere, never into stdout
        sys.stderr = open(os.devnull, "w")  # the process's own stream, open until it ends
    try:
        if os.environ.get("SITEGEN_TEST_KILL_AT") == "modules-loading:1:INT":  # test-only, as output.kill_point
            os.kill(os.getpid(), signal.SIGINT)
        from sitegen.cli import main
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr, flush=True)
        return 130
    return leave(main())


def leave(status: int) -> NoReturn:
    """End the process once the command is done: its output flushed, its files written and closed, its workers
    ended (each command waits for its own), so the interpreter's teardown, which frees every object one by one
    (0.65 s of a note edit at 10,000 papers: millions of them in the memo), has nothing left to do. Only for the
    command line: code that calls `cli.main` in a process of its own (the tests) goes on."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None: started with that descriptor closed
                stream.flush()
        except BrokenPipeError:  # the reader went away: what it wanted is printed
            status = status or 141
        except OSError:  # closed or full: the command's work is done, and its status says how it went
            pass
    os._exit(status)


if __name__ == "__main__":
    sys.exit(run())
