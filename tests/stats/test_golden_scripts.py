"""The golden R scripts run from their own folder, as the README says (``Rscript <script>.R`` there).

The tests never call R; this checks statically that each script reads and writes files by bare
names beside itself, so running it in its folder regenerates the JSON the tests read.
"""

import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(TESTS.glob("*/golden/*.R"))
_FILE_LITERAL = re.compile(r"""["']([^"'\n]*\.(?:json|csv|txt))["']""")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_golden_script_uses_paths_relative_to_its_folder(script):
    names = _FILE_LITERAL.findall(script.read_text())
    assert names, f"{script.name} names no output file"
    for name in names:
        assert "/" not in name and "\\" not in name, f"{script.name} opens {name!r}: use a name beside the script"
        assert (script.parent / name).is_file(), f"{script.name} writes {name}, which is not committed beside it"


def test_every_golden_script_is_found():
    assert {p.name for p in SCRIPTS} >= {"km_logrank.R", "cif.R", "cox.R", "proportion.R"}
