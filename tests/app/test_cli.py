"""The command line: user errors print a message (no traceback) and exit non-zero."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


def blinrwe(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "blinrwe.app.cli", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def assert_user_error(res, code, text):
    assert res.returncode == code, res.stderr
    assert "Traceback" not in res.stderr
    assert text in res.stderr


def test_run_missing_spec(tmp_path):
    res = blinrwe("run", "absent.toml", cwd=tmp_path)
    assert_user_error(res, 4, "absent.toml not found")


def test_run_bad_spec_lists_every_problem(tmp_path):
    (tmp_path / "study.toml").write_text('[data]\nexample = "x"\n[survival]\ntime_unit = "weeks"\n')
    res = blinrwe("run", "study.toml", cwd=tmp_path)
    assert_user_error(res, 4, 'data.example = "x" is not allowed')
    assert 'survival.time_unit = "weeks"' in res.stderr
    assert not [p for p in tmp_path.iterdir() if p.name != "study.toml"]


def test_run_missing_data_file(tmp_path):
    (tmp_path / "study.toml").write_text('[data]\npath = "nope.xlsx"\n')
    res = blinrwe("run", "study.toml", cwd=tmp_path)
    assert_user_error(res, 4, 'data.path = "nope.xlsx" does not exist')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.toml"]


def test_validate_missing_path(tmp_path):
    assert_user_error(blinrwe("validate", "nothing.xlsx", cwd=tmp_path), 2, "nothing.xlsx not found")


def test_validate_bad_cutoff_is_usage_error(tmp_path):
    res = blinrwe("validate", "x.xlsx", "--cutoff", "30/04/2024", cwd=tmp_path)
    assert_user_error(res, 2, "is not a date; use YYYY-MM-DD")


def test_template_then_validate(tmp_path):
    res = blinrwe("template", "study.xlsx", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "study.xlsx").is_file()
    assert_user_error(blinrwe("template", "study.xlsx", cwd=tmp_path), 2, "already exists")
    res = blinrwe("validate", "study.xlsx", cwd=tmp_path)
    assert "Traceback" not in res.stderr
    assert res.returncode in (0, 3)
    assert "error(s)" in res.stdout


def test_spec_command_writes_an_editable_spec(tmp_path):
    res = blinrwe("spec", "study.toml", "--data", "my.xlsx", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    text = (tmp_path / "study.toml").read_text()
    assert 'path = "my.xlsx"' in text and "landmarks = " in text


def test_spec_command_writes_the_comments_in_chinese(tmp_path):
    """``--language zh``: every comment in Chinese (none left untranslated), keys and values English, and
    the file reads back as the same specification as the English one."""
    from dataclasses import replace

    from blinrwe.app.spec import load_spec
    from blinrwe.app.spec_start import write_new_spec
    from blinrwe.model.i18n import language, missing_translations, reset_missing

    res = blinrwe("spec", "研究.toml", "--data", "my.xlsx", "--language", "zh", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "研究规范" in res.stdout
    text = (tmp_path / "研究.toml").read_text(encoding="utf-8")
    assert "# 报告标题" in text and "可选值：" in text and 'path = "my.xlsx"' in text and "Allowed:" not in text
    reset_missing()
    with language("zh"):
        write_new_spec(tmp_path / "again.toml", tmp_path / "my.xlsx", form="study")
    assert not missing_translations()
    write_new_spec(tmp_path / "english.toml", tmp_path / "my.xlsx", form="study")
    chinese, english = load_spec(tmp_path / "again.toml"), load_spec(tmp_path / "english.toml")
    assert replace(chinese, source=english.source) == english


@pytest.mark.parametrize("argv", [[], ["frobnicate"]])
def test_usage_errors(tmp_path, argv):
    res = blinrwe(*argv, cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr


def test_dictionary_printed_and_written(tmp_path, capsys):
    """In-process (no subprocess start-up): printed Markdown, and CSV / XLSX / MD files read back."""
    import csv

    import openpyxl

    from blinrwe.app.cli import main
    from blinrwe.model.dictionary import data_dictionary

    assert main(["dictionary", "--form", "summary"]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = data_dictionary("summary")
    assert lines[0].startswith("| table | column |") and len(lines) == 2 + len(expected)
    assert lines[2].startswith(f"| {expected[0].table} | {expected[0].column} |")
    for name in ("dd.csv", "dd.xlsx", "dd.md"):
        assert main(["dictionary", "--out", str(tmp_path / name)]) == 0
    study = data_dictionary("study")
    with open(tmp_path / "dd.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["table"], r["column"]) for r in rows] == [(e.table, e.column) for e in study]
    sheet = openpyxl.load_workbook(tmp_path / "dd.xlsx").active
    assert sheet.max_row == 1 + len(study) and sheet.cell(2, 2).value == study[0].column
    assert (tmp_path / "dd.md").read_text(encoding="utf-8").count("\n") == 2 + len(study)
    capsys.readouterr()
    assert main(["dictionary", "--out", str(tmp_path / "dd.csv")]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["dictionary", "--out", str(tmp_path / "dd.json")]) == 2
    assert "give a file name ending in .csv, .xlsx, .md" in capsys.readouterr().err


def test_list_command_and_spec_into_a_missing_folder(tmp_path):
    res = blinrwe("list", "endpoints", cwd=tmp_path)
    assert res.returncode == 0 and "RFS" in res.stdout
    assert_user_error(blinrwe("list", "nothing", cwd=tmp_path), 2, "invalid choice")
    assert_user_error(blinrwe("spec", "no/such/study.toml", cwd=tmp_path), 2, "does not exist; create it first")


@pytest.mark.parametrize("before", [True, False])
def test_quiet_before_or_after_the_command(tmp_path, before):
    (tmp_path / "study.toml").write_text('[data]\nexample = "synthetic"\nn = 30\n[report]\nformats = ["csv"]\n'
                                         'figure_formats = []\n', encoding="utf-8")
    args = ["--quiet", "run", "study.toml"] if before else ["run", "study.toml", "--quiet"]
    res = blinrwe(*args, "--out", tmp_path / "out", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "[blinrwe]" not in res.stderr


def test_chinese_template_validate_annotate_and_dictionary(tmp_path, capsys):
    """In-process: the Chinese template filled with labels, validated in Chinese, annotated; the dictionary in Chinese."""
    import openpyxl

    from blinrwe.app.cli import main

    assert main(["template", str(tmp_path / "study.xlsx"), "--language", "zh"]) == 0
    book = openpyxl.load_workbook(tmp_path / "study.xlsx")
    assert book["patients"]["C1"].value == "性别 (sex)"
    book["patients"]["A2"], book["patients"]["C2"] = "P1", "女性"
    book.save(tmp_path / "study.xlsx")
    capsys.readouterr()
    code = main(["validate", str(tmp_path / "study.xlsx"), "--language", "zh", "--annotate",
                 str(tmp_path / "annotated.xlsx")])
    out = capsys.readouterr().out
    assert code == 3
    assert "study.xlsx：" in out and "修改方法：请从以下选项中选择：男 (M)、女 (F)" in out and "CODE_INVALID" in out
    assert "已标注的工作簿已写入：" in out
    cell = openpyxl.load_workbook(tmp_path / "annotated.xlsx")["patients"]["C2"]
    assert "CODE_INVALID" in cell.comment.text and cell.fill.fill_type == "solid"
    assert main(["validate", str(tmp_path / "study.xlsx"), "--annotate", str(tmp_path / "annotated.xlsx")]) == 2
    assert "already exists" in capsys.readouterr().err
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "patients.csv").write_text("patient_id\nP1\n", encoding="utf-8")
    assert main(["validate", str(tmp_path / "csv"), "--annotate", str(tmp_path / "a.xlsx")]) == 2
    assert "a folder of CSV or Parquet files cannot be annotated" in capsys.readouterr().err
    assert not (tmp_path / "a.xlsx").exists()
    assert main(["dictionary", "--form", "summary", "--language", "zh"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("| 数据表 | 列名 | 类型 |") and "性别。" in "\n".join(lines)


def test_language_is_chosen_on_the_command_line_over_the_specification():
    from blinrwe.app.cli import _with_language, build_parser
    from blinrwe.app.pipeline import bundled_spec, load_spec

    args = build_parser().parse_args(["run", "study.toml", "--language", "zh"])
    assert args.language == "zh"
    assert build_parser().parse_args(["demo"]).language is None
    spec = load_spec(bundled_spec("example_study"))
    assert spec.report.language == "en"
    assert _with_language(spec, "zh").report.language == "zh"
    assert _with_language(spec, None) is spec


def test_engine_is_chosen_on_the_command_line_over_the_specification():
    from blinrwe.app.cli import _with_engine, build_parser
    from blinrwe.app.pipeline import bundled_spec, load_spec

    assert build_parser().parse_args(["run", "study.toml", "--engine", "duckdb"]).engine == "duckdb"
    assert build_parser().parse_args(["demo", "--engine", "spark"]).engine == "spark"
    assert build_parser().parse_args(["demo"]).engine is None
    spec = load_spec(bundled_spec("example_study"))
    assert _with_engine(spec, "duckdb").data.engine == "duckdb" and _with_engine(spec, None) is spec


TINY = '[data]\nexample = "synthetic"\nn = 20\nengine = "spark"\n[report]\nformats = ["csv"]\nfigure_formats = []\n'


def test_run_says_its_engine_and_the_flag_wins_over_the_spec(tmp_path):
    (tmp_path / "study.toml").write_text(TINY)
    res = blinrwe("run", "study.toml", "--engine", "pandas", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "[blinrwe] engine pandas (as specified)" in res.stderr


def test_spark_without_java_is_a_clear_user_error(tmp_path):
    """No JAVA_HOME and no java on the PATH: a message saying what to install, no traceback, no output folder."""
    (tmp_path / "study.toml").write_text(TINY)
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env.update(PATH=str(Path(sys.executable).parent), PYTHONPATH=str(SRC))
    res = subprocess.run([sys.executable, "-m", "blinrwe.app.cli", "run", "study.toml"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert_user_error(res, 2, "engine spark needs a Java runtime")
    assert "JAVA_HOME" in res.stderr and 'engine = "duckdb"' in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.toml"]


def test_duckdb_over_its_memory_limit_is_a_clear_user_error(tmp_path):
    """DuckDB cannot derive under a limit far too small: the run says which setting to raise, without a
    traceback, and leaves no output folder (nor spill files) behind."""
    (tmp_path / "study.toml").write_text(TINY.replace('engine = "spark"', 'engine = "duckdb"\nmemory_limit = "2MB"\n'
                                                      'threads = 1\ntemp_directory = "scratch"'))
    (tmp_path / "scratch").mkdir()
    res = blinrwe("run", "study.toml", cwd=tmp_path)
    assert_user_error(res, 2, "DuckDB needed more memory than its memory limit (2MB)")
    assert "[data] memory_limit" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scratch", "study.toml"]
    assert list((tmp_path / "scratch").iterdir()) == []


@pytest.mark.parametrize("layout, suffix", [("--parquet", ".parquet"), ("--csv", ".csv")])
def test_template_as_an_empty_parquet_or_csv_folder_then_validate(tmp_path, capsys, layout, suffix):
    from blinrwe.app.cli import main
    from blinrwe.model import FORMS

    folder = tmp_path / "layout"
    assert main(["template", layout, str(folder)]) == 0
    assert "Template written to:" in capsys.readouterr().out
    assert sorted(p.name for p in folder.iterdir()) == sorted(t.name + suffix for t in FORMS["study"])
    assert main(["template", layout, str(folder)]) == 2
    assert "already exists and is not an empty folder" in capsys.readouterr().err
    assert main(["validate", str(folder)]) in (0, 3)
    assert "error(s)" in capsys.readouterr().out
    assert main(["template", "study.xlsx", layout, str(tmp_path / "other")]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["template"]) == 2
    assert "--parquet FOLDER" in capsys.readouterr().err


def test_validate_reads_a_registry_sized_parquet_folder_by_patient(tmp_path, monkeypatch):
    """A Parquet study folder of as many patients as send ``run`` to DuckDB is validated the way ``run`` reads
    it (by patient, never whole: the read limits would refuse a registry), with the findings of a whole
    read, and leaves no scratch folder behind."""
    import argparse
    import tempfile

    from blinrwe import engines
    from blinrwe.app import cli_data
    from blinrwe.intake import read_study
    from blinrwe.validate import validate_study
    from tests.validate import corrupted

    folder = tmp_path / "study"
    folder.mkdir()
    for name, frame in corrupted.corrupted_tables(tmp_path).items():
        frame.replace("", None).to_parquet(folder / f"{name}.parquet", index=False)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    args = argparse.Namespace(path=folder, omop=None, omop_mapping=None, omop_schema="", cutoff=corrupted.CUTOFF)
    whole = validate_study(read_study(folder), data_cutoff=corrupted.CUTOFF)[1]
    assert cli_data._validated(args).findings == whole.findings  # small: read whole
    monkeypatch.setattr(engines, "AUTO_DUCKDB_FROM", 10)
    import blinrwe.intake

    monkeypatch.setattr(blinrwe.intake, "read_study", lambda *a, **k: pytest.fail("read whole"))
    by_patient = cli_data._validated(args)
    key = lambda f: (f.code, f.file, f.row, f.column, str(f.value), f.message)  # noqa: E731
    assert sorted(map(key, by_patient.findings)) == sorted(map(key, whole.findings))
    assert list(scratch.iterdir()) == []
