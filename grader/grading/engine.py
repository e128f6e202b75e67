"""Grade one exercise: build its checks, run their probes in the sandbox, judge.

Data flows one way: the CLI calls ``grade_exercise``, which asks the exercise's
check module (``grader.checks.exNN_*``) for its checks, hands their probes to a
``Sandbox`` and turns each ``ProbeRun`` into a ``CheckResult``.  Verdicts are
computed here, in the grader's process, from arrays the sandbox brought back.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from grader.errors import OutputError, UsageError
from grader.grading.hints import hint_ladders, with_first_hint
from grader.grading.progress import DONE, CheckEvent, ProgressListener, check_events
from grader.grading.results import Blocker, CheckResult, ExerciseResult, ImportFailure, Status, Verdict
from grader.sandbox.client import (
    DEFAULT_MEMORY_BYTES,
    RESULT_LIMIT_BYTES,
    TAMPERED,
    Probe,
    ProbeRun,
    Sandbox,
    SandboxPool,
    learner_files,
)
from grader.sandbox.plans import PlanStore
from grader.text import Text, plain


@dataclass(frozen=True)
class Check:
    """One named, pointed test of one function or class.

    Parameters
    ----------
    name : str
        Starts with the function or class it checks and says what it checks:
        ``softmax: rows sum to 1 for a (4, 7) batch``.  Stable: gradebooks key on it.
    name_ja : str
        The same in Japanese.
    probe : Probe
        What to run in the sandbox.
    verify : callable
        ``verify(run)`` returns the ``Verdict``.  Runs in the grader.
    hint : Text, optional
        The likely misconception when the check fails.
    context : str or Text, optional
        The input that exposes the bug, e.g. ``x: (2, 3, 5, 5), filter 3x3, pad 1``.
    points : float
        What the check is worth.
    error_hint : Text or callable, optional
        The hint when the learner's code raises an exception in this check
        (default: one chosen by the kind of exception); a callable
        ``error_hint(exception, message)`` picks it from the exception's class
        name and message, or returns None for the default.
    error_diagnosis : callable, optional
        ``error_diagnosis(run)`` for a run that raised: a hint read from what
        the probe saved before the exception (e.g. ``Probe.attempt`` of the same
        function with its arguments swapped), or None; it comes before ``error_hint``.
    """

    name: str
    name_ja: str
    probe: Probe
    verify: Callable[[ProbeRun], Verdict]
    hint: Text | None = None
    context: str | Text = ""
    points: float = 1.0
    error_hint: Text | Callable[[str, str], Text | None] | None = None
    error_diagnosis: Callable[[ProbeRun], Text | None] | None = None

    @property
    def target(self) -> str:
        """The function or class the check is about."""
        return self.name.split(":", 1)[0].strip()


@dataclass(frozen=True)
class Exercise:
    """An exercise of the contract and where its checks live."""

    number: int
    module: str
    title: Text
    timeout: float = 5.0

    @property
    def checks_module(self) -> str:
        """Dotted name of the module that builds this exercise's checks."""
        return f"grader.checks.{self.module}"

    def build_checks(self) -> list[Check]:
        """Import the check module and build the checks (inputs and expected values)."""
        module = importlib.import_module(self.checks_module)
        return list(module.build_checks())


