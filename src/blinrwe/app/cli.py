"""The ``blinrwe`` command line. Calls the pipeline only; user errors print without a traceback.

Commands::

    blinrwe demo [--engine duckdb]        run the bundled example study (synthetic cohort)
    blinrwe run study.toml [--out DIR] [--engine pandas|duckdb|spark|auto]   run a study specification
    blinrwe template study.xlsx [--form summary] [--language zh]   write a workbook to fill in
    blinrwe template --csv FOLDER | --parquet FOLDER   the same tables as empty CSV or Parquet files
    blinrwe template --omop-mapping FILE  a copy of the shipped OMOP concept mapping, to edit
    blinrwe validate study.xlsx [--cutoff YYYY-MM-DD] [--language zh] [--annotate out.xlsx] [--all-findings]
                                          print the findings, 20 of each code unless --all-findings (and write the
                                          workbook annotated); exit 3 on errors
    blinrwe validate --omop CDM [--omop-mapping FILE] [--omop-schema S]   the same for an OMOP CDM (Parquet
                                          folder or DuckDB file)
    blinrwe spec study.toml [--data study.xlsx] [--language zh]   write a commented study specification, to edit
    blinrwe list presets|endpoints|variables|analysis-sets|keys [--form summary]   what a specification can name
    blinrwe dictionary [--form summary] [--language zh] [--out dictionary.xlsx]   print or write the data dictionary
    blinrwe serve [--host H] [--port P] [--token T | --users FILE]   the web page (127.0.0.1:8000 by default)

Exit codes: 0 success; 2 usage or user error (including an output folder refused,
locked, on a full or read-only disk, or a run out of memory); 3 input data errors;
4 study specification errors; 130 interrupted by Ctrl-C, 143 by SIGTERM (both clean up).
"""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import warnings
from pathlib import Path

from blinrwe import __version__
from blinrwe.errors import InputDataError, SpecificationError, UserError
from blinrwe.model.i18n import LANGUAGES, _, language

from .findings_output import EXAMPLES_PER_CODE

