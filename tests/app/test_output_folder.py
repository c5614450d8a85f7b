"""The output folder: blinrwe replaces only a new, empty or blinrwe-written folder; one run at a time;
killed runs leave nothing it does not clean; disk full, read-only and out of memory are one line.

Every refusal goes through the command line's ``main`` and checks that the user's files are byte-identical
afterwards; locks, kills and the environment's errors use real subprocesses."""

import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from blinrwe.app.output_folder import MARKER, OutputFolderError, check_output_folder, replacing
from blinrwe.examples.synthetic import write_synthetic_study

SRC = Path(__file__).resolve().parents[2] / "src"
CSV_ONLY = """
[data]
path = "{data}"

[endpoints]
names = ["OS"]

[report]
formats = ["csv"]
figure_formats = []
output = "{output}"
"""


def blinrwe_command(*args, quiet=True):
    return [sys.executable, "-m", "blinrwe.app.cli", *(["--quiet"] if quiet else []), *map(str, args)]


def environment(**extra):
    return dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                OPENBLAS_NUM_THREADS="1", **extra)


def blinrwe(*args, cwd, **extra_env):
    return subprocess.run(blinrwe_command(*args), cwd=cwd, env=environment(**extra_env), capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def cli(capsys, monkeypatch):
    """``blinrwe ARGS`` through the command line's main, in ``cwd``: (exit code, stderr)."""
    from blinrwe.app.cli import main

    def run(*args, cwd, home=None):
        monkeypatch.chdir(cwd)
        if home is not None:
            monkeypatch.setenv("HOME", str(home))
        code = main(["--quiet", *map(str, args)])
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, captured.out, captured.err)

    return run


def snapshot(folder: Path) -> dict:
    """Every file and folder under ``folder`` with its bytes (folders: None)."""
    return {p.relative_to(folder).as_posix(): (None if p.is_dir() else p.read_bytes()) for p in folder.rglob("*")}


def assert_one_line_error(res, text):
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("blinrwe: error: "), res.stderr
    assert text in res.stderr, res.stderr


@pytest.fixture
def study(tmp_path):
    """A user's study folder: CSV data in data/, study.toml, and a folder of unrelated documents."""
    folder = tmp_path / "study"
    folder.mkdir()
    write_synthetic_study(folder / "data", n_patients=12, seed=2)
    (folder / "study.toml").write_text(CSV_ONLY.format(data="data", output="blinrwe-output"), encoding="utf-8")
    (folder / "documents").mkdir()
    (folder / "documents" / "protocol.docx").write_bytes(b"PK\x03\x04 the protocol")
    (folder / "documents" / "notes.txt").write_text("ethics approval 2023-114\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("out, why", [
    ("data", "it is the folder of the study data"),
    (".", "it is the folder of the study specification"),
    ("..", "it contains the folder of the study specification"),
    ("documents", "it is a folder that blinrwe did not write and it is not empty"),
    ("study.toml", "it is a file, not a folder"),
])
def test_refused_folders_are_left_byte_identical(cli, study, out, why):
    before = snapshot(study.parent)
    res = cli("run", "study.toml", "--out", out, cwd=study)
    assert_one_line_error(res, why)
    assert "Choose another folder with --out DIR, or with output = \"DIR\" under [report]" in res.stderr
    assert snapshot(study.parent) == before


def test_a_refusal_is_said_in_the_language_of_the_run(cli, study):
    before = snapshot(study.parent)
    res = cli("run", "study.toml", "--out", "documents", "--language", "zh", cwd=study)
    assert_one_line_error(res, "不会将报告写入")
    assert "非 blinrwe 写入的文件夹" in res.stderr and "请用 --out DIR" in res.stderr
    assert snapshot(study.parent) == before


def test_the_default_folder_is_named_after_the_specification_and_sits_beside_the_demo(cli, study):
    """``blinrwe-output/{study}``: a study and the demo (blinrwe-output/example) never share a folder."""
    (study / "blinrwe-output" / "example").mkdir(parents=True)
    (study / "blinrwe-output" / "example" / "report.html").write_text("the demo's report", encoding="utf-8")
    (study / "trial.toml").write_text(CSV_ONLY.format(data="data", output="blinrwe-output/{study}"), encoding="utf-8")
    assert cli("run", "trial.toml", cwd=study).returncode == 0
    assert (study / "blinrwe-output" / "trial" / "results.csv").is_file()
    assert (study / "blinrwe-output" / "example" / "report.html").read_text(encoding="utf-8") == "the demo's report"