EXERCISES: dict[int, Exercise] = {
    exercise.number: exercise
    for exercise in (
        Exercise(1, "ex01_activations", Text("Activation functions and a forward pass", "活性化関数と順伝播")),
        Exercise(2, "ex02_softmax_loss", Text("Output layer and losses", "出力層と損失関数")),
        Exercise(3, "ex03_backward", Text("Derivatives and backpropagation", "微分と誤差逆伝播法")),
        Exercise(4, "ex04_optimizers", Text("Parameter updates (optimizers)", "パラメータの更新(最適化手法)")),
        Exercise(5, "ex05_im2col", Text("Convolution as matrix product (im2col)", "im2col による畳み込みの行列演算")),
        Exercise(6, "ex06_numerical_gradient", Text("Numerical differentiation", "数値微分")),
        Exercise(7, "ex07_layers", Text("Layers with forward and backward", "順伝播と逆伝播をもつレイヤ")),
        Exercise(8, "ex08_conv_pool", Text("Convolution and pooling layers", "畳み込み層とプーリング層")),
        Exercise(
            9,
            "ex09_init_regularization",
            Text("Initialisation and weight decay", "重みの初期値と正則化(荷重減衰)"),
        ),
        Exercise(
            10, "ex10_train", Text("Completion assignment: train on Iris", "修了課題: Iris データで学習"), timeout=60.0
        ),
        Exercise(11, "ex11_rnn", Text("Recurrent networks and BPTT", "RNN と BPTT(通時的逆伝播)")),
        Exercise(12, "ex12_lstm_gru", Text("Gated cells: LSTM and GRU", "ゲート付きのセル: LSTM と GRU")),
        Exercise(
            13,
            "ex13_attention",
            Text("Attention and a Transformer encoder block", "注意機構と Transformer のエンコーダブロック"),
        ),
        Exercise(
            14,
            "ex14_word2vec",
            Text("word2vec: Embedding and negative sampling", "word2vec: Embedding レイヤと Negative Sampling"),
        ),
    )
}


def get_exercise(number: int) -> Exercise:
    """Return exercise ``number`` or raise a ``UsageError`` that lists the valid ones."""
    if number not in EXERCISES:
        valid = ", ".join(str(n) for n in sorted(EXERCISES))
        raise UsageError(
            f"there is no exercise {number}; the exercises are {valid} (see: grade list)",
            f"課題 {number} はありません。課題は {valid} です(一覧: grade list)",
        )
    return EXERCISES[number]


def importable_files(number: int, submission: Path, import_folders: Sequence[Path] = ()) -> dict[str, Path]:
    """The learner's files ``submission`` can import when graded as exercise ``number``, by module name.

    What the sandbox copies beside it (``learner_files``): the ``exNN_*.py``
    files of its folder, then of ``import_folders``; the exercise's own module
    name is the submission itself there, so it names no other file.
    """
    own = f"{get_exercise(number).module}.py"
    folders = [Path(submission).parent, *import_folders]
    return {
        name.removesuffix(".py"): file
        for name, file in learner_files(folders, skip=Path(submission)).items()
        if name != own
    }


SIGNATURE_HINT = Text(
    "the call did not match your definition: names, order and defaults of the arguments are "
    "fixed by the exercise (see the docstring of the stub)",
    "呼び出しが定義と合いません。引数の名前・順序・既定値は課題で決まっています(スタブの docstring を参照)",
)
SHAPE_HINT = Text(
    "the last lines name the line of your file that failed; print the shapes of the arrays "
    "there and compare them with the docstring's",
    "最後の行に失敗した行が出ています。そこでの配列の形状を print して docstring と比べてください",
)
GENERAL_ERROR_HINT = Text(
    "the last lines name the line of your file that failed and why",
    "最後の行に、失敗した行とその原因が出ています",
)


SANDBOX_LIMITS_HINT = Text(
    "while it is graded, your code may read NumPy, the standard library and your exercise files, "
    "and nothing more: it may not write files, start threads, processes or programs, or open network connections",
    "採点中のコードが使えるのは NumPy・標準ライブラリ・自分の課題ファイルの読み取りだけです。"
    "ファイルの書き込み、スレッド・プロセス・プログラムの起動、ネットワーク接続はできません",
)


def _exception_hint(exception: str, message: str) -> Text:
    """A hint chosen by what kind of exception the learner's code raised."""
    last = message.strip().splitlines()[-1] if message.strip() else ""
    if exception == "PermissionError" or any(
        words in last for words in ("Operation not permitted", "can't start new thread")
    ):
        return SANDBOX_LIMITS_HINT
    if exception == "TypeError" and ("argument" in last or "positional" in last):
        return SIGNATURE_HINT
    if exception in ("ValueError", "IndexError", "AxisError") and any(
        word in last for word in ("shape", "broadcast", "reshape", "axis", "index", "dimension")
    ):
        return SHAPE_HINT
    return GENERAL_ERROR_HINT


@dataclass(frozen=True)
class Abnormal:
    """How a probe that did not finish normally is reported: status, lines, hint."""

    status: Status
    lines: tuple[Text, ...]
    hint: Text | None = None


