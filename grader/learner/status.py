"""The live status line while an exercise is graded: which function runs, and for how long against its limit.

``grade exercise N`` and ``grade watch N`` on a terminal draw one line on
standard error, redrawn in place a few times a second::

    grading: softmax (check 4/12) 2.1 s / 5 s

and erase it before the report is printed (or as soon as the last check has
run, before the grader judges).  Piped output, ``--format json``/``gradescope``
and ``TERM=dumb`` get nothing at all (``wanted``).  What the learner's code
prints never reaches the terminal while it runs: the sandbox captures it, so
it can not break the line.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TextIO

from grader.grading.progress import DONE, FINISHED, IMPORTING, STARTED, CheckEvent
from grader.learner.listing import shorten
from grader.text import Text

ERASE = "\r\x1b[K"  # to the start of the line, and clear it
REDRAW_SECONDS = 0.2
# a grading that ends sooner never shows the line (no flicker for the usual half-second run)
DELAY_SECONDS = 0.3

RUNNING = Text(
    "grading: {target} (check {number}/{total}) {elapsed:.1f} s / {limit:g} s",
    "採点中: {target}(チェック {number}/{total}){elapsed:.1f} 秒 / {limit:g} 秒",
)
IMPORT = Text(
    "grading: importing your file {elapsed:.1f} s / {limit:g} s",
    "採点中: ファイルを読み込み中 {elapsed:.1f} 秒 / {limit:g} 秒",
)
STARTING = Text("grading: starting the sandbox {elapsed:.1f} s", "採点中: サンドボックスを起動中 {elapsed:.1f} 秒")


def wanted(stream: TextIO, output_format: str = "text") -> bool:
    """Whether to draw a status line on ``stream``: a terminal, text output, and not ``TERM=dumb``."""
    if output_format != "text" or os.environ.get("TERM", "") == "dumb":
        return False
    try:
        return stream.isatty()
    except (ValueError, OSError):  # a closed or odd stream
        return False


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns (a CJK character takes two), ending in ``…`` when cut."""
    return shorten(text, width, "…")


class StatusLine:
    """Listens to a grading's ``CheckEvent``s and draws where it is, on one line of a terminal.

    Use it as the ``progress`` listener of ``grade_exercise`` and as a context
    manager around the grading: it starts a timer thread that redraws the line
    every ``interval`` seconds, and erases the line on leaving (an exception or
    Ctrl-C included).  ``line()`` and ``draw()`` can be called directly with a
    fake ``clock`` (tests).

    Parameters
    ----------
    stream : TextIO
        Where to draw (standard error).
    lang : str
        ``en`` or ``ja``.
    clock : callable
        Seconds, monotonic.
    width : callable, optional
        The terminal's width in columns (default: asked of the terminal each time).
    delay, interval : float, optional
        Seconds before the line first shows, and between redraws.
    """

    def __init__(
        self,
        stream: TextIO,
        lang: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        width: Callable[[], int] | None = None,
        delay: float | None = None,
        interval: float | None = None,
    ) -> None:
        self.stream = stream
        self.lang = lang
        self.clock = clock
        self.width = width or _terminal_width
        self.delay = DELAY_SECONDS if delay is None else delay
        self.interval = REDRAW_SECONDS if interval is None else interval
        self.started = clock()
        self.running: dict[int, tuple[str, float, float]] = {}  # check number -> target, limit, since
        self.importing: tuple[float, float] | None = None  # since, limit
        self.total = 0
        self.done = False
        self.shown = False  # a line is on screen
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- the listener ---------------------------------------------------------------------------------

    def __call__(self, event: CheckEvent) -> None:
        """Take one event of the grading (called from the grading thread)."""
        with self._lock:
            now = self.clock()
            self.total = event.total
            if event.kind == IMPORTING:
                self.importing = (now, event.limit)
            elif event.kind == STARTED:
                self.importing = None
                self.running[event.number] = (event.target, event.limit, now)
            elif event.kind == FINISHED:
                self.running.pop(event.number, None)
            elif event.kind == DONE:
                # judging follows, and a warning it prints must not land on the line
                self.done = True
                self._erase()

    # --- drawing ------------------------------------------------------------------------------------------

    def line(self) -> str:
        """What the line says now ("" when there is nothing to show)."""
        now = self.clock()
        if self.done:
            return ""
        if self.running:
            # the check running longest: the one the learner is waiting for
            number, (target, limit, since) = min(self.running.items(), key=lambda item: (item[1][2], item[0]))
            values = {"target": target, "number": number, "total": self.total, "elapsed": now - since, "limit": limit}
            return RUNNING.format(**values)(self.lang)
        if self.importing is not None:
            since, limit = self.importing
            return IMPORT.format(elapsed=now - since, limit=limit)(self.lang)
        return STARTING.format(elapsed=now - self.started)(self.lang)

    def draw(self) -> None:
        """Redraw the line in place (nothing before ``delay`` has passed, nothing once done)."""
        with self._lock:
            if self.done or self.clock() - self.started < self.delay:
                return
            text = fit(self.line(), max(10, self.width() - 1))
            self._write("\r" + text + "\x1b[K")
            self.shown = True

    def erase(self) -> None:
        """Take the line off the screen."""
        with self._lock:
            self._erase()

    def _erase(self) -> None:
        if self.shown:
            self._write(ERASE)
            self.shown = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: grading goes on without the line
            self.done = True

    # --- the timer thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.draw()

    def __enter__(self) -> StatusLine:
        self._thread = threading.Thread(target=self._run, name="grade-status", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.erase()


@contextmanager
def live_status(stream: TextIO, lang: str, output_format: str = "text") -> Iterator[StatusLine | None]:
    """A running ``StatusLine`` on ``stream`` when one is ``wanted``, else None (the grading's ``progress``)."""
    if not wanted(stream, output_format):
        yield None
        return
    with StatusLine(stream, lang) as status:
        yield status


def _terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size((80, 24)).columns
