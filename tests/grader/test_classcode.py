"""The code of dataclasses' methods a grading server keeps for the next (grader.classcode).

``install`` changes the ``dataclasses`` module of the process it runs in: each
unit test runs it in a fresh interpreter of its own.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from test_server import grade, graded_again_by_a_new_server, make_workspace, status

from grader import classcode, launch

ROOT = Path(__file__).resolve().parents[2]

# a module as the grader's own: frozen records, defaults, a factory, a class variable, a method of its own;
# no ``from __future__ import annotations`` here, while the process that installs has it
RECORDS = """
import dataclasses
from typing import ClassVar


@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    y: float = 0.5
    tags: tuple = ()
    kind: ClassVar[str] = "point"

    def norm(self) -> float:
        return abs(self.x) + abs(self.y)


@dataclasses.dataclass
class Bag:
    items: list = dataclasses.field(default_factory=list)
    name: str = "bag"
"""

# what a process sees of those classes; installs first when given a path
FACTS = """
from __future__ import annotations

import dataclasses
import json
import sys

if len(sys.argv) > 2:
    from grader import classcode

    classcode.install(sys.argv[2])
sys.path.insert(0, sys.argv[1])
import records


# code constants as comparable text: a frozenset's order is its strings' hashes', which differ by process
def constants(values):
    return [
        sorted(map(repr, value)) if isinstance(value, frozenset)
        else constants(value) if isinstance(value, tuple)
        else repr(value)
        for value in values
    ]


facts = {}
for cls in (records.Point, records.Bag):
    for name in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__"):
        method = cls.__dict__.get(name)
        code = getattr(method, "__code__", None)
        facts[f"{cls.__name__}.{name}"] = None if code is None else [
            code.co_code.hex(),
            constants(code.co_consts),
            code.co_names,
            code.co_varnames,
            code.co_filename,
            code.co_flags,
            {key: repr(value) for key, value in method.__annotations__.items()},
        ]
point = records.Point(3, tags=("a",))
try:
    point.x = 4
    frozen = False
except dataclasses.FrozenInstanceError:
    frozen = True
facts["behaviour"] = [
    repr(point),
    point == records.Point(3, 0.5, ("a",)),
    hash(point) == hash(records.Point(3, 0.5, ("a",))),
    frozen,
    point.norm(),
    repr(records.Bag()),
    records.Bag() == records.Bag(),
    records.Bag().items is not records.Bag().items,
    [field.name for field in dataclasses.fields(records.Point)],
]
if len(sys.argv) > 2:
    facts["counts"] = classcode.counts()
    facts["saved"] = classcode.save()