def test_a_failed_run_removes_the_folders_it_made_for_its_output(cli, study):
    patients = study / "data" / "patients.csv"
    patients.write_text(patients.read_text(encoding="utf-8") + "P-BAD,,,not a date\n", encoding="utf-8")
    (study / "study.toml").write_text(CSV_ONLY.format(data="data", output="new/deeper/out"), encoding="utf-8")
    before = snapshot(study.parent)
    assert cli("run", "study.toml", cwd=study).returncode == 3  # data errors, found inside the run
    assert snapshot(study.parent) == before


def test_refused_as_report_output_of_the_spec(cli, study):
    """The same rules hold for [report] output as for --out."""
    (study / "study.toml").write_text(CSV_ONLY.format(data="data", output="data"), encoding="utf-8")
    before = snapshot(study)
    assert_one_line_error(cli("run", "study.toml", cwd=study), "it is the folder of the study data")
    assert_one_line_error(cli("demo", "--out", study, cwd=study.parent), "it is a folder that blinrwe did not")
    assert snapshot(study) == before


def test_current_home_and_root_folders_are_refused(cli, study, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    spec = study / "study.toml"
    assert_one_line_error(cli("run", spec, "--out", home, cwd=elsewhere, home=home), "it is the home folder")
    assert_one_line_error(cli("run", spec, "--out", ".", cwd=elsewhere), "it is the current folder")
    assert_one_line_error(cli("run", spec, "--out", tmp_path, cwd=elsewhere), "it contains")
    assert_one_line_error(cli("run", spec, "--out", "/", cwd=elsewhere), "it is the root of a filesystem")
    assert not any(home.iterdir()) and not any(elsewhere.iterdir())


def test_accepted_folders(tmp_path):
    check_output_folder(tmp_path / "new" / "out")  # does not exist yet
    (tmp_path / "empty").mkdir()
    check_output_folder(tmp_path / "empty")
    with replacing(tmp_path / "ours") as tmp:
        (tmp / "results.csv").write_text("x\n")
        (tmp / "figures").mkdir()
        (tmp / "figures" / "a.png").write_bytes(b"png")
    check_output_folder(tmp_path / "ours")  # blinrwe wrote it: its marker lists every file
    assert sorted(snapshot(tmp_path / "ours")) == [MARKER, "figures", "figures/a.png", "results.csv"]


def test_the_report_folder_is_an_ordinary_folder_not_a_private_one(tmp_path):
    """Colleagues who can read the study folder can read its report: permissions follow the umask."""
    old = os.umask(0o022)
    try:
        with replacing(tmp_path / "ours") as tmp:
            (tmp / "report.html").write_text("x")
    finally:
        os.umask(old)
    assert (tmp_path / "ours").stat().st_mode & 0o777 == 0o755


def test_a_blinrwe_folder_holding_a_users_file_or_a_foreign_marker_is_refused(tmp_path):
    with replacing(tmp_path / "ours") as tmp:
        (tmp / "results.csv").write_text("x\n")
    (tmp_path / "ours" / "figures").mkdir()
    (tmp_path / "ours" / "figures" / "my_edit.png").write_bytes(b"mine")
    with pytest.raises(OutputFolderError, match=r"holds files blinrwe did not write \(figures/my_edit.png\)"):
        check_output_folder(tmp_path / "ours")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / MARKER).write_text("not blinrwe's\n")
    (tmp_path / "other" / "thesis.docx").write_bytes(b"mine")
    with pytest.raises(OutputFolderError, match="blinrwe did not write"):
        check_output_folder(tmp_path / "other")


def test_a_folder_containing_what_the_run_reads_is_refused(tmp_path):
    data = tmp_path / "project" / "data"
    data.mkdir(parents=True)
    for out in (data, data.parent, tmp_path):
        with pytest.raises(OutputFolderError, match="the folder of the study data"):
            check_output_folder(out, [("the folder of the study data", data)])
    check_output_folder(data / "report", [("the folder of the study data", data)])  # a new folder inside is fine


HOLD_LOCK = """
import sys
from pathlib import Path
from blinrwe.app.output_folder import replacing
with replacing(Path(sys.argv[1])) as tmp:
    (tmp / "results.csv").write_text("held\\n")
    print("locked", flush=True)
    sys.stdin.readline()
"""