DEMO_OUTPUT = Path("blinrwe-output") / "example"
LISTS = ("presets", "endpoints", "variables", "analysis-sets", "keys")
ENGINE_HELP = ("where the derivations run (overrides [data] engine): pandas, duckdb, spark, or auto (DuckDB for "
               "large studies); the run says which it used and why")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="blinrwe", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"blinrwe {__version__}")
    parser.add_argument("--quiet", action="store_true", help="no progress messages on stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    # --quiet is accepted after the command too ("blinrwe run study.toml --quiet"), as users type it
    quiet = argparse.ArgumentParser(add_help=False)
    quiet.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress messages on stderr")

    demo = sub.add_parser("demo", parents=[quiet],
                          help="run the bundled example study (synthetic cohort) and print where the report is")
    demo.add_argument("--out", type=Path, default=DEMO_OUTPUT, help=f"output folder (default {DEMO_OUTPUT})")
    demo.add_argument("--n", type=int, default=None, help="number of synthetic patients (default from the example)")
    demo.add_argument("--language", choices=LANGUAGES, default=None, help="report language (overrides [report] language)")
    _engine_option(demo)

    run = sub.add_parser("run", parents=[quiet], help="run a study specification (TOML) into one output folder")
    run.add_argument("spec", type=Path, help="study specification, e.g. study.toml")
    run.add_argument("--out", type=Path, default=None, help="output folder (default: report.output of the spec)")
    run.add_argument("--language", choices=LANGUAGES, default=None, help="report language (overrides [report] language)")
    _engine_option(run)

    template = sub.add_parser("template", help="write an empty study workbook (or CSV or Parquet folder) to fill in")
    template.add_argument("path", type=Path, nargs="?", default=None, help="workbook to write, e.g. study.xlsx")
    layout = template.add_mutually_exclusive_group()
    layout.add_argument("--csv", type=Path, default=None, metavar="FOLDER",
                        help="instead of a workbook: a new folder of empty <table>.csv files (header rows)")
    layout.add_argument("--parquet", type=Path, default=None, metavar="FOLDER",
                        help="instead of a workbook: a new folder of empty <table>.parquet files (typed columns)")
    layout.add_argument("--omop-mapping", type=Path, default=None, metavar="FILE",
                        help="instead of a workbook: a copy of the shipped OMOP concept mapping (concepts.toml) to "
                             "edit for local concepts; name it in [data] omop_mapping or --omop-mapping")
    template.add_argument("--form", choices=("study", "summary"), default="study",
                          help="study: dated tables (all analyses); summary: one row per patient, no dates")
    _language_option(template, "language of the README, headings, help and drop-down values")

    validate = sub.add_parser("validate", help="check a study workbook, CSV or Parquet folder, or an OMOP CDM, and "
                                               "print the findings")
    validate.add_argument("path", type=Path, nargs="?", default=None,
                          help="study.xlsx or a folder of CSV or Parquet files (or --omop CDM)")
    validate.add_argument("--omop", type=Path, default=None, metavar="CDM",
                          help="an OMOP CDM v5.4 instead: a folder of CDM Parquet files or a DuckDB database file")
    validate.add_argument("--omop-mapping", type=Path, default=None, metavar="FILE",
                          help="with --omop: the concept mapping (default: the shipped concepts.toml; "
                               "`blinrwe template --omop-mapping FILE` writes a copy to edit)")
    validate.add_argument("--omop-schema", default="", metavar="SCHEMA",
                          help="with --omop on a DuckDB file: the schema of the CDM tables (default: the main one)")
    validate.add_argument("--all-findings", action="store_true",
                          help=f"print every finding (default: the first {EXAMPLES_PER_CODE} of each code, then how "
                               "many more)")
    validate.add_argument("--cutoff", type=_date, default=None, help="data cut-off date, YYYY-MM-DD")
    _language_option(validate, "language of the messages and hints (finding codes stay English)")
    validate.add_argument("--annotate", type=Path, default=None, metavar="OUT.xlsx",
                          help="also write a copy of the workbook with each finding's cell highlighted and commented")

    spec = sub.add_parser("spec", help="write a study specification with every key, its meaning and default, to edit")
    spec.add_argument("path", type=Path, help="file to write, e.g. study.toml")
    spec.add_argument("--data", type=Path, default=Path("study.xlsx"),
                      help="the study workbook or CSV folder (written relative to the specification's folder)")
    spec.add_argument("--form", choices=("study", "summary"), default=None,
                      help="entry form of the data (default: read from --data when it exists, else study)")
    _language_option(spec, "language of the comments (keys and values stay English)")

    listing = sub.add_parser("list", help="list presets, endpoints, variables, analysis sets or specification keys")
    listing.add_argument("what", choices=LISTS, help="what to list")
    listing.add_argument("--form", choices=("study", "summary"), default="study",
                         help="variables and analysis sets of this entry form (default study)")

    dictionary = sub.add_parser("dictionary", help="print or write the data dictionary (every column of the template)")
    dictionary.add_argument("--form", choices=("study", "summary"), default="study",
                            help="study: dated tables; summary: one row per patient, no dates")
    dictionary.add_argument("--out", type=Path, default=None,
                            help="file to write: .csv, .xlsx or .md (default: print a Markdown table)")
    _language_option(dictionary, "language of the descriptions, formats and labels")

    serve = sub.add_parser("serve", help="start the web page (upload, check, settings, run, report) in a browser")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this computer only); any other needs "
                            "--token or --users")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    access = serve.add_mutually_exclusive_group()
    access.add_argument("--token", default=None,
                        help="access token every user signs in with (or set BLINRWE_TOKEN)")
    access.add_argument("--users", type=Path, default=None,
                        help="users file: one name:pbkdf2_sha256$... line per user (see the README)")
    serve.add_argument("--data-dir", type=Path, default=Path("blinrwe-web"),
                       help="folder of the studies' workspaces (default ./blinrwe-web)")
    serve.add_argument("--max-upload-mb", type=float, default=50, help="largest upload accepted, MB (default 50)")
    serve.add_argument("--workers", type=int, default=2, help="worker processes running studies (default 2)")
    return parser


