"""Work on both cores: forked workers inherit the build's data instead of copying it.

Where the platform cannot fork, everything runs in this process, with the same results.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sitegen import state
from sitegen.output import RenderedFile, interrupts_deferred, write_files

if TYPE_CHECKING:
    from sitegen.render import Job, Renderer

T = TypeVar("T")
PARALLEL_FROM = 400  # files or papers: below this, forking costs more than it saves

# What a worker needs, set just before it forks so that it inherits it.
_inherited: dict[str, Any] = {}
# The processes `Sent` work to, while they work.
_sent: set[subprocess.Popen[bytes]] = set()


def can_fork() -> bool:
    return (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()


def _start_worker() -> None:
    """In each worker: die with the build (a killed build leaves no worker writing on), let go
    of the build lock's file, which fork shared, so that the lock dies with the build too, and
    leave Ctrl+C to the build (which stops its workers): a worker prints no traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked by _started, across the fork
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    state.forget_lock()


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker)


def _started(pool: ProcessPoolExecutor, fn: Callable[..., T], *args: Any) -> Future[T]:
    """Submit work, forking the workers with Ctrl+C held back, so that none is born able to take it."""
    with interrupts_deferred():
        give_back_free_memory()
        return pool.submit(fn, *args)


def give_back_free_memory() -> None:
    """Return the C allocator's free pages to the system (glibc's malloc_trim), as a fork is about to
    share the heap: at 10,000 papers the build holds ~70 MiB of them there, freed large strings and
    buffers, which would count in the process tree's memory until it ends. Elsewhere, nothing."""
    if sys.platform == "linux":
        trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # musl has none
        if trim is not None:
            trim(0)


def stop_workers() -> None:
    """End every worker at once: the build failed or was interrupted, their work is not wanted."""
    for child in multiprocessing.active_children():
        child.kill()
    for process in list(_sent):
        process.kill()
        process.wait()
        _sent.discard(process)


def _call_inherited(name: str) -> Any:
    fn, args = _inherited[name]
    return fn(*args)


class Background(Generic[T]):
    """fn(*args) running in a forked process; `result()` waits for it and re-raises its error.
    Several may run at once: each worker finds its own call under its own name."""

    def __init__(self, fn: Callable[..., T], args: tuple[Any, ...]) -> None:
        self.pool = _pool(1)
        name = f"call-{id(self)}"
        _inherited[name] = (fn, args)
        self.future: Future[T] = _started(self.pool, _call_inherited, name)
        self.future.add_done_callback(lambda _: _inherited.pop(name, None))

    def result(self) -> T:
        try:
            return self.future.result()
        finally:
            self.pool.shutdown()


# How a `Sent` worker starts: set to die with the build before anything is imported (PR_SET_PDEATHSIG; a build
# already gone ends it at once), then the module run on the build's import path.
WORKER_START = """import ctypes, os, sys
if sys.platform == "linux":
    ctypes.CDLL(None).prctl(1, 9)
    if os.getppid() != {parent}:
        os._exit(1)
sys.path[:] = {path!r}
import runpy
runpy.run_module({module!r}, run_name="__main__")
"""


class Sent(Generic[T]):
    """`module` run as `__main__` in a process of its own (WORKER_START), sent `args` (pickled, on its stdin), its answer read back from its
    stdout: a worker that holds what it is sent and makes, where a forked one also holds a copy of each page of the
    build's heap it touches. `result()` waits for it and re-raises its error. The module answers ("done", value)
    or ("failed", error)."""

    def __init__(self, module: str, args: tuple[Any, ...]) -> None:
        # Its own session: a Ctrl+C at the terminal reaches the build only, which ends this process (`stop_workers`).
        # -P and the build's own import path: the working folder (the site's, maybe a cloned repository's, with a
        # `copy.py` or `sitegen/` in it) is never searched for modules, and the worker imports what the build did.
        self.process = subprocess.Popen([sys.executable, "-P", "-c", WORKER_START.format(parent=os.getpid(), path=sys.path, module=module)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
        self.module = module
        _sent.add(self.process)
        # Fed by a thread: the worker reads only once its modules are loaded, and the build goes on meanwhile.
        self.feeding = threading.Thread(target=self._feed, args=(pickle.dumps(args, protocol=5),), daemon=True)
        self.feeding.start()

    def _feed(self, data: bytes) -> None:
        assert self.process.stdin is not None
        try:
            with self.process.stdin:
                self.process.stdin.write(data)
        except BrokenPipeError:  # it died: `result` says so
            pass

    def result(self) -> T:
        assert self.process.stdout is not None
        try:
            answer = self.process.stdout.read()
            self.feeding.join()
            if self.process.wait() != 0 or not answer:
                raise RuntimeError(f"the {self.module} worker ended with status {self.process.returncode}")
        except BaseException:  # a Ctrl+C while it works: it ends here, not left running once dropped from _sent
            self.process.kill()
            self.process.wait()
            raise
        finally:
            _sent.discard(self.process)
        outcome, value = pickle.loads(answer)
        if outcome == "failed":
            raise value
        result: T = value
        return result


class Ready(Generic[T]):
    def __init__(self, value: T) -> None:
        self.value = value

    def result(self) -> T:
        return self.value


def sent_away(papers: int, module: str, fn: Callable[..., T], *args: Any) -> Sent[T] | Ready[T]:
    """fn(*args) in a process of its own (`module` run as `__main__`, which runs fn) when a site of this many papers makes
    it worth it, else computed now."""
    if can_fork() and papers >= PARALLEL_FROM:
        return Sent(module, args)
    return Ready(fn(*args))


def in_background(papers: int, fn: Callable[..., T], *args: Any) -> Background[T] | Ready[T]:
    """Start fn(*args) on the other core when a site of this many papers makes it worth it, else compute it now."""
    if can_fork() and papers >= PARALLEL_FROM:
        return Background(fn, args)
    return Ready(fn(*args))


def _render_shard(shard: int, shards: int) -> None:
    """In a worker: render every `shards`-th job, starting at `shard`, straight into the aside folder."""
    renderer, jobs, folder, done = _inherited["render"]

    def counted() -> Iterator[RenderedFile]:
        for job in jobs[shard::shards]:
            yield renderer.run(job)
            with done.get_lock():
                done.value += 1
    write_files(folder, counted())


def render_into(folder: Path, renderer: Renderer, jobs: list[Job], tick: Callable[[], None]) -> None:
    """Render every job into `folder`, on two cores where the platform can fork; the same bytes either way.
    The build renders half the jobs itself and one forked worker the other half: a worker's memory is
    what it copies of the heap it inherits as it touches the catalog (~190 MiB at 10,000 papers, half
    the heap), which the build, rendering in its own heap, does not pay."""
    if not can_fork() or len(jobs) < PARALLEL_FROM:
        for job in jobs:
            write_files(folder, [renderer.run(job)])
            tick()
        return
    done = multiprocessing.get_context("fork").Value("i", 0)
    _inherited["render"] = (renderer, jobs, folder, done)
    pool = _pool(1)
    reported = 0

    def catch_up() -> None:
        nonlocal reported
        for _ in range(done.value - reported):
            tick()
        reported = done.value
    try:
        future = _started(pool, _render_shard, 1, 2)

        def mine() -> Iterator[RenderedFile]:
            for job in jobs[0::2]:
                yield renderer.run(job)
                tick()  # once written
                catch_up()
        write_files(folder, mine())
        while not future.done():
            time.sleep(0.05)
            catch_up()
        catch_up()
        future.result()  # the worker's error, raised here
    except BaseException:
        stop_workers()
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        _inherited.pop("render", None)
