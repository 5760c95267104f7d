"""A progress bar on stderr: redrawn in place on a terminal, one line per step in CI logs."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, steps: int, width: int = 30) -> None:
        self.steps = steps
        self.done = 0
        self.width = width
        self.label = ""
        self.detail = ""
        self.started = time.monotonic()
        self.tty = sys.stderr.isatty()
        self._last_draw = 0.0

    def step(self, label: str) -> None:
        """Start the next step."""
        if self.label:
            self.done += 1
        self.label, self.detail = label, ""
        self.draw(force=True)

    def update(self, detail: str) -> None:
        self.detail = detail
        self.draw()

    def finish(self) -> None:
        self.done = self.steps
        self.label, self.detail = "done", ""
        self.draw(force=True)
        if self.tty:
            sys.stderr.write("\n")

    def draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and (not self.tty or now - self._last_draw < 0.2):
            return
        self._last_draw = now
        filled = int(self.width * min(self.done, self.steps) / max(1, self.steps))
        bar = "#" * filled + "." * (self.width - filled)
        text = f"[{bar}] {min(self.done + 1, self.steps)}/{self.steps} {now - self.started:6.1f}s {self.label}"
        if self.detail:
            text += f": {self.detail}"
        if self.tty:
            sys.stderr.write("\r\033[K" + text[:160])
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()