def _not_implemented(run: ProbeRun, timeout: float, module: str) -> Abnormal:
    earlier = re.match(r"ex(\d\d)_\w+\.py$", run.source)
    if earlier and module and run.source != f"{module}.py":
        number = int(earlier.group(1))
        return Abnormal(
            Status.FAILED,
            (
                Text(
                    f"{run.message} from your {run.source} still raises NotImplementedError",
                    f"{run.source} の {run.message} がまだ NotImplementedError を送出します",
                ),
            ),
            Text(
                f"this exercise builds on exercise {number}: finish it first (grade exercise {number})",
                f"この課題は課題 {number} を使います。先に課題 {number} を完成させてください(grade exercise {number})",
            ),
        )
    where = run.message or "this function"
    return Abnormal(
        Status.NOT_ATTEMPTED,
        (
            Text(
                f"not attempted: {where} raises NotImplementedError",
                f"未着手: {where} が NotImplementedError を送出します",
            ),
        ),
    )


def _missing(run: ProbeRun, timeout: float, module: str) -> Abnormal:
    return Abnormal(
        Status.FAILED,
        (Text(f"your file defines no `{run.message}`", f"ファイルに `{run.message}` が定義されていません"),),
        Text(
            "check the spelling: names are fixed by the exercise",
            "名前の綴りを確認してください(名前は課題で決まっています)",
        ),
    )


def _import_error(run: ProbeRun, timeout: float, module: str) -> Abnormal:
    return Abnormal(
        Status.FAILED,
        (Text("your file could not be imported:", "ファイルを読み込めませんでした:"), plain(run.message)),
        Text(
            "run `python yourfile.py` to see the error; only NumPy, the standard library "
            "and your own exercise files can be imported",
            "`python ファイル名.py` で確認してください。"
            "import できるのは NumPy・標準ライブラリ・自分の課題ファイルだけです",
        ),
    )


def _error(run: ProbeRun, timeout: float, module: str) -> Abnormal:
    return Abnormal(
        Status.FAILED,
        (Text("your code raised an exception:", "コードが例外を送出しました:"), plain(run.message)),
        _exception_hint(run.exception, run.message),
    )


def _timeout(run: ProbeRun, timeout: float, module: str) -> Abnormal:
    used = run.limit if run.limit is not None else timeout
    limit = f"{used:g}"
    # the learner's function that ran out of time (cut short: the one that hung before; else the one the
    # worker said was running) and the learner's function that called it, when the worker said
    name, caller = (run.hung_function if used < timeout else run.running_function), run.called_from
    if name and caller:
        lines = [
            Text(
                f"{name} did not finish within {limit} s when called from {caller}",
                f"{caller} から呼び出された {name} が {limit} 秒以内に終わりませんでした",
            )
        ]
    else:
        lines = [Text(f"did not finish within {limit} s", f"{limit} 秒以内に終わりませんでした")]
    if used < timeout and run.hung_function and caller:
        lines.append(
            Text(
                f"(an earlier call of {name} did not finish within {timeout:g} s, so this check was given {limit} s)",
                f"(先に {name} の呼び出しが {timeout:g} 秒以内に終わらなかったため、"
                f"このチェックは {limit} 秒で打ち切りました)",
            )
        )
    elif used < timeout and run.hung_function:
        lines.append(
            Text(
                f"(an earlier call of {name} did not finish within {timeout:g} s, and this check calls {name} "
                f"too, so it was given {limit} s)",
                f"(先に {name} の呼び出しが {timeout:g} 秒以内に終わらず、このチェックも {name} を呼び出すため、"
                f"{limit} 秒で打ち切りました)",
            )
        )
    elif used < timeout:
        lines.append(
            Text(
                f"(an earlier call of the same function did not finish within {timeout:g} s, "
                f"so this one was given {limit} s)",
                f"(同じ関数の先の呼び出しが {timeout:g} 秒以内に終わらなかったため、"
                f"この呼び出しは {limit} 秒で打ち切りました)",
            )
        )
    return Abnormal(
        Status.FAILED,
        tuple(lines),
        Text(
            "look for an endless loop, or a Python loop over every element where NumPy could do it at once",
            "無限ループや、NumPy で一度に計算できる処理の要素ごとの Python ループがないか確認してください",
        ),
    )