def _language_option(parser, what: str) -> None:
    from blinrwe.model.i18n import LANGUAGES

    parser.add_argument("--language", choices=LANGUAGES, default="en", help=f"{what} (default en)")


def _engine_option(parser) -> None:
    from blinrwe.engines import ENGINES

    parser.add_argument("--engine", choices=("auto",) + ENGINES, default=None, help=ENGINE_HELP)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD, e.g. 2024-04-30") from None


def _progress(args):
    from .pipeline import Progress

    return Progress(enabled=not args.quiet)


def _report_location(out: Path) -> str:
    html = out / "report.html"
    target = html if html.exists() else out
    return str(target.resolve())


def _with_language(spec, code):
    """``spec`` with ``[report] language`` replaced by ``--language`` when given."""
    from dataclasses import replace

    return spec if code is None else replace(spec, report=replace(spec.report, language=code))


def _with_engine(spec, engine):
    """``spec`` with ``[data] engine`` replaced by ``--engine`` when given (the flag wins)."""
    from dataclasses import replace

    return spec if engine is None else replace(spec, data=replace(spec.data, engine=engine))


def cmd_demo(args) -> int:
    from dataclasses import replace

    from .pipeline import bundled_spec, load_spec, run_study

    spec = load_spec(bundled_spec("example_study"))
    if args.n is not None:
        if args.n < 10:
            raise UserError(f"--n {args.n}: give at least 10 synthetic patients.")
        spec = replace(spec, data=replace(spec.data, n=args.n))
    spec = _with_engine(_with_language(spec, args.language), args.engine)
    out = run_study(spec, args.out, progress=_progress(args))
    with language(spec.report.language):
        print(_("Example study (SYNTHETIC cohort, not real patients) written to:"))
    print(f"  {_report_location(out)}")
    return 0


def cmd_run(args) -> int:
    from .pipeline import load_spec, run_study

    spec = _with_engine(_with_language(load_spec(args.spec), args.language), args.engine)
    out = run_study(spec, args.out, progress=_progress(args))
    with language(spec.report.language):
        print(_("Report written to: {path}").format(path=_report_location(out)))
    return 0


def cmd_spec(args) -> int:
    from .spec_start import write_new_spec

    if args.path.exists():
        raise UserError(f"{args.path} already exists; give a new file name.")
    if not args.path.parent.resolve().is_dir():
        raise UserError(f"{args.path}: folder {args.path.parent} does not exist; create it first.")
    with language(args.language):
        path, form = write_new_spec(args.path, args.data, form=args.form)
        print(_("Study specification ({form} form) written to: {path}").format(form=form, path=path.resolve()))
    return 0


def cmd_list(args) -> int:
    from .catalog import listing

    sys.stdout.write(listing(args.what, form=args.form))
    return 0


DICTIONARY_FORMATS = (".csv", ".xlsx", ".md")


def dictionary_frame(form: str):
    """The data dictionary of ``form`` as a table (one row per declared column), in the current language."""
    from dataclasses import asdict

    import pandas as pd

    from blinrwe.model.dictionary import data_dictionary, dictionary_fields, dictionary_headings
    from blinrwe.model.display import bool_label

    frame = pd.DataFrame([asdict(e) for e in data_dictionary(form)])[dictionary_fields()]
    frame["required"] = frame["required"].map({True: bool_label("yes"), False: bool_label("no")})
    frame.columns = dictionary_headings()
    return frame


