"""The command line: the ONE place that turns a SitegenError into `path:line: message` and an exit status."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen import __version__
from sitegen.errors import Diagnostics, SitegenError, SourceError

if TYPE_CHECKING:
    from sitegen.build import BuildSummary


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sitegen", description="Research reading lists in, a searchable static website out.")
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    def add_command(name: str, summary: str) -> argparse.ArgumentParser:
        """A command, its summary shown in `sitegen --help` and atop its own `--help`."""
        return commands.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".")

    def source_options(command: argparse.ArgumentParser, output: bool = True) -> None:
        command.add_argument("-s", "--source", type=Path, default=Path("."), help="the site folder (default: here)")
        if output:
            command.add_argument("-o", "--output", type=Path, help="the website's folder (default: SOURCE/site)")
        command.add_argument("--debug", action="store_true", help="show tracebacks")

    def site_options(command: argparse.ArgumentParser) -> None:
        source_options(command)
        command.add_argument("--strict", action="store_true", help="fail the build on any warning")
        command.add_argument("-q", "--quiet", action="store_true", help="print only warnings and errors")

    site_options(add_command("build", "build the website into site/"))
    serve = add_command("serve", "build, serve on localhost, rebuild and reload on change")
    site_options(serve)
    serve.add_argument("--port", type=int, default=8000, help="the port on localhost (default: 8000)")
    new = add_command("new", "make a new site folder with the example lists")
    new.add_argument("directory", type=Path, help="the folder to make the site in (made if missing; nothing in it is overwritten)")
    new.add_argument("--debug", action="store_true", help="show tracebacks")
    source_options(add_command("check", "check content and built site, changing nothing (exit 1 on problems)"))
    lookup = add_command("lookup", "look papers with no arXiv id up on arXiv; record ids, authors, year in their pages")
    source_options(lookup, output=False)
    lookup.add_argument("--dry-run", action="store_true", help="ask arXiv and print what would be recorded; write nothing")
    lookup.add_argument("--refresh", action="store_true", help="ask again for papers looked up before")
    lookup.add_argument("-q", "--quiet", action="store_true", help="print only warnings, errors and the summary")
    search = add_command("search", "query the built search index, as the website does")
    search.add_argument("query", nargs="+", help="words (several are one query), ids, or query syntax such as -word")
    source_options(search)
    search.add_argument("-n", "--limit", type=positive_count, default=10, help="at most this many results (default 10)")
    search.add_argument("--json", action="store_true", help="print results as JSON lines")
    return parser


def positive_count(text: str) -> int:
    """A count given on the command line: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return int(text)


SEARCH_OPTIONS = {"-s": True, "--source": True, "-o": True, "--output": True, "-n": True, "--limit": True,
                  "--json": False, "--debug": False, "-h": False, "--help": False}  # option → whether it takes a value


def query_last(argv: list[str]) -> list[str]:
    """`sitegen search "-diffusion"`: argparse takes an argument starting with '-' for an option (`-sparse` for
    `-s parse`). A search's options are known, so every other argument is the query's, put after `--`."""
    if not argv or argv[0] != "search":
        return argv
    options: list[str] = []
    words: list[str] = []
    rest = iter(argv[1:])
    for arg in rest:
        if arg == "--":
            words.extend(rest)
            break
        name = arg.split("=", 1)[0] if arg.startswith("--") else arg
        if name not in SEARCH_OPTIONS:
            words.append(arg)
            continue
        options.append(arg)
        if SEARCH_OPTIONS[name] and "=" not in arg:
            options.extend([value] if (value := next(rest, None)) is not None else [])
    return ["search", *options, "--", *words] if words else ["search", *options]


