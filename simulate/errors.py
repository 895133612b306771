"""User-facing errors: one line naming the file, the field (or row and column) and the reason.

The English text is the error's ``str``; :meth:`SimulateError.one_line` gives the line in the
language decided by :mod:`simulate.lang` (a zh place and reason when the raiser gave them, else
the English reason worded by lang.yaml). An invalid scenario carries its other problems in
``more``, so ``simulate validate`` can list every one.
"""

from __future__ import annotations

from typing import Any

from .lang import in_lang


class SimulateError(Exception):
    """A mistake in something the user gave us; the CLI prints it on one line and exits 2."""

    def __init__(
        self,
        where: str,
        reason: str,
        *,
        where_zh: str | None = None,
        reason_zh: str | None = None,
        more: tuple[SimulateError, ...] = (),
    ):
        self.where = where
        self.reason = reason
        self.where_zh = where_zh
        self.reason_zh = reason_zh
        self.more = more
        tail = f" (and {len(more)} more problem{'s' if len(more) > 1 else ''})" if more else ""
        super().__init__(f"{where}: {reason}{tail}" if where else reason + tail)

    def __reduce__(self) -> tuple[Any, ...]:
        # crosses process pools (run workers, sweep renders) whatever a subclass's __init__ takes
        return (_rebuilt, (type(self), self.args, self.__dict__))

    def one_line(self, lang: str = "en") -> str:
        """The error on one line in ``lang``; other problems are counted at its end."""
        line = self._line(lang)
        if self.more:
            n = len(self.more)
            line += f"（另有{n}处问题）" if lang == "zh" else f" (and {n} more problem{'s' if n > 1 else ''})"
        return line

    def lines(self, lang: str = "en") -> list[str]:
        """This problem and every other one, one line each, in ``lang``."""
        return [self._line(lang)] + [e._line(lang) for e in self.more]

    def _line(self, lang: str) -> str:
        if lang == "zh":
            where = self.where_zh or in_lang(self.where, lang)
            reason = self.reason_zh or in_lang(self.reason, lang)
        else:
            where, reason = self.where, self.reason
        return " ".join((f"{where}: {reason}" if where else reason).split())


class ScenarioError(SimulateError):
    """A scenario file, override or variant chain that is not a valid policy."""


class PopulationError(SimulateError):
    """A population file or population parameter that cannot be used."""


def _rebuilt(cls: type[SimulateError], args: tuple[Any, ...], state: dict[str, Any]) -> SimulateError:
    """A SimulateError unpickled: its message and every attribute, without calling ``__init__``."""
    err = cls.__new__(cls)
    err.args = args
    err.__dict__.update(state)
    return err