def hold_lock(target: Path):
    """A real second process inside ``replacing(target)``, holding its lock until its stdin is closed."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(target)], env=environment(), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "locked\n"
    return proc


def test_second_run_is_refused_while_the_first_holds_the_lock(study):
    target = study / "blinrwe-output"
    first = hold_lock(target)
    try:
        assert_one_line_error(blinrwe("run", "study.toml", cwd=study), "another blinrwe run is writing")
        assert not target.exists()
    finally:
        first.stdin.close()
    assert first.wait(timeout=60) == 0
    assert (target / "results.csv").read_text() == "held\n"
    res = blinrwe("run", "study.toml", cwd=study)  # the lock was released: the next run replaces it
    assert res.returncode == 0, res.stderr
    assert (target / "results.csv").read_text().startswith("section,")
    assert sorted(p.name for p in study.iterdir()) == ["blinrwe-output", "data", "documents", "study.toml"]


def test_a_killed_run_releases_its_lock_and_the_next_run_removes_its_partial_folder(study):
    target = study / "blinrwe-output"
    first = hold_lock(target)
    first.kill()  # SIGKILL: no clean-up ran
    first.wait(timeout=60)
    stale = [p.name for p in study.iterdir() if p.name.startswith(".blinrwe-output.partial-")]
    assert len(stale) == 1 and (study / stale[0] / MARKER).is_file()
    unrelated = study / ".blinrwe-output.partial-not-ours"  # not marked: not blinrwe's, kept
    unrelated.mkdir()
    (unrelated / "keep.txt").write_text("mine\n")
    res = blinrwe("run", "study.toml", cwd=study)
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in study.iterdir()) == [".blinrwe-output.partial-not-ours", "blinrwe-output", "data",
                                                        "documents", "study.toml"]
    assert (unrelated / "keep.txt").read_text() == "mine\n"


def _can_mount_tmpfs() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


needs_tmpfs = pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs root and `unshare -m` to mount a private tmpfs")


def run_on_tmpfs(study: Path, mount: Path, options: str, *args):
    """``blinrwe run`` writing onto a private tmpfs mounted on ``mount`` with ``options`` (in a new mount
    namespace); stdout ends with what the run left on that filesystem, listed before it is unmounted."""
    mount.mkdir()
    script = ('mount -t tmpfs -o "$1" tmpfs "$2" && mount -o "remount,$3" "$2" && shift 3 && "$@"; rc=$?; '
              'echo "left: $(ls -A "$MOUNT")"; exit $rc')
    first, _, then = options.partition(";")
    command = ["unshare", "-m", "sh", "-c", script, "sh", first, str(mount), then or first,
               *blinrwe_command("run", "study.toml", "--out", mount / "out", *args)]
    return subprocess.run(command, cwd=study, env=environment(MOUNT=str(mount)), capture_output=True, text=True,
                          timeout=300)


@needs_tmpfs
def test_disk_full_is_one_line_and_leaves_nothing(study, tmp_path):
    """A real full disk: a 32 kB tmpfs, too small for the report's files."""
    (study / "study.toml").write_text(CSV_ONLY.format(data="data", output="out").replace(
        'formats = ["csv"]\nfigure_formats = []', 'formats = ["html", "csv"]\nfigure_formats = ["png"]'))
    res = run_on_tmpfs(study, tmp_path / "disk", "size=32k")
    assert_one_line_error(res, f"cannot write the output folder {tmp_path / 'disk' / 'out'}: the disk is full")
    assert res.stdout.strip().endswith("left:")


@needs_tmpfs
def test_read_only_location_is_one_line_and_leaves_nothing(study, tmp_path):
    """A real read-only filesystem: a tmpfs remounted read-only."""
    res = run_on_tmpfs(study, tmp_path / "ro", "size=1m;ro")
    assert_one_line_error(res, f"cannot write the output folder {tmp_path / 'ro' / 'out'}: the location is read-only")
    assert res.stdout.strip().endswith("left:")


def test_out_of_memory_is_one_line_and_leaves_nothing(tmp_path):
    """A real MemoryError: the run's address space is limited to 1.5 GB and the demo asked for 30 M patients."""
    limit = 1536 * 1024 * 1024

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    res = subprocess.run(blinrwe_command("demo", "--n", 30_000_000, "--out", tmp_path / "out"), cwd=tmp_path,
                         env=environment(), capture_output=True, text=True, timeout=300, preexec_fn=limit_memory)
    assert_one_line_error(res, f"out of memory while running the study; nothing was written to {tmp_path / 'out'}")
    assert list(tmp_path.iterdir()) == []


def test_interrupt_inside_the_run_removes_the_partial_folder_and_keeps_the_previous_output(tmp_path):
    target = tmp_path / "out"
    with replacing(target) as tmp:
        (tmp / "results.csv").write_text("previous\n")
    before = snapshot(target)
    for error in (KeyboardInterrupt(), OSError(28, "No space left on device", str(target) + ".x")):
        with pytest.raises((KeyboardInterrupt, OutputFolderError)):
            with replacing(target) as tmp:
                (tmp / "results.csv").write_text("half")
                raise error
        assert snapshot(target) == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_sigterm_handler_is_restored_after_main(tmp_path):
    from blinrwe.app.cli import main

    before = signal.getsignal(signal.SIGTERM)
    assert main(["validate", str(tmp_path / "absent.xlsx")]) == 2
    assert signal.getsignal(signal.SIGTERM) is before