print(json.dumps(facts))
"""


def _script(folder: Path, modules: dict[str, str], script: str, *args: str) -> dict:
    """What the module ``script`` of ``modules`` (each written into ``folder``) printed as JSON, run with ``args``."""
    for name, text in modules.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(text), encoding="utf-8")
    command = [sys.executable, str(folder / f"{script}.py"), *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _facts(tmp_path: Path, kept: Path | None = None) -> dict:
    return _script(
        tmp_path, {"records": RECORDS, "facts": FACTS}, "facts", str(tmp_path), *([str(kept)] if kept else [])
    )


def test_classes_made_with_kept_code_are_the_classes_made_without(tmp_path):
    kept = tmp_path / classcode.file_name()
    plain = _facts(tmp_path)
    first = _facts(tmp_path, kept)  # compiles, and keeps
    assert first.pop("counts") == {"kept": 0, "compiled": 9}
    assert first.pop("saved") is True
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".part")] == []
    written = kept.stat().st_mtime_ns
    second = _facts(tmp_path, kept)  # compiles nothing: all of it was kept
    assert second.pop("counts") == {"kept": 9, "compiled": 0}
    assert second.pop("saved") is False
    assert kept.stat().st_mtime_ns == written
    # the same bytecode, constants, names, file name, flags and annotations (objects, not the strings the
    # installing process's __future__ import would make), and the same behaviour
    assert first == plain
    assert second == plain
    assert plain["Point.__init__"][6] == {"x": "<class 'int'>", "y": "<class 'float'>", "tags": "<class 'tuple'>",
                                          "return": "None"}  # fmt: skip


def test_a_damaged_foreign_or_shared_file_is_not_run_and_is_replaced(tmp_path):
    kept = tmp_path / classcode.file_name()
    _facts(tmp_path, kept)
    good = kept.read_bytes()
    head = classcode.MAGIC + classcode._magic()
    for bad in (
        b"",
        good[: len(good) // 2],  # cut short
        b"another file\n" + good[len(classcode.MAGIC) :],
        classcode.MAGIC + b"\x00\x00\r\n" + good[len(head) :],  # another Python's bytecode
        head + b"\xff\xfe",
        head + __import__("marshal").dumps(["not", "a", "dict"]),
    ):
        kept.write_bytes(bad)
        facts = _facts(tmp_path, kept)
        assert facts["counts"] == {"kept": 0, "compiled": 9}
        assert classcode._read(str(kept)) == classcode._parse(good)  # written whole again
    kept.chmod(0o666)  # writable by others: whatever it holds is not run
    facts = _facts(tmp_path, kept)
    assert facts["counts"] == {"kept": 0, "compiled": 9}
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_the_grading_server_keeps_its_class_code_for_the_next_server(runtime, tmp_path):
    workspace = make_workspace(tmp_path / "ws")
    first = grade("exercise", "1", cwd=workspace)
    assert first.returncode == 0, first.stderr
    log = Path(launch.log_path(str(runtime / "dlgrade"), str(workspace.resolve())))
    deadline = time.monotonic() + 30
    while "class code:" not in log.read_text(encoding="utf-8") and time.monotonic() < deadline:
        time.sleep(0.05)  # no request meanwhile: the server does its idle work (every exercise's checks) first
    served = status(runtime, workspace)
    assert served is not None
    assert served["class_code"]["kept"] == 0
    compiled = served["class_code"]["compiled"]
    assert compiled > 100  # the grader's own classes, written once the first grading was answered
    kept = Path(str(served["socket"])[: -len(".sock")] + "." + classcode.file_name())
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert len(classcode._read(str(kept))) == compiled
    restarted = graded_again_by_a_new_server(runtime, workspace, served, first, "exercise", "1")
    # its first grading defined its classes from the kept code (and its idle work goes on defining the rest)
    assert restarted["class_code"]["compiled"] == 0
    assert restarted["class_code"]["kept"] > 100
    # only the first server wrote the file (the second compiled nothing to add)
    written = [line for line in log.read_text(encoding="utf-8").splitlines() if "class code:" in line]
    assert written == [written[0]]
    assert f"class code: 0 methods' code kept from the last server, {compiled} compiled" in written[0]


# a process that installs for ``mode``: "server" (a grading server's own file), "merge" (a file the commands
# run in their own processes share), "small" (merge, with a merged file's limit of argv[5] bytes)
SHARED = """
import json
import sys

from grader import classcode

path, folder, module, mode = sys.argv[1:5]
classcode.install(path, merge=mode != "server")
if mode == "small":
    classcode.MERGE_LIMIT_BYTES = int(sys.argv[5])
sys.path.insert(0, folder)
__import__(module)
print(json.dumps({"counts": classcode.counts(), "saved": classcode.save()}))
"""

OTHERS = """
import dataclasses


@dataclasses.dataclass
class Other:
    label: str
"""

THIRD = """
import dataclasses


@dataclasses.dataclass
class Third:
    first: int
    second: int = 2
"""


def _shared(tmp_path: Path, kept: Path, module: str, mode: str, limit: int = 0) -> dict:
    modules = {"records": RECORDS, "others": OTHERS, "third": THIRD, "shared": SHARED}
    return _script(tmp_path, modules, "shared", str(kept), str(tmp_path), module, mode, str(limit))


def test_commands_that_share_a_file_add_their_classes_to_it_and_a_server_keeps_only_its_own(tmp_path):
    kept = tmp_path / classcode.file_name()
    assert _shared(tmp_path, kept, "records", "merge") == {"counts": {"kept": 0, "compiled": 9}, "saved": True}
    records = classcode._read(str(kept))
    assert len(records) == 9
    # another command, with a class of its own: it compiles only that, and the file keeps both
    assert _shared(tmp_path, kept, "others", "merge") == {"counts": {"kept": 0, "compiled": 3}, "saved": True}
    both = classcode._read(str(kept))
    assert len(both) == 12
    assert set(records) < set(both)
    # the first command again: all of it kept, nothing written
    written = kept.stat().st_mtime_ns
    assert _shared(tmp_path, kept, "records", "merge") == {"counts": {"kept": 9, "compiled": 0}, "saved": False}
    assert kept.stat().st_mtime_ns == written
    # at the size limit, what this process did not use gives way (a file of older graders' classes)
    limit = kept.stat().st_size
    assert _shared(tmp_path, kept, "third", "small", limit) == {"counts": {"kept": 0, "compiled": 3}, "saved": True}
    third = classcode._read(str(kept))
    assert len(third) == 3
    assert not set(third) & set(both)
    # a grading server's file holds the classes that server defined, and only those
    assert _shared(tmp_path, kept, "records", "server") == {"counts": {"kept": 0, "compiled": 9}, "saved": True}
    assert set(classcode._read(str(kept))) == set(records)


def _in_own_process(runtime: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``grade ARGS --no-server`` as the real command runs it (``grader.launch.run``), in runtime folder ``runtime``."""
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "GRADE_LANG": "en"}
    return grade(*args, "--no-server", cwd=cwd, env=env)


