"""Time grade similarity on a synthetic class; print the figures.

    python bench/bench_similarity.py [--learners 1000] [--seed 0]

The class is bench/synthetic_class.py's (exercises 1-5: mostly the worked
solution, the rest known-buggy, alternative-correct, stub and hostile files),
so most files of an exercise are one version and the rest share the
solution's lines: the case an all-pairs comparison handles worst.  With
--distinct every file ends in a comment of its own, so no two files are read
as one (files with the same bytes are fingerprinted once).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from synthetic_class import make_class  # noqa: E402

from grader.classroom.similarity import compare, read_class, terminal_lines  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--distinct", action="store_true", help="end every file with a comment of its own: no two files are the same"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-similarity-") as scratch:
        folder = make_class(Path(scratch), learners=options.learners, seed=options.seed, quizzes=False)
        if options.distinct:
            for number, path in enumerate(sorted(folder.glob("*/ex*.py"))):
                with path.open("a", encoding="utf-8") as file:
                    file.write(f"\n# file {number}\n")
        started = time.perf_counter()
        documents, problems = read_class(folder)
        read = time.perf_counter() - started
        result = compare(documents)
        compared = time.perf_counter() - started - read
    fingerprints = sum(len(document.fingerprints) for document in documents)
    print(
        f"{options.learners} learners, {len(documents)} files, {fingerprints} fingerprints: "
        f"read and fingerprinted in {read:.2f} s, compared in {compared:.2f} s; "
        f"{len(result.pairs)} pairs, {len(result.clusters)} clusters, {len(problems)} problems"
    )
    for line in terminal_lines(result, "en", width=60)[:8]:
        print(line)


if __name__ == "__main__":
    main()
