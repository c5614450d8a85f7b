"""The commands on data files: ``blinrwe template`` (an empty workbook, CSV or Parquet folder, or a copy
of the OMOP concept mapping) and ``blinrwe validate`` (a study's or an OMOP CDM's findings, 20 per code
unless ``--all-findings``). User errors are :class:`~blinrwe.errors.UserError` (no traceback)."""

from __future__ import annotations

from pathlib import Path

from blinrwe.errors import InputDataError, UserError
from blinrwe.model.i18n import _, language

from .findings_output import EXAMPLES_PER_CODE


def cmd_template(args) -> int:
    from blinrwe.intake import write_template

    if args.omop_mapping is not None:
        return _template_mapping(args)
    folder = args.csv or args.parquet
    if folder is not None:
        return _template_folder(args, folder)
    if args.path is None:
        raise UserError("give the workbook to write (e.g. blinrwe template study.xlsx), or --csv FOLDER or "
                        "--parquet FOLDER.")
    if args.path.suffix.lower() != ".xlsx":
        raise UserError(f"{args.path}: the template is an Excel workbook; give a name ending in .xlsx.")
    if args.path.exists():
        raise UserError(f"{args.path} already exists; give a new file name (blinrwe never overwrites your data).")
    with language(args.language):
        path = write_template(args.path, form=args.form)
        print(_("Template written to: {path}").format(path=Path(path or args.path).resolve()))
    return 0


def _template_folder(args, folder: Path) -> int:
    """The template's tables as empty CSV or Parquet files in a new (or empty) folder."""
    from blinrwe.intake import write_study_csv, write_study_parquet

    if args.path is not None:
        raise UserError(f"give either {args.path} (a workbook) or --csv/--parquet {folder} (a folder), not both.")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UserError(_("{path} already exists and is not an empty folder; give a new folder name (blinrwe never "
                          "overwrites your data).").format(path=folder))
    if not folder.parent.resolve().is_dir():
        raise UserError(f"{folder}: folder {folder.parent} does not exist; create it first.")
    write = write_study_parquet if args.parquet is not None else write_study_csv
    with language(args.language):
        write({}, folder, args.form)
        print(_("Template written to: {path}").format(path=folder.resolve()))
    return 0


def _template_mapping(args) -> int:
    """A copy of the shipped OMOP concept mapping (commented) for the user to edit; never over a file."""
    from blinrwe.intake.omop import DEFAULT_MAPPING

    path = args.omop_mapping
    if args.path is not None:
        raise UserError(f"give either {args.path} (a workbook) or --omop-mapping {path} (a mapping file), not both.")
    if path.exists():
        raise UserError(_("{path} already exists; give a new file name (blinrwe never overwrites your "
                          "files).").format(path=path))
    if path.suffix.lower() != ".toml":
        raise UserError(f"{path}: the concept mapping is a TOML file; give a name ending in .toml.")
    if not path.parent.resolve().is_dir():
        raise UserError(f"{path}: folder {path.parent} does not exist; create it first.")
    with open(path, "xb") as out:  # "x": never over a file that appeared meanwhile
        out.write(DEFAULT_MAPPING.read_bytes())
    with language(args.language):
        print(_("OMOP concept mapping written to: {path}").format(path=path.resolve()))
    return 0


def _read_for_validation(args):
    """The RawStudy ``blinrwe validate`` checks: the study at ``path``, or the OMOP CDM at ``--omop``."""
    from blinrwe.intake import read_omop, read_study

    if args.omop is None:
        if args.omop_mapping is not None or args.omop_schema:
            raise UserError("--omop-mapping and --omop-schema go with --omop CDM (an OMOP CDM to read).")
        return read_study(args.path)
    return read_omop(args.omop, args.omop_mapping, schema=args.omop_schema)


def _validated(args):
    """The ValidationReport of ``blinrwe validate``: a registry-sized Parquet study folder (as many patients as
    make ``engine = "auto"`` choose DuckDB) by patient, as ``blinrwe run`` reads it; anything else whole."""
    from blinrwe.engines import EngineSettings, choose_engine
    from blinrwe.intake.parquet_chunks import count_patients
    from blinrwe.validate import validate_study

    from .data_source import is_parquet_study, validate_parquet_folder
    from .spec_model import DataSpec

    if args.path is not None and is_parquet_study(args.path) \
            and choose_engine("auto", count_patients(args.path))[0] != "pandas":
        return validate_parquet_folder(args.path, EngineSettings("duckdb"), DataSpec().chunk_patients,
                                       data_cutoff=args.cutoff, stage=False)[1]
    return validate_study(_read_for_validation(args), data_cutoff=args.cutoff)[1]


def cmd_validate(args) -> int:
    from blinrwe.validate import annotate_workbook

    from .findings_output import printed_findings

    if (args.path is None) == (args.omop is None):
        raise UserError("give the data to check: a study .xlsx workbook or a folder of CSV or Parquet files, or "
                        "--omop CDM (an OMOP CDM folder or DuckDB file), one of them.")
    source = args.path if args.path is not None else args.omop
    if not source.exists():
        raise UserError(f"{source} not found; give a study .xlsx workbook or a folder of CSV or Parquet files, or "
                        "--omop and a CDM folder of Parquet files or a DuckDB file.")
    if args.omop_mapping is not None and not args.omop_mapping.is_file():
        raise UserError(f"--omop-mapping {args.omop_mapping} not found; write one with `blinrwe template "
                        "--omop-mapping FILE`, or leave it out for the shipped mapping.")
    if args.annotate is not None:
        if args.omop is not None:
            raise UserError(f"{args.omop}: an OMOP CDM cannot be annotated (it is no workbook); run without "
                            "--annotate to list the findings.")
        if raw_is_csv(args.path):
            raise UserError(f"{args.path}: a folder of CSV or Parquet files cannot be annotated (they hold no "
                            "colours or comments); run without --annotate to list the findings, or put the tables in "
                            "an .xlsx workbook (one sheet per file)")
        if args.annotate.exists():
            raise UserError(f"{args.annotate} already exists; give a new file name (blinrwe never overwrites your "
                            "data).")
    with language(args.language):
        report = _validated(args)
        print(printed_findings(report, None if args.all_findings else EXAMPLES_PER_CODE))
        if not args.all_findings and any(n > EXAMPLES_PER_CODE for n in report.codes().values()):
            print(_("Run with --all-findings to print every finding."))
        if args.annotate is not None:
            out = annotate_workbook(args.path, report.findings, args.annotate)
            print(_("Annotated workbook written to: {path}").format(path=out.resolve()))
    return InputDataError.exit_code if report.has_errors else 0


def raw_is_csv(path: Path) -> bool:
    """A folder (CSV or Parquet files) or one CSV or Parquet file: not a workbook, nothing to annotate."""
    return path.is_dir() or path.suffix.lower() in (".csv", ".parquet", "")
