"""User-facing errors: one line naming the file, the field (or row and column) and the reason."""

from __future__ import annotations


class SimulateError(Exception):
    """A mistake in something the user gave us; the CLI prints it on one line and exits 2."""

    def __init__(self, where: str, reason: str):
        self.where = where
        self.reason = reason
        super().__init__(f"{where}: {reason}" if where else reason)

    def one_line(self) -> str:
        return " ".join(str(self).split())


class ScenarioError(SimulateError):
    """A scenario file, override or variant chain that is not a valid policy."""


class PopulationError(SimulateError):
    """A population file or population parameter that cannot be used."""
