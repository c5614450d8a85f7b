"""What a file named like a workbook really holds, from its first bytes (its content signature).

A workbook saved by Excel 2007+ (.xlsx) is a zip archive holding ``xl/workbook.xml``.
Files that arrive under that name and are something else, with what to do:

- an OLE compound file (``D0 CF 11 E0 A1 B1 1A E1``, MS-CFB) holding an
  ``EncryptedPackage`` stream: an .xlsx encrypted with a password (MS-OFFCRYPTO 2.3.4);
- an OLE compound file holding a ``Workbook`` or ``Book`` stream: an Excel 97-2003 .xls
  (MS-XLS 2.1.2), often renamed by hand or exported by a hospital system;
- another zip (an OpenDocument spreadsheet, a Word file, a zipped folder), HTML or
  "XML Spreadsheet 2003" pages that hospital systems export under an Excel name,
  text (a CSV), an empty file.

Stream names are looked for in the compound file's directory as UTF-16 text, which
is where MS-CFB stores them; nothing is decrypted or parsed.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from blinrwe.model.display import N_

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
#: Bytes looked at: the head of the file and, for OLE files, enough of the directory.
_OLE_SCAN = 4 * 1024 * 1024


@dataclass(frozen=True)
class Signature:
    """``kind``: "xlsx", "encrypted", "xls", "damaged" (a broken zip) or "other"; ``what``: the content in words."""

    kind: str
    what: str


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def _ole(head: bytes) -> Signature:
    if _utf16("EncryptedPackage") in head or _utf16("EncryptionInfo") in head:
        return Signature("encrypted", N_("a password-protected (encrypted) Excel workbook"))
    if _utf16("Workbook") in head or _utf16("Book") in head:
        return Signature("xls", N_("an Excel 97-2003 workbook (.xls format)"))
    return Signature("other", N_("an OLE compound file that is not a workbook (for example an old Word .doc)"))


def _nothing():
    return io.BytesIO(b"")


def _zip(path: Path) -> Signature:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
            with archive.open("xl/workbook.xml") if "xl/workbook.xml" in names else _nothing() as fh:
                workbook_head = fh.read(4096)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        return Signature("damaged", N_("a damaged or incomplete zip archive"))
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        if "xl/workbook.bin" in names:
            return Signature("other", N_("an Excel binary workbook (.xlsb)"))
        if b"purl.oclc.org/ooxml/spreadsheetml" in workbook_head:  # ISO/IEC 29500 Strict: openpyxl reads no cell
            return Signature("other", N_("an Excel workbook saved as 'Strict Open XML Spreadsheet'"))
        return Signature("xlsx", N_("an Excel workbook"))
    if b"opendocument.spreadsheet" in mimetype:
        return Signature("other", N_("an OpenDocument spreadsheet (.ods)"))
    if "word/document.xml" in names:
        return Signature("other", N_("a Word document (.docx)"))
    return Signature("other", N_("a zip archive that is not an Excel workbook"))


def _text(head: bytes) -> Signature:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<html", b"<!doctype html", b"<table")) or b"<html" in start[:1000]:
        return Signature("other", N_("an HTML page (a web export saved with an Excel name)"))
    if start.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        return Signature("other", N_("an 'XML Spreadsheet 2003' file"))
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # not only a character cut at the end of the head
            return Signature("other", N_("a binary file of unknown type"))
        text = head[:err.start].decode("utf-8")
    first = text.splitlines()[0] if text.strip() else ""
    if any(d in first for d in (",", ";", "\t")):
        return Signature("other", N_("a CSV / text table"))
    return Signature("other", N_("a text file"))


def _first_directory_sector(path: Path, head: bytes) -> bytes:
    """The compound file's first directory sector (MS-CFB 2.2: sector shift at 0x1E, first sector at 0x30)."""
    if len(head) < 0x34:
        return b""
    size = 1 << min(int.from_bytes(head[0x1E:0x20], "little"), 16)
    start = (int.from_bytes(head[0x30:0x34], "little") + 1) * size
    with open(path, "rb") as fh:
        fh.seek(start)
        return fh.read(size)


def workbook_signature(path: Path) -> Signature:
    """What ``path`` holds, by content (not by its name)."""
    with open(path, "rb") as fh:
        head = fh.read(_OLE_SCAN)
    if not head:
        return Signature("other", N_("an empty file (0 bytes)"))
    if head.startswith(OLE_MAGIC):
        return _ole(head + _first_directory_sector(path, head))
    if head.startswith(ZIP_MAGICS):
        return _zip(path)
    return _text(head[:65536])
