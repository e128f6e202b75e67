"""Make a synthetic class: learner folders with exercise files and quiz attempts.

    python bench/synthetic_class.py OUT_DIR [--learners 200] [--seed 0] [--no-quizzes] [--no-endless]

Each learner gets files for exercises 1-5: mostly the worked solution, the
rest a known-buggy or alternative-correct file from tests/submissions, an
untouched stub, or a hostile file (exits, crashes, floods its output, starts a
process, loops forever).  Each learner also takes every quiz once, answering
from an ability drawn per learner, so the report's item analysis has data.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import random
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = {
    1: "ex01_activations",
    2: "ex02_softmax_loss",
    3: "ex03_backward",
    4: "ex04_optimizers",
    5: "ex05_im2col",
}
HOSTILE = {
    "exit": "import sys\nsys.exit(0)\n",
    "os_exit": "import os\nos._exit(3)\n",
    "flood": "for _ in range(20000):\n    print('spam ' * 40)\n",
    "process": "import subprocess\nsubprocess.Popen(['sleep', '30'], start_new_session=True)\n",
    "crash": "import faulthandler\nfaulthandler._sigsegv()\n",
}
ENDLESS = "\n\ndef {name}(*args, **kwargs):\n    while True:\n        pass\n"
FIRST_FUNCTION = {1: "relu", 2: "softmax", 3: "d_relu", 4: "SGD", 5: "im2col"}


def exercise_file(number: int, rng: random.Random) -> str:
    """The text of one learner's file for exercise ``number``.

    The last roll (1 in 200) is a file whose first function loops forever: each
    such file costs a batch its time limits (``ENDLESS`` marks it).
    """
    module = EXERCISES[number]
    solution = (ROOT / "solutions" / f"{module}.py").read_text(encoding="utf-8")
    corpus = sorted((ROOT / "tests" / "submissions" / f"ex{number:02d}").glob("*.py"))
    roll = rng.random()
    if roll < 0.55:
        return solution
    if roll < 0.85 and corpus:
        override = rng.choice(corpus).read_text(encoding="utf-8")
        return solution + "\n\n" + override
    if roll < 0.92:
        return (ROOT / "exercises" / f"{module}.py").read_text(encoding="utf-8")
    if roll < 0.995:
        attack = rng.choice(sorted(HOSTILE))
        return solution + "\n\n" + HOSTILE[attack]
    return solution + ENDLESS.format(name=FIRST_FUNCTION[number])


@functools.cache
def _bank() -> dict:
    """The course's quiz bank, loaded once (a class of 1,000 learners would load it 1,000 times)."""
    import sys

    sys.path.insert(0, str(ROOT))
    from grader.quiz.bank import load_bank

    bank, _errors = load_bank()
    return bank


def quiz_attempts(ability: float, rng: random.Random) -> list[dict]:
    """One first attempt at every quiz, in the format ``grade quiz`` saves."""
    bank = _bank()
    attempts = []
    for (number, lang), quiz in sorted(bank.items()):
        if lang != "en":
            continue
        answers = []
        for index, question in enumerate(quiz.questions):
            difficulty = (zlib.crc32(f"{number}:{question.id}".encode()) % 200) / 100 - 1.0
            correct = rng.random() < 1 / (1 + math.exp(-(ability - difficulty) * 1.7))
            if question.kind == "numeric":
                chosen = question.answer if correct else (question.answer or 1.0) * rng.choice([0.5, 2.0, -1.0])
            else:
                right = [i for i, option in enumerate(question.options) if option.correct]
                wrong = [i for i, option in enumerate(question.options) if not option.correct]
                chosen = right if correct or not wrong else [rng.choice(wrong)]
            answers.append(
                {
                    "id": question.id,
                    "chosen": chosen,
                    "correct": bool(correct),
                    "seconds": round(rng.uniform(8, 90), 1),
                    "index": index,
                }
            )
        attempts.append(
            {
                "quiz": number,
                "slug": quiz.slug,
                "lang": "en",
                "review": False,
                "started": "2026-11-01T10:00:00+09:00",
                "finished": "2026-11-01T10:12:00+09:00",
                "score": sum(a["correct"] for a in answers),
                "max_score": len(answers),
                "questions": [{k: v for k, v in a.items() if k != "index"} for a in answers],
            }
        )
    return attempts


def is_endless(text: str, number: int) -> bool:
    """Whether ``text`` (``exercise_file``'s) is the file of exercise ``number`` that loops forever."""
    return text.endswith(ENDLESS.format(name=FIRST_FUNCTION[number]))


def make_class(out_dir: Path, learners: int = 200, seed: int = 0, quizzes: bool = True, endless: bool = True) -> Path:
    """Write ``learners`` learner folders into ``out_dir``; return it.

    With ``endless`` false, the files that would loop forever are left out (no
    submission for that exercise) and every other file is the same as with it.
    """
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for index in range(learners):
        folder = out_dir / f"learner{index:04d}"
        folder.mkdir(exist_ok=True)
        for number, module in EXERCISES.items():
            text = exercise_file(number, rng)
            if endless or not is_endless(text, number):
                (folder / f"{module}.py").write_text(text, encoding="utf-8")
        if quizzes:
            attempts_dir = folder / ".grade" / "quiz-attempts"
            attempts_dir.mkdir(parents=True, exist_ok=True)
            for attempt in quiz_attempts(rng.gauss(0.3, 1.0), rng):
                name = f"{attempt['quiz']:02d}-en-20261101T100000000000.json"
                (attempts_dir / name).write_text(json.dumps(attempt), encoding="utf-8")
    return out_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-quizzes", action="store_true")
    parser.add_argument("--no-endless", action="store_true", help="leave out the files that would loop forever")
    args = parser.parse_args()
    make_class(args.out_dir, args.learners, args.seed, quizzes=not args.no_quizzes, endless=not args.no_endless)
    print(f"wrote {args.learners} learners to {args.out_dir}")


if __name__ == "__main__":
    main()