FIGURES = """
[data]
example = "synthetic"
n = 60
seed = 3

[endpoints]
names = ["OS", "CIR"]

[subgroups]
variables = ["disease_setting"]

[cox]
covariates = ["age_at_t0", "disease_setting"]

[report]
formats = ["html", "csv"]
figure_formats = ["png", "svg"]
output = "out"
"""


def _stat(pid) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state, ppid, pgrp, session, ...); None when gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text[text.rindex(")") + 2:].split()


def _alive(pid) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")  # a zombie has ended


def _in_session(session: int) -> set[int]:
    """Live processes of a session: the run started with start_new_session, so all its descendants."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(entry.name)
            if fields is not None and fields[3] == str(session) and fields[0] not in ("Z", "X"):
                pids.add(int(entry.name))
    return pids


def _wait_until(condition, what, bound=120.0):
    import time

    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < bound, f"gave up waiting for {what}"
        time.sleep(0.02)


@pytest.mark.parametrize("how, moment", [
    ("SIGTERM", "analyse"), ("SIGTERM", "figures"), ("Ctrl-C", "figures"), ("SIGKILL", "figures"),
])
def test_a_killed_run_leaves_no_worker_and_no_half_written_output(tmp_path, how, moment):
    """A real ``blinrwe run`` killed at a point chosen by a seeded generator (during the analysis, or while
    the figure workers draw): every process of the run is gone, the previous output is untouched, and
    nothing else is left beside it (after SIGKILL the marked partial folder is removed by the next run).
    Ctrl-C is SIGINT to the run's whole process group, as a terminal sends it."""
    import random
    import threading
    import time

    from blinrwe.app.pipeline import Progress, load_spec, run_study

    rng = random.Random(f"{how}-{moment}")
    (tmp_path / "study.toml").write_text(FIGURES, encoding="utf-8")
    with replacing(tmp_path / "out") as tmp:
        (tmp / "results.csv").write_text("previous run\n")
    before = snapshot(tmp_path / "out")
    run = subprocess.Popen(blinrwe_command("run", "study.toml", quiet=False), cwd=tmp_path,
                           env=environment(), stderr=subprocess.PIPE, text=True, start_new_session=True)
    stderr: list[str] = []
    reader = threading.Thread(target=lambda: stderr.extend(run.stderr), daemon=True)
    reader.start()
    workers: set[int] = set()
    if moment == "analyse":
        _wait_until(lambda: any(line.startswith("[blinrwe] analyse ...") for line in stderr), "the analysis")
        time.sleep(rng.uniform(0.0, 0.5))
    else:
        _wait_until(lambda: workers.update(_in_session(run.pid) - {run.pid}) or workers, "the figure workers")
        deadline = time.monotonic() + rng.uniform(0.1, 1.5)
        while time.monotonic() < deadline:
            workers |= _in_session(run.pid) - {run.pid}
            time.sleep(0.02)
    assert run.poll() is None, "the run ended before it was killed: " + "".join(stderr)
    if how == "Ctrl-C":
        os.killpg(run.pid, signal.SIGINT)
    else:
        os.kill(run.pid, getattr(signal, how))
    returncode = run.wait(timeout=120)
    reader.join(timeout=60)
    _wait_until(lambda: not _in_session(run.pid), "every process of the run to end", bound=30)
    assert not [pid for pid in workers if _alive(pid)]
    text = "".join(stderr)
    assert "Traceback" not in text, text
    assert snapshot(tmp_path / "out") == before
    beside = sorted(p.name for p in tmp_path.iterdir())
    if how == "SIGKILL":
        assert returncode == -signal.SIGKILL
        assert all(name in ("out", "study.toml", ".out.lock") or name.startswith(".out.partial-") for name in beside)
        (tmp_path / "csv.toml").write_text(FIGURES.replace('["html", "csv"]', '["csv"]').replace('["png", "svg"]', "[]"))
        run_study(load_spec(tmp_path / "csv.toml"), progress=Progress(enabled=False))
        assert sorted(p.name for p in tmp_path.iterdir()) == ["csv.toml", "out", "study.toml"]
    else:
        assert returncode == (143 if how == "SIGTERM" else 130)
        word = "terminated" if how == "SIGTERM" else "interrupted"
        assert text.rstrip().endswith(f"blinrwe: {word}; no output folder was written."), text
        assert beside == ["out", "study.toml"]