def main(argv: list[str] | None = None) -> int:
    """Run a command; every way it can end is one line and an exit status, never a traceback.

    The stages are imported inside the `try`, so a Ctrl+C while they load is "interrupted" too.
    """
    args = make_parser().parse_args(query_last(sys.argv[1:] if argv is None else argv))
    try:
        return run_command(args)
    except SitegenError as error:
        if args.debug:
            raise
        print(f"error: {error}", file=sys.stderr)
        if isinstance(error, SourceError):
            annotate("error", error.path, error.line, error.message)
        else:
            annotate("error", None, None, str(error))
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing half-written is left in place", file=sys.stderr, flush=True)
        # Leave at once: everything is cleaned up, and the interpreter's shutdown would only flush a worker
        # pool's queue into pipes the stopped workers closed, printing multiprocessing's traceback.
        os._exit(130)
    except BrokenPipeError:
        # The reader went away (`sitegen search ... | head`): what it wanted is printed. Point
        # stdout at /dev/null so that Python's flush at exit does not fail a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a command killed by SIGPIPE
    except Exception as error:  # a bug in sitegen, not the user's input: say so in one line
        if args.debug:
            raise
        print(f"internal error: {type(error).__name__}: {error} (run with --debug for the traceback)", file=sys.stderr)
        return 1


