"""Real files for the reader tests: workbooks written by openpyxl and edited at the XML level,
OLE compound files laid out as MS-CFB says, bombs that unpack to far more than they weigh."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl

#: A small valid summary-form study (the patient_summary sheet).
SUMMARY_ROWS = [["patient_id", "disease_status", "best_response", "weight_kg"],
                ["S1", "1R", "CR", 60], ["S2", "2R", "NR", 70], ["S3", "1R", "CR", 80]]


def summary_book(path: Path, rows=SUMMARY_ROWS, edit=None) -> Path:
    """The summary study as a real .xlsx; ``edit(ws)`` changes the sheet before saving."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "patient_summary"
    for r in rows:
        ws.append(r)
    if edit:
        edit(ws)
    book.save(path)
    return path


def rewrite_member(path: Path, member: str, change) -> Path:
    """Rewrite one member of a zip (``change(bytes) -> bytes``), keeping the others as they are."""
    with zipfile.ZipFile(path) as src:
        items = [(info, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in items:
            out.writestr(info.filename, change(data) if info.filename == member else data)
    return path


def sheet_member(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return sorted(n for n in z.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))[0]


def compound_file(path: Path, streams: list[str]) -> Path:
    """An OLE compound file (MS-CFB version 3, 512-byte sectors) with empty streams of these names."""
    free, end, fat_sect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = bytearray(512)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    header[0x18:0x1A] = (0x3E).to_bytes(2, "little")  # minor version
    header[0x1A:0x1C] = (3).to_bytes(2, "little")  # major version 3
    header[0x1C:0x1E] = (0xFFFE).to_bytes(2, "little")  # byte order
    header[0x1E:0x20] = (9).to_bytes(2, "little")  # sector shift: 512
    header[0x20:0x22] = (6).to_bytes(2, "little")  # mini sector shift: 64
    header[0x2C:0x30] = (1).to_bytes(4, "little")  # one FAT sector
    header[0x30:0x34] = (1).to_bytes(4, "little")  # directory starts at sector 1
    header[0x38:0x3C] = (4096).to_bytes(4, "little")  # mini stream cut-off
    header[0x3C:0x40] = end.to_bytes(4, "little")  # no mini FAT
    header[0x44:0x48] = end.to_bytes(4, "little")  # no DIFAT sectors
    difat = [0] + [free] * 108
    header[0x4C:0x200] = b"".join(v.to_bytes(4, "little") for v in difat)
    fat = [fat_sect, end] + [free] * 126
    fat_sector = b"".join(v.to_bytes(4, "little") for v in fat)

    def entry(name: str, kind: int, right: int, child: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        e = bytearray(128)
        e[0:len(raw)] = raw
        e[0x40:0x42] = len(raw).to_bytes(2, "little")
        e[0x42], e[0x43] = kind, 1
        e[0x44:0x48] = free.to_bytes(4, "little")  # left sibling
        e[0x48:0x4C] = right.to_bytes(4, "little")
        e[0x4C:0x50] = child.to_bytes(4, "little")
        e[0x74:0x78] = end.to_bytes(4, "little")  # start sector (empty stream)
        return bytes(e)

    entries = [entry("Root Entry", 5, free, 1 if streams else free)]
    for i, name in enumerate(streams, start=1):
        entries.append(entry(name, 2, i + 1 if i < len(streams) else free, free))
    directory = b"".join(entries).ljust(512, b"\0")
    path.write_bytes(bytes(header) + fat_sector + directory)
    return path


def bomb_book(path: Path, n_rows: int, cells_per_row: int = 1) -> Path:
    """A real workbook whose one sheet holds ``n_rows`` rows, written as a stream (deflates ~1000:1)."""
    summary_book(path, rows=[["patient_id"]])
    member = sheet_member(path)
    with zipfile.ZipFile(path) as src:
        items = [(i.filename, src.read(i.filename)) for i in src.infolist() if i.filename != member]
    row = "".join(f'<c t="n"><v>{k}</v></c>' for k in range(cells_per_row))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in items:
            out.writestr(name, data)
        with out.open(member, "w") as fh:
            fh.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            chunk = ("<row>" + row + "</row>").encode() * 1000
            for _ in range(n_rows // 1000):
                fh.write(chunk)
            fh.write(b"</sheetData></worksheet>")
    return path