def _markdown(frame) -> str:
    def cell(value) -> str:
        if value is None or value != value:  # None or NaN
            return ""
        text = f"{value:g}" if isinstance(value, float) else str(value)
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def cmd_dictionary(args) -> int:
    with language(args.language):
        frame = dictionary_frame(args.form)
    if args.out is None:
        sys.stdout.write(_markdown(frame))
        return 0
    suffix = args.out.suffix.lower()
    if suffix not in DICTIONARY_FORMATS:
        raise UserError(f"--out {args.out}: give a file name ending in {', '.join(DICTIONARY_FORMATS)}.")
    if args.out.exists():
        raise UserError(f"{args.out} already exists; give a new file name.")
    if not args.out.parent.is_dir():
        raise UserError(f"--out {args.out}: folder {args.out.parent} does not exist; create it first.")
    if suffix == ".csv":
        frame.to_csv(args.out, index=False)
    elif suffix == ".xlsx":
        frame.to_excel(args.out, index=False, sheet_name="data_dictionary")
    else:
        args.out.write_text(_markdown(frame), encoding="utf-8")
    print(f"Data dictionary ({args.form} form) written to: {args.out.resolve()}")
    return 0


def cmd_serve(args) -> int:
    import os

    from .web import WebConfig, serve
    from .web.security import read_users

    if not 0 < args.port < 65536:
        raise UserError(f"--port {args.port}: give a port from 1 to 65535, e.g. 8000.")
    if args.max_upload_mb <= 0 or args.workers < 1:
        raise UserError("--max-upload-mb must be above 0 and --workers at least 1.")
    users = {}
    if args.users is not None:
        try:
            users = read_users(args.users)
        except OSError as err:
            raise UserError(f"--users {args.users}: cannot read it ({err.strerror}).") from None
        except ValueError as err:
            raise UserError(str(err)) from None
    token = args.token or os.environ.get("BLINRWE_TOKEN") or None
    if token is not None and len(token) < 12:
        raise UserError("--token: give at least 12 characters (a long random one, e.g. from a password manager).")
    config = WebConfig(data_dir=args.data_dir, host=args.host, port=args.port, token=token, users=users,
                       max_upload_mb=args.max_upload_mb, workers=args.workers)
    return serve(config)


from .cli_data import cmd_template, cmd_validate  # noqa: E402  (the commands on data files)

COMMANDS = {"serve": cmd_serve, "demo": cmd_demo, "run": cmd_run, "template": cmd_template, "validate": cmd_validate, "spec": cmd_spec,
            "dictionary": cmd_dictionary, "list": cmd_list}


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that a terminated run cleans up the same way."""


def _terminate(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a repeated SIGTERM must not interrupt the clean-up
    raise Terminated()


def _warning_line(message, category, filename, lineno, line=None) -> str:
    """A warning as one line of the run's output ("blinrwe: warning: ..."), no source location."""
    return f"blinrwe: warning: {message}\n"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    warnings.formatwarning = _warning_line  # e.g. no CJK font for a report in Chinese (report/figures/fonts.py)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return COMMANDS[args.command](args)
    except InputDataError as err:
        print(f"blinrwe: error: {err}", file=sys.stderr)
        return err.exit_code
    except SpecificationError as err:
        print(f"blinrwe: error in the study specification: {err}", file=sys.stderr)
        return err.exit_code
    except UserError as err:
        print(f"blinrwe: error: {err}", file=sys.stderr)
        return err.exit_code
    except MemoryError:
        print("blinrwe: error: out of memory; close other programs or use a machine with more memory.",
              file=sys.stderr)
        return UserError.exit_code
    except KeyboardInterrupt as err:
        how, code = ("terminated", 143) if isinstance(err, Terminated) else ("interrupted", 130)
        print(f"blinrwe: {how}; no output folder was written.", file=sys.stderr)
        return code
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
