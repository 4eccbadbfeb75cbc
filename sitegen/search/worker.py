"""`python -m sitegen.search.worker`: the search index made in a process of its own, from what the build sends it
on its stdin (a `SearchSource` and the memo's search parts to read), the files and the changed parts sent back on
its stdout (`parallel.Sent`). A forked worker held a copy of every page of the build's heap that it touched or
that its allocations landed in (~400 MiB at 10,000 papers, the build's peak of memory); this one holds what it makes."""

from __future__ import annotations

import pickle
import signal
import sys
from pathlib import Path
from typing import Any

from sitegen import state
from sitegen.output import RenderedFile
from sitegen.search.carry import carried_over
from sitegen.search.index import SearchSource

# A lazy memo kind → its file and the stamp the build proved it by (`Memo.lazy`, `Memo.proven`).
PartFiles = dict[str, tuple[Path, state.MemoStamp]]


def search_files(source: SearchSource, part_files: PartFiles, key: str) -> tuple[list[RenderedFile], dict[str, bytes]]:
    """The index's files, patched from the parts the last build carried over (read here, under `key`: its code's
    digest), and the parts this one changed, pickled."""
    known = {kind: found for kind, (path, stamp) in part_files.items()
             if (found := (state.load_memo_file(path, stamp) or {}).get(key)) is not None}
    files, changed = carried_over(source, known)
    return files, {kind: pickle.dumps({key: part}, protocol=5) for kind, part in changed.items()}


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the build's to answer: it ends this process
    sent: Any = pickle.load(sys.stdin.buffer)
    try:
        answer: tuple[str, Any] = ("done", search_files(*sent))
    except Exception as error:  # the build raises it, as it would have raised it itself
        answer = ("failed", error)
    del sent
    pickle.dump(answer, sys.stdout.buffer, protocol=5)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