def _memory(run: ProbeRun, timeout: float, module: str) -> Abnormal:
    return Abnormal(
        Status.FAILED,
        (Text("ran out of memory", "メモリ不足になりました"),),
        Text("an array far larger than needed is being built", "必要以上に大きな配列を作っていないか確認してください"),
    )


def _tampered(run: ProbeRun, timeout: float, module: str) -> Abnormal:
    return Abnormal(
        Status.FAILED,
        (TAMPERED,),
        Text(
            "return the answer from your function; the files and pipes the grader reads are not yours to write",
            "答えは関数の戻り値として返してください。採点側が読むファイルやパイプに書き込んではいけません",
        ),
    )


def _too_large(run: ProbeRun, timeout: float, module: str) -> Abnormal:
    megabytes = RESULT_LIMIT_BYTES // 2**20
    return Abnormal(
        Status.FAILED,
        (
            Text(
                f"your code sent back more data than the grader reads for one check ({megabytes} MB)",
                f"1 つのチェックで採点側が読み取る上限({megabytes} MB)を超えるデータが返されました",
            ),
        ),
        Text(
            "compare the shape of what you return with the docstring's: "
            "an array far larger than expected is being built",
            "返す配列の形状を docstring と比べてください。想定よりはるかに大きな配列を作っています",
        ),
    )


def _crashed(run: ProbeRun, timeout: float, module: str) -> Abnormal:
    return Abnormal(
        Status.FAILED, (Text(f"the process crashed ({run.message})", f"プロセスが異常終了しました({run.message})"),)
    )


def _exited(run: ProbeRun, timeout: float, module: str) -> Abnormal:
    return Abnormal(
        Status.FAILED,
        (
            Text(
                "your code ended the process (sys.exit / os._exit?)",
                "コードがプロセスを終了させました(sys.exit / os._exit?)",
            ),
        ),
        Text("return a value instead of exiting", "終了せずに値を return してください"),
    )


# how each way a probe can end other than normally is reported (ProbeRun.status -> report)
ABNORMAL: dict[str, Callable[[ProbeRun, float, str], Abnormal]] = {
    "not_implemented": _not_implemented,
    "missing": _missing,
    "import_error": _import_error,
    "error": _error,
    "timeout": _timeout,
    "memory": _memory,
    "tampered": _tampered,
    "too_large": _too_large,
    "crashed": _crashed,
    "exited": _exited,
}


def abnormal(run: ProbeRun, timeout: float, module: str = "") -> Abnormal:
    """The report for a probe that did not finish normally."""
    report = ABNORMAL.get(run.status)
    if report is None:
        return Abnormal(Status.FAILED, (plain(f"unexpected sandbox status {run.status!r}"),))
    return report(run, timeout, module)


# how a run that ended by an error of the learner's code is named (CheckResult.error): the rest has no kind
_ERROR_STATUSES = ("error", "import_error", "timeout", "memory", "crashed", "exited", "tampered", "too_large")
_EXERCISE_FILE_NAME = re.compile(r"ex(\d\d)_\w+\.py")


def _error_kind(run: ProbeRun) -> str:
    if run.status not in _ERROR_STATUSES:
        return ""
    if run.status in ("error", "import_error") and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]{0,99}", run.exception):
        return run.exception
    return run.status


def culprit(run: ProbeRun, module: str) -> int | None:
    """The other exercise whose file made ``run`` fail, or None when it is the file graded (see ``Blocker``).

    The sandbox names the learner's file an error came from: the file that did
    not compile, that an import failed in or could not find, the last frame of
    the learner's traceback, or where a stub's ``NotImplementedError`` was
    raised.  When that is another exercise's file (``ex01_activations.py`` while
    exercise 3 is graded), the failure is that exercise's.  An exception raised
    while a check ran is the exception ``judge`` leaves to the check first: when
    the check recognises a mistake of the file graded (its ``error_hint`` or
    ``error_diagnosis``, e.g. arguments passed swapped to ex02's
    ``cross_entropy_error``), the failure stays this exercise's.  A submission
    could forge the name; that moves only this attribution, never a score.
    """
    if run.status not in ("not_implemented", "error", "import_error"):
        return None
    match = _EXERCISE_FILE_NAME.fullmatch(run.source)
    if match is None or run.source == f"{module}.py":
        return None
    number = int(match.group(1))
    own = next((exercise.number for exercise in EXERCISES.values() if exercise.module == module), None)
    if number not in EXERCISES or number == own:
        return None
    return number


