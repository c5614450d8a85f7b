"""Study folders: unguessable ids, names that are never paths, zips whose members never escape."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from blinrwe.app.web.workspace import ID_PATTERN, UploadRefused, Workspace, extract_csv_zip, safe_name


def _zip(path: Path, members: dict, symlinks=()) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
        for name, target in symlinks:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize("given, shown", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\evil.xlsx", "evil.xlsx"),
    ("/abs/path/study.xlsx", "study.xlsx"),
    ("..", "upload"),
    ("a<b>\"c\".xlsx", "abc.xlsx"),
    ("研究数据.xlsx", "研究数据.xlsx"),
    ("", "upload"),
])
def test_a_client_file_name_is_only_ever_a_harmless_last_part(given, shown):
    assert safe_name(given, "upload") == shown
    assert "/" not in safe_name(given, "upload") and "\\" not in safe_name(given, "upload")


@pytest.mark.parametrize("member", ["../escape.csv", "folder/../../escape.csv", "/etc/escape.csv",
                                    "C:/escape.csv", "..\\escape.csv"])
def test_a_zip_member_leaving_the_folder_is_refused_and_nothing_is_written(tmp_path, member):
    archive = _zip(tmp_path / "a.zip", {"patients.csv": "patient_id\nP1\n", member: "x\n"})
    target = tmp_path / "out" / "csv"
    with pytest.raises(UploadRefused, match="path"):
        extract_csv_zip(archive, target)
    assert not target.exists()
    assert not (tmp_path / "escape.csv").exists() and not (tmp_path / "out" / "escape.csv").exists()


def test_a_symlink_member_is_refused(tmp_path):
    archive = _zip(tmp_path / "a.zip", {"patients.csv": "patient_id\nP1\n"}, symlinks=[("events.csv", "/etc/passwd")])
    with pytest.raises(UploadRefused, match="link"):
        extract_csv_zip(archive, tmp_path / "csv")
    assert not (tmp_path / "csv").exists()


def test_other_files_and_repeated_names_are_refused(tmp_path):
    with pytest.raises(UploadRefused, match="not a CSV"):
        extract_csv_zip(_zip(tmp_path / "a.zip", {"patients.csv": "x\n", "run.sh": "rm -rf /"}), tmp_path / "c1")
    with pytest.raises(UploadRefused, match="two files"):
        extract_csv_zip(_zip(tmp_path / "b.zip", {"a/patients.csv": "x\n", "b/patients.csv": "y\n"}), tmp_path / "c2")
    with pytest.raises(UploadRefused, match="no CSV"):
        extract_csv_zip(_zip(tmp_path / "c.zip", {"__MACOSX/._x": "junk"}), tmp_path / "c3")


def test_csvs_in_a_folder_of_the_zip_are_extracted_flat(tmp_path):
    archive = _zip(tmp_path / "a.zip", {"study/patients.csv": "patient_id\nP1\n", "study/events.csv": "e\n",
                                        "__MACOSX/study/._patients.csv": "junk", "study/.DS_Store": "junk"})
    names = extract_csv_zip(archive, tmp_path / "csv")
    assert names == ["events.csv", "patients.csv"]
    assert _tree(tmp_path / "csv") == {"events.csv", "patients.csv"}


def test_unpacked_size_is_counted_not_trusted(tmp_path, monkeypatch):
    monkeypatch.setenv("BLINRWE_MAX_UNCOMPRESSED_MB", "0.001")  # about 1 kB
    archive = _zip(tmp_path / "a.zip", {"patients.csv": "x" * 5000})
    with pytest.raises(UploadRefused, match="unpack"):
        extract_csv_zip(archive, tmp_path / "csv")


def test_ids_are_unguessable_checked_and_owned(tmp_path):
    ws = Workspace(tmp_path / "root")
    a = ws.create("alice")
    assert ID_PATTERN.match(a.id) and len(a.id) == 32
    assert ws.get(a.id, "alice") is not None
    assert ws.get(a.id, "bob") is None  # another user's study is not found
    for bad in ("..", "../root", a.id + "/..", "%2e%2e", a.id[:-1], "", None):
        assert ws.get(bad, "alice") is None
    assert [s.id for s in ws.owned("alice")] == [a.id] and ws.owned("bob") == []


def test_delete_removes_every_file_of_the_study(tmp_path, workbooks):
    ws = Workspace(tmp_path / "root")
    study = ws.create("local")
    received = ws.incoming_file()
    received.write_bytes(workbooks["good"].read_bytes())
    study, kind = ws.store_upload(study, received, "../../my study.xlsx")
    assert kind == "xlsx" and study.data_path().name == "my study.xlsx"
    assert study.data_path().parent == study.path / "data"
    (study.path / "runs" / "r").mkdir(parents=True)
    ws.delete(study)
    assert not study.path.exists()
    assert list((tmp_path / "root" / "studies").iterdir()) == []


def test_an_upload_is_typed_by_content_not_by_name(tmp_path, workbooks):
    ws = Workspace(tmp_path / "root")
    study = ws.create("local")
    for body, name in ((b"patient_id,sex\nP1,M\n", "study.xlsx"), (b"<html><table></table></html>", "study.xlsx"),
                       (b"PK\x03\x04broken", "study.xlsx")):
        received = ws.incoming_file()
        received.write_bytes(body)
        with pytest.raises(UploadRefused):
            ws.store_upload(study, received, name)
        assert not received.exists() and not study.data.exists()
    received = ws.incoming_file()  # a workbook named .zip is a workbook
    received.write_bytes(workbooks["good"].read_bytes())
    study, kind = ws.store_upload(study, received, "study.zip")
    assert kind == "xlsx" and study.data_path().suffix == ".xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("patients.csv", "patient_id\nP1\n")
    received = ws.incoming_file()  # a zip of CSVs named .xlsx is a zip of CSVs
    received.write_bytes(buffer.getvalue())
    study, kind = ws.store_upload(study, received, "study.xlsx")
    assert kind == "csv" and study.data_path().name == "csv"
    assert _tree(study.data) == {"csv", "csv/patients.csv"}
