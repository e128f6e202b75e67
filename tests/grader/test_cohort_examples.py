"""docs/instructors/examples: the Slurm, Kubernetes and GitHub Actions examples run the shards they say.

Each example's own shell command is run with a stand-in ``grade`` that records
its arguments; the arguments recorded are then given to the real ``grade``
(in-process, on a class without exercise files, so nothing is graded) and the
gradebooks merged with the example's own merge command.  The YAML files are
parsed with PyYAML when it is installed, else checked for what breaks YAML most
often (tabs, odd indentation).
"""

from __future__ import annotations

import fnmatch
import re
import shlex
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.classroom.gradebook import Gradebook
from grader.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "instructors" / "examples"
SLURM = EXAMPLES / "slurm-array.sh"
K8S = EXAMPLES / "k8s-indexed-job.yaml"
ACTIONS = EXAMPLES / "github-actions-shards.yml"


@pytest.fixture
def recorder(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose ``grade`` writes its arguments, one per line, to a file per call."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    calls.mkdir()
    fake = bin_dir / "grade"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "$(mktemp {calls}/call.XXXXXX)"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    return env, calls


def recorded(calls: Path) -> list[list[str]]:
    found = [path.read_text().splitlines() for path in sorted(calls.iterdir())]
    for path in calls.iterdir():
        path.unlink()
    return found


def small_class(folder: Path, names: list[str]) -> Path:
    for name in names:
        (folder / name).mkdir(parents=True)
        (folder / name / "notes.txt").write_text("not an exercise")  # recorded as a problem: nothing to grade
    return folder


def run_real(arguments: list[str]) -> None:
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, (arguments, result.output)


def check_yaml(path: Path) -> list:
    """The documents of ``path``: parsed by PyYAML when installed, else checked for tabs and odd indentation."""
    text = path.read_text()
    try:
        import yaml
    except ImportError:
        yaml = None
    if yaml is not None:
        return [document for document in yaml.safe_load_all(text) if document is not None]
    for number, line in enumerate(text.splitlines(), start=1):
        assert "\t" not in line, f"{path.name}:{number}: a tab (YAML indents with spaces)"
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0 or line.lstrip().startswith("#"), f"{path.name}:{number}: odd indentation"
        assert line.count("{") == line.count("}"), f"{path.name}:{number}: unbalanced braces"
        assert line.count("[") == line.count("]"), f"{path.name}:{number}: unbalanced brackets"
    return []


def folded(text: str, after: str) -> str:
    """The folded block scalar (``>-``) that follows the line holding ``after``: its lines joined by spaces."""
    lines = text.splitlines()
    start = next(index for index, line in enumerate(lines) if after in line)
    block = lines[start + 1 :]
    indent = len(block[0]) - len(block[0].lstrip())
    taken = []
    for line in block:
        if line.strip() and len(line) - len(line.lstrip()) < indent:
            break
        taken.append(line.strip())
    return " ".join(taken).strip()


def test_slurm_script_is_valid_bash():
    subprocess.run(["bash", "-n", str(SLURM)], check=True)


def test_slurm_array_grades_each_shard_and_the_merge_combines_them(tmp_path, recorder):
    env, calls = recorder
    names = [f"learner-{index}" for index in range(9)]
    class_dir = small_class(tmp_path / "class", names)
    out = tmp_path / "shards"
    for task in (1, 2, 3):
        subprocess.run(
            ["bash", str(SLURM)],
            env={
                **env,
                "SHARDS": "3",
                "CLASS_DIR": str(class_dir),
                "OUT_DIR": str(out),
                "SLURM_ARRAY_TASK_ID": str(task),
            },
            check=True,
            cwd=tmp_path,
        )
        (arguments,) = recorded(calls)
        assert arguments[:4] == ["batch", str(class_dir), "--shard", f"{task}/3"]
        run_real(arguments)
    # the merge line of the script's header, with its array id filled in
    merge = re.search(r"'(grade merge [^']+)'", SLURM.read_text()).group(1)
    merge = merge.replace("/shared/gradebook.sqlite", str(tmp_path / "gradebook.sqlite"))
    merge = merge.replace("/shared/shards/", f"{out}/").replace("-of-8", "-of-3")
    pattern = shlex.split(merge)[3]
    shards = sorted(str(path) for path in out.iterdir() if fnmatch.fnmatch(str(path), pattern))
    assert len(shards) == 3
    run_real(["merge", shlex.split(merge)[2], *shards])
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        assert book.learners() == sorted(names)


def test_slurm_script_without_an_array_id_says_how_to_submit(tmp_path, recorder):
    env, calls = recorder
    done = subprocess.run(["bash", str(SLURM)], env=env, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode != 0
    assert "sbatch --array=1-8" in done.stderr
    assert recorded(calls) == []


def test_k8s_indexed_job_runs_shards_1_to_n(tmp_path, recorder):
    env, calls = recorder
    documents = check_yaml(K8S)
    text = K8S.read_text()
    completions = int(re.search(r"completions: (\d+)", text).group(1))
    shards = int(re.search(r'name: SHARDS\s+value: "(\d+)"', text).group(1))
    assert completions == shards == 8
    if documents:
        job = documents[0]
        assert job["spec"]["completionMode"] == "Indexed"
        assert job["spec"]["completions"] == completions
        assert [document["metadata"]["labels"]["step"] for document in documents] == ["grade", "merge"]
    command = folded(text, "args:").lstrip("- >").strip().replace("/data", str(tmp_path / "data"))
    written = []
    for index in range(completions):
        subprocess.run(
            ["sh", "-c", command], env={**env, "JOB_COMPLETION_INDEX": str(index), "SHARDS": "8"}, check=True
        )
        (arguments,) = recorded(calls)
        assert arguments[arguments.index("--shard") + 1] == f"{index + 1}/8"
        written.append(arguments[arguments.index("--db") + 1])
    merge = folded(text.split("name: grade-merge")[1], "args:").lstrip("- >").strip()
    pattern = shlex.split(merge.replace("/data", str(tmp_path / "data")))[3]
    assert all(fnmatch.fnmatch(path, pattern) for path in written)
    assert len(set(written)) == completions


def test_github_actions_matrix_grades_each_shard_and_merges_the_artifacts(tmp_path, monkeypatch):
    check_yaml(ACTIONS)
    text = ACTIONS.read_text()
    count = int(re.search(r"^  SHARDS: (\d+)", text, re.MULTILINE).group(1))
    matrix = [int(number) for number in re.search(r"shard: \[([\d, ]+)\]", text).group(1).split(",")]
    assert matrix == list(range(1, count + 1))
    batch = folded(text, "name: grade shard")
    batch = batch.removeprefix("run: >-").strip()
    upload = re.search(r"path: (shard-.+)$", text, re.MULTILINE).group(1).strip()
    names = re.search(r"name: (gradebook-shard-.+)$", text, re.MULTILINE).group(1).strip()
    download = re.search(r"pattern: (\S+)", text).group(1)
    merge = re.search(r"run: (grade merge .+)", text).group(1)
    class_dir = small_class(tmp_path / "class", [f"learner-{index}" for index in range(6)])
    monkeypatch.chdir(tmp_path)
    files = []
    for shard in matrix:

        def filled(template: str, shard: int = shard) -> str:
            return template.replace("${{ matrix.shard }}", str(shard)).replace("${{ env.SHARDS }}", str(count))

        arguments = shlex.split(filled(batch))
        assert arguments[:3] == ["grade", "batch", "class"]
        run_real([arguments[1], str(class_dir), *arguments[3:]])
        assert Path(filled(upload)).is_file()
        assert fnmatch.fnmatch(filled(names), download)
        files.append(filled(upload))
    merge_arguments = shlex.split(merge.replace("${{ env.SHARDS }}", str(count)))
    assert sorted(files) == sorted(str(path) for path in Path().glob(merge_arguments[3]))
    run_real(["merge", merge_arguments[2], *sorted(files)])
    with Gradebook(tmp_path / merge_arguments[2]) as book:
        assert len(book.learners()) == 6