def blocker(runs: list[ProbeRun], number: int) -> Blocker:
    """What is wrong with exercise ``number``'s file, from the runs it made fail (one sentence, both languages)."""
    stubbed = list(dict.fromkeys(run.message or "?" for run in runs if run.status == "not_implemented"))
    run = next((run for run in runs if run.status != "not_implemented"), None)
    if run is None:
        where = ", ".join(stubbed[:5]) + (", ..." if len(stubbed) > 5 else "")
        return Blocker(
            number,
            runs[0].source,
            Text(
                f"still raises NotImplementedError in {where}",
                f"まだ {where} で NotImplementedError を送出する",
            ),
        )
    lines: tuple[Text, ...] = (plain(run.message),) if run.message.strip() else ()
    last = run.message.strip().splitlines()[-1][:300] if run.message.strip() else run.exception
    if run.exception in ("SyntaxError", "IndentationError", "TabError"):
        reason = Text("has a syntax error", "構文エラーを含む")
    elif run.exception == "ModuleNotFoundError":
        reason = Text("is not in your folder", "フォルダにない")
    elif run.status == "import_error":
        reason = Text(f"could not be imported ({last})", f"読み込めない({last})")
    else:
        # the earlier file may be right and called with wrong arguments: say so
        reason = Text(f"raised {last or run.exception}", f"{last or run.exception} を送出した")
        lines += (
            Text(
                f"if exercise {number} passes its own checks, look at the arguments your code passes to it",
                f"課題 {number} が自身のチェックに合格しているなら、あなたのコードが渡している引数を確認してください",
            ),
        )
    return Blocker(number, run.source, reason, lines)


def _blocked(check: Check, run: ProbeRun, number: int) -> CheckResult:
    """A check another exercise's file made fail: no crash block, a pointer to that exercise."""
    reason = blocker([run], number).reason
    line = Text(
        f"not checked: {run.source} (exercise {number}) {reason.en}; fix exercise {number} first",
        f"未確認: {run.source}(課題 {number})が{reason.ja}ため確認できません。先に課題 {number} を直してください",
    )
    return CheckResult(
        name=check.name,
        name_ja=check.name_ja,
        status=Status.FAILED,
        score=0.0,
        max_score=check.points,
        lines=(line,),
        stdout=run.stdout,
        stderr=run.stderr,
        blocked_by=number,
        error=_error_kind(run) or run.status,
    )


def judge(check: Check, run: ProbeRun, timeout: float, module: str = "") -> CheckResult:
    """Turn one probe run into a verdict.

    A learner's NaN, inf or huge values make NumPy warn in a check's
    arithmetic (inf - inf, an overflowing square); the verdict already says
    what is wrong with them, so the warnings are not printed beside it.
    """
    from numpy import errstate  # loaded by now: the run's arrays are NumPy's

    with errstate(all="ignore"):
        return _judge(check, run, timeout, module)


def _judge(check: Check, run: ProbeRun, timeout: float, module: str) -> CheckResult:
    if run.status != "ok":
        number = culprit(run, module)
        if number is not None and run.status != "error":
            return _blocked(check, run, number)
        report = abnormal(run, check.probe.timeout or timeout, module)
        hint = report.hint
        if run.status == "error" and check.error_hint is not None:
            chosen = (
                check.error_hint if isinstance(check.error_hint, Text) else check.error_hint(run.exception, run.message)
            )
            hint = chosen or report.hint
        if run.status == "error" and check.error_diagnosis is not None:
            try:
                hint = check.error_diagnosis(run) or hint
            except OutputError:
                pass  # the exception came before anything the diagnosis reads: the hint above stands
        if number is not None and hint is report.hint:
            # raised inside another exercise's file, and this check recognised no mistake of the file graded
            return _blocked(check, run, number)
        result = _result(check, run, report.status, report.lines, hint)
        return replace(result, error=_error_kind(run), generic_hint=hint is report.hint)
    try:
        verdict = check.verify(run)
    except OutputError as missing:
        verdict = Verdict.fail([plain(f"the probe brought back no usable value ({missing})")])
    if verdict.passed:
        return _result(check, run, Status.PASSED, verdict.lines, None)
    return _result(check, run, Status.FAILED, verdict.lines, verdict.hint or check.hint)