def say(text: str, done: str = "") -> None:
    """A line of a command's output, on standard output at once: one that cannot be written there (a full disk,
    a closed descriptor) is the command's error, not a bug in sitegen; `done` says what the command did before."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as error:  # ValueError: the stream is closed
        raise SitegenError(f"could not write to standard output ({getattr(error, 'strerror', None) or error})"
                           + (f"; {done}" if done else "")) from None


def run_command(args: argparse.Namespace) -> int:
    if args.command == "build":
        from sitegen.build import run_build

        diagnostics = Diagnostics()
        try:
            summary = run_build(args.source, output_dir(args), diagnostics, args.strict, progress_bar(args.quiet))
        finally:
            report(diagnostics, args.quiet)
        if not args.quiet:
            say(summary_line(summary, diagnostics), done=f"{output_dir(args)} is built")
    elif args.command == "serve":
        from sitegen.serve import serve

        serve(args.source, output_dir(args), args.port, args.strict)
    elif args.command == "new":
        from sitegen.new import make_site

        names, how = make_site(args.directory)
        for name in names:
            say(f"  {name}")
        say(f"made {args.directory}: cd into it, run `sitegen build`, and see its README.md to publish it")
        say(f"its workflow (.github/workflows/pages.yml) installs sitegen {how}")
    elif args.command == "search":
        return run_search(args)
    elif args.command == "lookup":
        return run_lookup_command(args)
    elif args.command == "check":
        from sitegen.check import check_site

        from sitegen.check import FAILING

        findings = check_site(args.source, output_dir(args))
        for finding in findings:
            say(str(finding))
        failing = sum(f.kind in FAILING for f in findings)
        notes = len(findings) - failing
        counted = f"{failing} problem(s)" if failing else "no problems"
        print(f"{counted}, {notes} note(s)" if notes else counted, file=sys.stderr)
        return 1 if failing else 0
    return 0


def output_dir(args: argparse.Namespace) -> Path:
    return Path(args.output) if args.output else Path(args.source) / "site"


def report(diagnostics: Diagnostics, quiet: bool = False) -> None:
    """Warnings (on GitHub Actions annotated too), then notes unless `quiet`: in one write, not one a line (a build
    with nothing to do says its last build's warnings again, hundreds at 10,000 papers)."""
    said = [f"warning: {warning}\n" for warning in diagnostics.warnings]
    said += [] if quiet else [f"note: {note}\n" for note in diagnostics.notes]
    print("".join(said), end="", file=sys.stderr, flush=True)
    for warning in diagnostics.warnings:
        annotate("warning", warning.path, warning.line, warning.message)


def annotate(kind: str, path: Path | None, line: int | None, message: str) -> None:
    """On GitHub Actions, a problem also as a workflow command: it then shows on the run's summary page
    and beside the file's line, instead of only deep in the build log."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    where = []
    if path is not None:
        workspace = os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
        where.append("file=" + escape_property(os.path.relpath(path, workspace)))
        if line:
            where.append(f"line={line}")
    command = f"{kind} {','.join(where)}" if where else kind
    print(f"::{command}::{escape_data(message)}", flush=True)


def escape_data(text: str) -> str:
    """GitHub's escaping for a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """GitHub's escaping for a workflow command's property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def counted(count: int, noun: str, nouns: str = "") -> str:
    """'1 warning', '2 warnings', '0 warnings' ('1 entry', '2 entries' where the plural is given)."""
    return f"{count} {noun}" if count == 1 else f"{count} {nouns or noun + 's'}"


def summary_line(summary: BuildSummary, diagnostics: Diagnostics) -> str:
    if summary.unchanged:
        return f"nothing changed since the last build; nothing written; {summary.seconds:.2f} s"
    changed = "made afresh" if summary.files_changed is None else f"{summary.files_changed} changed"
    return (
        f"built {counted(summary.papers, 'paper')} ({counted(summary.entries, 'entry', 'entries')}) "
        f"in {counted(summary.lists, 'list')}, {counted(summary.tags, 'tag')}, {counted(summary.files, 'file')} ({changed}); "
        f"pages written {summary.pages_written}, removed {summary.pages_removed}; {counted(len(diagnostics.warnings), 'warning')}; "
        f"{summary.seconds:.2f} s"
    )


def progress_bar(quiet: bool) -> Callable[[str, int], Callable[[], None]]:
    """A tqdm bar per stage on a terminal; nothing when quiet or piped (and tqdm is not even imported:
    a build with nothing to do is over in the time that takes)."""
    from sitegen.build import no_progress

    if quiet or not sys.stderr.isatty():
        return no_progress
    from tqdm import tqdm

    def start(stage: str, total: int) -> Callable[[], None]:
        bar = tqdm(total=total, desc=stage, unit="", leave=False, file=sys.stderr)

        def tick() -> None:
            bar.update()
            if bar.n >= total:
                bar.close()
        return tick
    return start


def run_lookup_command(args: argparse.Namespace) -> int:
    """Look up, then: warnings, what a dry run would record, one summary line, and why it stopped if it did.
    Exit status 1 when it could not finish, 130 on Ctrl+C (what was found until then is kept either way)."""
    from sitegen.lookup import run_lookup

    diagnostics = Diagnostics()
    try:
        summary = run_lookup(args.source, diagnostics, refresh=args.refresh, dry_run=args.dry_run,
                             progress=progress_bar(args.quiet))
    finally:
        report(diagnostics)
    for change in summary.changes:
        say(change)
    kept = "nothing written (dry run)" if args.dry_run else "pages written as found"
    say(f"lookup: {summary.found} found, {summary.not_found} not found, {summary.known} skipped as already known"
          + (f", {summary.not_asked} not asked" if summary.not_asked else "")
          + f"; {counted(summary.requests, 'request')}, {summary.seconds:.1f} s; {counted(len(diagnostics.warnings), 'warning')}; {kept}")
    if summary.interrupted:
        print("interrupted: the pages looked up so far are kept; run `sitegen lookup` again for the rest", file=sys.stderr)
        return 130
    if summary.stopped:
        print(f"error: {summary.stopped}; stopped: the pages looked up so far are kept, the rest are not looked up", file=sys.stderr)
        annotate("error", None, None, summary.stopped)
        return 1
    return 0


def run_search(args: argparse.Namespace) -> int:
    from sitegen.search import load_searcher, search

    path = output_dir(args) / "search-index.js"
    try:  # the index is read back from disk, where anything may stand in for it: every way it can be wrong is one line
        searcher = load_searcher(path)
        results = search(searcher, " ".join(args.query))[: args.limit]  # any text: syntax that does not parse is words
        found = [(ref, score, searcher.index.doc(ref)) for ref, score in results]
        rows = [(ref, score, str(doc["title"]), "".join(str(text) for text, _ in doc.get("math", ())) or str(doc["title"]),
                 str(doc["url"]), ", ".join(map(str, doc.get("tags", ()))), str(doc["status"])) for ref, score, doc in found]
    except SitegenError:
        raise
    except Exception as error:
        raise SitegenError(f"{path}: not a search index sitegen made ({type(error).__name__}); run `sitegen build` to rebuild it") from None
    # Numbered by rank: lunr's score is only the last of the ranking's rules (search.query.ranked), so shown as a
    # column it would not follow the order; JSON keeps it, beside the rank, for scripts comparing engines.
    for rank, (ref, score, title, shown, url, tags, status) in enumerate(rows, 1):  # math as the readable text the pages show
        if args.json:
            say(json.dumps({"rank": rank, "ref": ref, "lunr_score": round(score, 6), "title": title, "url": url, "status": status},
                           ensure_ascii=False))
        else:
            say(f"{rank:3d}.  {shown}\n      {url}  [{tags}]  {status}")
    if not results and not args.json:
        print("no results", file=sys.stderr)
    return 0
