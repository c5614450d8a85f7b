"""What a worker process does for the page: validate an upload, run a study. Pipeline calls only.

The validation view keeps :data:`~blinrwe.app.findings_output.EXAMPLES_PER_CODE` findings of each
code (with the counts of all and how many more of each code); the run's ``findings.csv`` has every one.

Each function is given everything it needs (paths, the settings as a TOML-ready dict,
the language) so it runs the same in any process, and writes what the page shows into
the study's folder: ``validation.json``, or a run's ``status.json`` stage by stage.
A user error ends a run with its message (where the problem is and how to fix it); any
other error with its type and stage only: no traceback and no cell value leaves the worker.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from blinrwe.errors import UserError
from blinrwe.model.i18n import _, language

from ..findings_output import shown_per_code
from ..pipeline import Progress
from .workspace import read_json, write_json

__all__ = ["validate_upload", "run_study_job", "spec_for", "StatusProgress", "write_status"]

#: Longest cell value kept for the findings table (a cell that swallowed rows can be huge).
SHOWN_CHARACTERS = 200


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.datetime, dt.date)) or hasattr(value, "isoformat"):
        try:
            return value.isoformat()[:10] if getattr(value, "hour", 0) == 0 and getattr(value, "minute", 0) == 0 \
                else value.isoformat()
        except (TypeError, ValueError):
            pass
    text = str(value)
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "…"


def spec_for(settings: dict, data_path: Path):
    """The study specification of ``settings`` (keys changed from the defaults) on the uploaded data.

    Raises :class:`~blinrwe.errors.SpecificationError` listing every problem (spec_check).
    """
    from ..spec_check import spec_from_dict

    raw = {name: dict(section) for name, section in settings.items() if isinstance(section, dict)}
    data = raw.setdefault("data", {})
    for key in ("example", "n", "seed"):
        data.pop(key, None)
    data["path"] = str(data_path)
    raw.setdefault("report", {}).pop("output", None)
    return spec_from_dict(raw)


def warm_up() -> None:
    """Import the pipeline in a new worker, so that the first upload does not wait for it."""
    import blinrwe.app.pipeline  # noqa: F401
    import blinrwe.intake  # noqa: F401
    import blinrwe.report  # noqa: F401
    import blinrwe.validate  # noqa: F401


def validate_upload(study_path: str, data_path: str, settings: dict, lang: str) -> dict:
    """Read and validate the upload; write validation.json (and annotated.xlsx when offered)."""
    from blinrwe import validate as validate_layer
    from blinrwe.intake import read_study
    from blinrwe.validate import validate_study

    folder, data = Path(study_path), Path(data_path)
    cutoff = (settings.get("data") or {}).get("cutoff")
    partial = (settings.get("data") or {}).get("partial_dates", "mid")
    with language(lang):
        try:
            raw = read_study(data)
            study, report = validate_study(raw, data_cutoff=cutoff if isinstance(cutoff, dt.date) else None,
                                           partial_dates=partial)
        except UserError as err:
            result = {"lang": lang, "form": None, "has_errors": True, "summary": str(err), "findings": []}
            write_json(folder / "validation.json", result)
            return result
        rows = [{"severity": f.severity.value, "code": f.code, "file": f.file or "", "sheet": f.sheet or "",
                 "row": "" if f.row is None else int(f.row), "column": f.column_heading or "", "value": _shown(f.value),
                 "message": f.message, "hint": f.hint} for f in report.findings]
        rows.sort(key=lambda r: (r["severity"] != "error", r["sheet"], r["row"] if r["row"] != "" else -1))
        shown, more = shown_per_code(rows)  # a registry's systematic mistake: 20 examples, then how many more
        result = {"lang": lang, "form": report.form, "has_errors": report.has_errors, "summary": report.summary(),
                  "findings": shown, "n_errors": len(report.errors), "n_warnings": len(report.warnings),
                  "more": [{"code": code, "count": n, "total": report.codes()[code]} for code, n in more.items()],
                  "annotated": False}
        annotate = getattr(validate_layer, "annotate_workbook", None)
        if annotate is not None and data.suffix.lower() == ".xlsx" and report.findings:
            try:
                annotate(data, report.findings, folder / "annotated.xlsx")
                result["annotated"] = True
            except (UserError, OSError):
                result["annotated"] = False
    write_json(folder / "validation.json", result)
    return result


def write_status(run_dir: Path, **changes) -> None:
    """Merge ``changes`` into the run's status.json; a deleted run (folder gone) is left alone."""
    path = Path(run_dir) / "status.json"
    if not path.parent.is_dir():
        return
    status = read_json(path, {})
    status.update(changes)
    try:
        write_json(path, status)
    except OSError:  # the study was deleted while it ran
        pass


class StatusProgress(Progress):
    """The pipeline's stage messages, written to the run's status.json for the page to poll."""

    def __init__(self, run_dir: Path):
        super().__init__(enabled=False)
        self.run_dir = Path(run_dir)
        self.current = ""
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        """A line about the run (the engine chosen and why), shown under the stages."""
        self.notes.append(text)
        write_status(self.run_dir, notes=list(self.notes))

    def stage(self, name, fn, *args, **kwargs):
        self.current = name
        done = list(self.times)
        write_status(self.run_dir, state="running", stage=name, done=done)
        return super().stage(name, fn, *args, **kwargs)


def run_study_job(run_dir: str, data_path: str, settings: dict, lang: str) -> str:
    """Run the study into ``run_dir/output``; the final state goes into status.json ("done"/"failed")."""
    from ..pipeline import run_study

    run_dir_path = Path(run_dir)
    progress = StatusProgress(run_dir_path)
    write_status(run_dir_path, state="running", stage="", started=time.time())
    try:
        with language(lang):
            spec = spec_for(settings, Path(data_path))
            run_study(spec, run_dir_path / "output", progress=progress)
    except UserError as err:
        write_status(run_dir_path, state="failed", error=str(err), stage=progress.current, finished=time.time())
        return "failed"
    except MemoryError:
        write_status(run_dir_path, state="failed", stage=progress.current, finished=time.time(),
                     error=_("The run ran out of memory; close other programs or use a smaller study."))
        return "failed"
    except Exception as err:  # a bug: its type and stage only (the message may quote data)
        write_status(run_dir_path, state="failed", stage=progress.current, finished=time.time(),
                     error=_("The run stopped with an internal error ({kind}). Nothing of it was kept; please "
                             "report it with the stage it stopped in.").format(kind=type(err).__name__))
        return "failed"
    write_status(run_dir_path, state="done", stage="", done=list(progress.times), finished=time.time(),
                 times={k: round(v, 2) for k, v in progress.times.items()})
    return "done"