def _result(check: Check, run: ProbeRun, status: Status, lines: tuple[Text, ...], hint: Text | None) -> CheckResult:
    return CheckResult(
        name=check.name,
        name_ja=check.name_ja,
        status=status,
        score=check.points if status == Status.PASSED else 0.0,
        max_score=check.points,
        lines=lines,
        hint=hint,
        context=check.context,
        stdout=run.stdout,
        stderr=run.stderr,
    )


def _import_failure(run: ProbeRun, timeout: float, module: str, shown: str) -> ImportFailure:
    """The one report for a file whose top level failed: what happened, where, and what to do."""
    report = abnormal(run, run.limit or timeout, module)
    heading = Text(
        f"{shown} could not be imported, so no check could run: its top-level code (outside any function) failed",
        f"{shown} を読み込めなかったため、どのチェックも実行できませんでした(関数の外のコードで失敗しています)",
    )
    lines = [line for line in report.lines if line.en != "your file could not be imported:"]
    hint = report.hint
    if run.status == "timeout":
        hint = Text(
            "code outside a function runs when the file is imported: look there for an endless loop or "
            "for training, tests or input() that belong under if __name__ == '__main__':",
            "関数の外のコードは import のときに実行されます。無限ループや、"
            "if __name__ == '__main__': の下に置くべき学習・テスト・input() がないか確認してください",
        )
    return ImportFailure(report.status, (heading, *lines), hint, run.stdout, run.stderr)


def _not_run(check: Check, failure: ImportFailure, shown: str, error: str = "") -> CheckResult:
    line = Text(
        f"not run: {shown} could not be imported (see above)", f"未実行: {shown} を読み込めませんでした(上を参照)"
    )
    status = Status.NOT_ATTEMPTED if failure.status == Status.NOT_ATTEMPTED else Status.FAILED
    return CheckResult(check.name, check.name_ja, status, 0.0, check.points, (line,), error=error, generic_hint=True)


def _named_as_given(run: ProbeRun, module: str, shown: str) -> ProbeRun:
    """Tracebacks name the sandbox's copy ``exNN_topic.py``; the learner knows the file by its own name."""
    if shown == f"{module}.py" or f'"{module}.py"' not in run.message:
        return run
    return replace(run, message=run.message.replace(f'File "{module}.py"', f'File "{shown}"'))


class _EarlyJudge:
    """Judges each probe's checks as soon as the sandbox hands its run over, while other probes still run.

    The sandbox server writes most probes' results while others run, and the
    grader's process waits idle meanwhile (``Sandbox.run(ready=...)``).  Only
    the run ``Sandbox.run`` finally returns for a probe counts: a result judged
    early is used only if it was judged from that very run, and is judged again
    otherwise (the sandbox read the probe's files again: a later worker could
    not import the module, which makes every probe an import failure, and those
    are reported once for the file).  So the verdicts are those judging every
    run at the end gives.
    """

    def __init__(
        self, checks: Sequence[Check], probes: Sequence[Probe], limit: float, exercise: Exercise, shown: str
    ) -> None:
        self.checks = checks
        self.limit = limit
        self.exercise = exercise
        self.shown = shown
        served: dict[int, list[int]] = {}
        for number, check in enumerate(checks):
            served.setdefault(id(check.probe), []).append(number)
        self.served = [served.get(id(probe), []) for probe in probes]
        # check number -> the run it was judged from, and its result
        self.judged: dict[int, tuple[ProbeRun, CheckResult]] = {}
        self.ladders: dict[str, tuple[Text, ...]] | None = None  # the exercise's hint ladders, read at the first run

    def ready(self, index: int, run: ProbeRun) -> None:
        """Judge the checks of probe ``index`` from ``run`` (``Sandbox.run``'s ``ready``)."""
        if run.at_import or not 0 <= index < len(self.served):
            return  # an import failure is reported once for the whole file, at the end
        module = self.exercise.module
        try:
            if self.ladders is None:
                self.ladders = hint_ladders(self.exercise.number)
            ladders = self.ladders
            named = _named_as_given(run, module, self.shown)
            for number in self.served[index]:
                result = with_first_hint(judge(self.checks[number], named, self.limit, module), ladders)
                self.judged[number] = (run, result)
        except Exception:  # noqa: BLE001 - judged again at the end, where the same error ends the grading as before
            for number in self.served[index]:
                self.judged.pop(number, None)

    def result(self, number: int, run: ProbeRun) -> CheckResult | None:
        """Check ``number``'s result if it was judged early from ``run`` itself, else None."""
        judged = self.judged.get(number)
        return judged[1] if judged is not None and judged[0] is run else None


