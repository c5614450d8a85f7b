"""A first specification for a user's data (``blinrwe spec study.toml --data study.xlsx``).

The data path is written relative to the specification's folder (where
:meth:`StudySpec.data_path` reads it from), whatever folder the command is run
in. The defaults are those of the data's entry form: on the patient summary
form (no dates) the subgroups, Table 1 grouping, endpoints and Cox keys are
ones that exist there (:attr:`KeyInfo.summary_default`).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from blinrwe.errors import UserError
from blinrwe.model.i18n import _

from .spec_document import StudySpec, with_form_defaults
from .spec_toml import write_spec

__all__ = ["write_new_spec", "data_form", "relative_to_spec"]


def data_form(data: Path) -> str | None:
    """The entry form ("study" or "summary") of an existing workbook or CSV folder; None when undetermined."""
    from blinrwe.intake import read_study
    from blinrwe.validate.study import detect_form

    if not data.exists():
        return None
    try:
        raw = read_study(data)
    except (UserError, OSError):  # unreadable data: `blinrwe validate` and `run` say why; study form assumed
        return None
    return detect_form(raw)[0]


def relative_to_spec(data: Path, spec_path: Path) -> str:
    """``data`` (given from the current folder) as seen from the specification's folder."""
    target = data.expanduser().resolve()
    try:
        return Path(os.path.relpath(target, spec_path.expanduser().resolve().parent)).as_posix()
    except ValueError:  # another drive (Windows): only an absolute path reaches it
        return str(target)


def write_new_spec(spec_path: Path, data: Path, form: str | None = None) -> tuple[Path, str]:
    """Write the commented specification for ``data``; returns its path and the entry form used."""
    from blinrwe import __version__

    form = form or data_form(data) or "study"
    spec = with_form_defaults(StudySpec(), form)
    spec = replace(spec, data=replace(spec.data, path=relative_to_spec(data, spec_path)))
    header = "\n".join((
        _("Study specification written by blinrwe {version} for {data} ({form} form).").format(
            version=__version__, data=data.name, form=form),
        _("Every key is listed with what it does, what it accepts and its default; edit the values,"),
        _("lines starting with # are comments. Relative paths are read from this file's folder."),
        _("`blinrwe list presets|endpoints|variables|analysis-sets|keys` lists what the keys can name."),
        _("Run with: blinrwe run {file}").format(file=spec_path.name),
    ))
    return write_spec(spec, spec_path, header=header), form