def test_a_command_run_in_its_own_process_keeps_its_class_code_for_the_next_one(tmp_path):
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    kept = runtime / "dlgrade" / classcode.file_name()
    exercise_1 = ("exercise", "1", "--file", str(ROOT / "solutions" / "ex01_activations.py"))
    first = _in_own_process(runtime, *exercise_1, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    texts = set(classcode._read(str(kept)))
    assert len(texts) > 100  # the grader's own classes, written as the command ended
    written = kept.stat().st_mtime_ns
    again = _in_own_process(runtime, *exercise_1, cwd=tmp_path)
    assert (again.returncode, again.stdout, again.stderr) == (first.returncode, first.stdout, first.stderr)
    assert kept.stat().st_mtime_ns == written  # all of it was kept: nothing compiled, nothing written
    # another command defines classes of its own: they are added, and the first command's stay
    layers = _in_own_process(
        runtime, "exercise", "7", "--file", str(ROOT / "solutions" / "ex07_layers.py"), cwd=tmp_path
    )
    assert layers.returncode == 0, layers.stderr
    assert texts < set(classcode._read(str(kept)))
    written = kept.stat().st_mtime_ns
    assert _in_own_process(runtime, *exercise_1, cwd=tmp_path).stdout == first.stdout
    assert kept.stat().st_mtime_ns == written


def test_a_submission_graded_in_the_command_s_process_can_not_reach_its_kept_class_code(tmp_path):
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    folder = runtime / "dlgrade"
    kept = folder / classcode.file_name()
    solution = ROOT / "solutions" / "ex01_activations.py"
    assert _in_own_process(runtime, "exercise", "1", "--file", str(solution), cwd=tmp_path).returncode == 0
    before = kept.read_bytes()
    learner = tmp_path / "learner" / "ex01_activations.py"
    learner.parent.mkdir()
    learner.write_text(
        solution.read_text(encoding="utf-8")
        + textwrap.dedent(
            f"""

            _relu = relu


            def relu(x):
                import os

                reached = []
                for look in (
                    lambda: os.listdir({str(folder)!r}),
                    lambda: open({str(kept)!r}, "rb").read(1 << 16),
                    lambda: open({str(kept)!r}, "ab").write(b"x"),
                    lambda: os.rename({str(kept)!r}, {str(kept)!r} + ".x"),
                    lambda: open({str(folder / "new.marshal")!r}, "wb").write(b"x"),
                ):
                    try:
                        look()
                        reached.append(1)
                    except OSError:
                        reached.append(0)
                print("REACHED", reached, flush=True)
                return _relu(x)
            """
        ),
        encoding="utf-8",
    )
    graded = _in_own_process(
        runtime, "exercise", "1", "--file", str(learner), "--format", "json", "--show-output", cwd=tmp_path
    )
    assert graded.returncode == 0, graded.stderr
    printed = [check["stdout"] for check in json.loads(graded.stdout)["checks"] if "REACHED" in check["stdout"]]
    assert printed, graded.stdout
    assert {line for out in printed for line in out.splitlines() if line.startswith("REACHED")} == {
        "REACHED [0, 0, 0, 0, 0]"
    }
    assert kept.read_bytes() == before
    assert sorted(path.name for path in folder.iterdir()) == [classcode.file_name()]