_WARM: list[SandboxPool] = []  # the pool of warm_pool(), while one is in use
_PLANS: list[PlanStore | None] = []  # and where its manifests are kept (see ``grader.sandbox.plans``)
# runs started from a kept plan in this process: adopted, or stopped for a manifest that differed
PLAN_RUNS = {"adopted": 0, "stopped": 0}
# each exercise's checks, built once by the first grading in a warm_pool (kept for the process: a grading
# server restarts when a check's source changes)
_BUILT: dict[int, list[Check]] = {}


@contextlib.contextmanager
def warm_pool(pool: SandboxPool | None = None, plans: PlanStore | None = None) -> Iterator[SandboxPool]:
    """Grade with one warm zygote (``pool``, else a new one closed at the end) while inside.

    For processes that grade again and again (``grade watch``, the grading
    server): every ``grade_exercise`` without a ``pool`` of its own forks its
    sandbox server from this zygote, confined exactly as a fresh one.  A zygote
    that died is not used: grading then starts a fresh sandbox.  Each
    exercise's checks are built once (as ``grade batch`` builds them once for
    a class): they are the same for every grading.  The code compiled from
    each version of the learner's files is kept in the pool too
    (``SandboxPool(keep_code=True)``): a re-grade compiles only what changed.
    With ``plans`` (the grading server's), the manifest of each exercise's
    first grading is kept there (written on the way out, after the answer),
    and the next process's first grading of it starts the sandbox on the kept
    one while it builds the checks (``Sandbox.speculate``).
    """
    own = pool is None
    # the checks are built once (``_BUILT``), so their inputs are written once too, and the code of the learner's
    # unchanged files is compiled once (where Landlock allows either)
    chosen = SandboxPool(share_inputs=True, keep_code=True) if pool is None else pool
    _WARM.append(chosen)
    _PLANS.append(plans)
    try:
        yield chosen
    finally:
        _WARM.remove(chosen)
        _PLANS.pop()
        if plans is not None:
            plans.flush()
        if own:
            chosen.close()


def _warm() -> SandboxPool | None:
    return _WARM[-1] if _WARM and _WARM[-1].alive else None


