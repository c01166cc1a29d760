"""Progress of long steps on a terminal: silent for quick steps, in pipes and in tests.

``with step("reading edges", total=n) as s: ... s.advance(k)`` shows, once the step has run
for ``delay`` seconds (default 2) and only when stderr is a terminal, one self-updating
line on stderr: ``reading edges  43% 4.2 s``; when the step ends the line says how long it
took. A background thread redraws the line, so a step that never calls ``advance`` (one
big numpy call) still shows it is alive. Nothing is printed to stdout, so piped output
(``graphkit score --format csv > x.csv``) stays clean.

Standard library only: the command line imports it without paying for numpy.
"""
from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from typing import Iterator, TextIO

__all__ = ["Step", "step", "enabled"]


def enabled(stream: TextIO | None = None) -> bool:
    """True when progress should be drawn: ``stream`` (default stderr) is a terminal and
    ``GRAPHKIT_PROGRESS`` is not ``0`` (``1`` forces it on, for demonstrations)."""
    flag = os.environ.get("GRAPHKIT_PROGRESS", "")
    if flag == "0":
        return False
    if flag == "1":
        return True
    stream = stream or sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Step:
    """One named step; ``advance(n)`` adds done work when ``total`` is known."""

    def __init__(self, label: str, total: int | None = None, stream: TextIO | None = None,
                 delay: float = 2.0, interval: float = 0.5, force: bool | None = None):
        self.label = label
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.delay = delay
        self.interval = interval
        self.active = enabled(self.stream) if force is None else force
        self.start = time.perf_counter()
        self.shown = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def advance(self, n: int = 1) -> None:
        """Record ``n`` more units of work done."""
        self.done += n

    def elapsed(self) -> float:
        """Seconds since the step started."""
        return time.perf_counter() - self.start

    def line(self) -> str:
        """The text of the progress line as it would be drawn now."""
        pct = f" {min(self.done / self.total, 1.0):4.0%}" if self.total else ""
        return f"{self.label}{pct} {self.elapsed():.1f} s"

    def _draw(self, final: bool = False) -> None:
        with self._lock:
            text = f"{self.label} done in {self.elapsed():.1f} s" if final else self.line()
            self.stream.write("\r\x1b[2K" + text + ("\n" if final else ""))
            self.stream.flush()
            self.shown = True

    def _run(self) -> None:
        if self._stop.wait(self.delay):
            return
        while not self._stop.is_set():
            self._draw()
            self._stop.wait(self.interval)

    def __enter__(self) -> "Step":
        if self.active:
            self._thread = threading.Thread(target=self._run, name=f"progress:{self.label}", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            if self.shown:
                self._draw(final=True)


@contextlib.contextmanager
def step(label: str, total: int | None = None, **kwargs) -> Iterator[Step]:
    """Context manager for one long step; see the module docstring."""
    with Step(label, total, **kwargs) as s:
        yield s