def grade_exercise(
    number: int,
    submission: Path,
    *,
    timeout: float | None = None,
    jobs: int = 2,
    pool: SandboxPool | None = None,
    checks: list[Check] | None = None,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
    progress: ProgressListener | None = None,
    import_folders: Sequence[Path] = (),
    judge_early: bool = True,
) -> ExerciseResult:
    """Grade ``submission`` as exercise ``number``.

    Parameters
    ----------
    number : int
        The exercise number (1-based, as in ``grade exercise 3``).
    submission : Path
        The learner's file.
    timeout : float, optional
        CPU seconds one graded call may use (3 times that in wall time for code that waits);
        the exercise's default when ``None``.
    jobs : int
        Workers run at once in the sandbox.
    pool : SandboxPool, optional
        A warm zygote to fork the sandbox server from (``grade batch``).
    checks : list of Check, optional
        Checks built already (a batch builds them once per exercise).
    memory_bytes : int
        Memory one graded call may use beyond what the sandbox holds already.
    progress : callable, optional
        Called with a ``CheckEvent`` as checks start and finish (a live
        display), also through a ``pool``.
    import_folders : sequence of Path
        Folders whose ``exNN_*.py`` files the submission may import after its own
        folder's (a workspace's ``exercises/``).
    judge_early : bool
        Judge each check as soon as its probe's result is written, while the
        sandbox runs the others (someone waits for this grading).  False judges
        them all after the run, which costs less work per probe (``grade
        batch``: no one waits for one grading of many); the results are the same.
    """
    started = time.monotonic()
    exercise = get_exercise(number)
    submission = Path(submission)
    if not submission.is_file():
        raise UsageError(f"no such file: {submission}", f"ファイルがありません: {submission}")
    limit = timeout or exercise.timeout
    # a pool's shared input files are kept for its life: only for checks built once (a batch's, or _BUILT's)
    share_inputs = pool is not None and checks is not None
    if pool is None:
        pool = _warm()
    building = False  # the checks of a warm pool's first grading of this exercise, built for the ones after it
    if checks is None and _WARM:
        share_inputs = True
        checks = _BUILT.get(number)
        building = checks is None
    store = _PLANS[-1] if building and pool is not None and pool is _warm() else None
    options = {"exercise": number, "timeout": limit, "jobs": jobs, "memory": memory_bytes}
    options["progress"] = progress is not None
    # the sandbox loads NumPy in its own process while this one builds the checks
    with Sandbox(
        submission,
        exercise.module,
        timeout=limit,
        jobs=jobs,
        pool=pool,
        memory_bytes=memory_bytes,
        import_folders=import_folders,
        share_inputs=share_inputs,
    ) as sandbox:
        plan = store.load(options) if store is not None else None
        if plan is not None:  # the sandbox runs the manifest kept last time while this process builds the checks
            sandbox.speculate(plan, progress is not None)
        if checks is None:
            checks = exercise.build_checks()
            if building:
                _BUILT[number] = checks
        # checks may share a probe (ex10 trains once for several checks): run each once
        probes = list({id(check.probe): check.probe for check in checks}.values())
        for check in reversed(checks):
            check.probe.group = check.target
        listener = None if progress is None else check_events(checks, probes, progress)
        shown = submission.name
        early = _EarlyJudge(checks, probes, limit, exercise, shown)
        returned = sandbox.run(probes, listener, early.ready if judge_early else None)
        if sandbox.speculated:
            PLAN_RUNS["adopted" if sandbox.adopted else "stopped"] += 1
        if store is not None and not sandbox.adopted and sandbox.sent is not None:
            store.keep(options, sandbox.sent)  # written when the warm pool is left: after the answer
    if progress is not None:
        progress(CheckEvent(DONE, 0, len(checks)))
    raw = dict(zip((id(probe) for probe in probes), returned, strict=True))
    runs = {key: _named_as_given(run, exercise.module, shown) for key, run in raw.items()}
    if runs and all(run.at_import for run in runs.values()):
        first = next(iter(runs.values()))
        other = culprit(first, exercise.module)
        if other is not None:  # an earlier exercise's file stopped the import: said once, as that exercise's
            blocked = tuple(_blocked(check, first, other) for check in checks)
            return ExerciseResult(
                exercise, submission, blocked, time.monotonic() - started, blockers=(blocker([first], other),)
            )
        failure = _import_failure(first, limit, exercise.module, shown)
        not_run = tuple(_not_run(check, failure, shown, _error_kind(first)) for check in checks)
        return ExerciseResult(exercise, submission, not_run, time.monotonic() - started, import_failure=failure)
    # a failed check shows one hint: its own, else the first level of its ladder (hints/<lang>/NN-topic.md)
    ladders = early.ladders if early.ladders is not None else hint_ladders(exercise.number)
    results = tuple(
        early.result(number, raw[id(check.probe)])
        or with_first_hint(judge(check, runs[id(check.probe)], limit, exercise.module), ladders)
        for number, check in enumerate(checks)
    )
    culprits: dict[int, list[ProbeRun]] = {}
    for check, result in zip(checks, results, strict=True):
        if result.blocked_by is not None:
            culprits.setdefault(result.blocked_by, []).append(runs[id(check.probe)])
    blockers = tuple(blocker(found, culprit_number) for culprit_number, found in sorted(culprits.items()))
    return ExerciseResult(exercise, submission, results, elapsed=time.monotonic() - started, blockers=blockers)
