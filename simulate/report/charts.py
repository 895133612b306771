"""Charts a budgeting meeting reads at a glance (issue 12 item 3).

One fixed colour per funding source, level and flow (``vocabulary.colour``) in every chart,
language and scenario; value labels on bars; thousands separators on axes; axes from zero;
legends below the plot, never over data; PNGs at 200 dpi. In a comparison the baseline bar
is the same colour, lighter and hatched, beside the what-if bar.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..money import amount
from ..vocabulary import CANONICAL, Vocabulary, colour

DPI = 200
WAN = 1_000_000  # fen in 万元 (10,000 yuan)


def _plain_text(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Labels are user text (tier and village names): never read ``$…$`` in them as math."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import matplotlib

        with matplotlib.rc_context({"text.parse_math": False}):
            return fn(*args, **kwargs)

    return wrapper


def _save(fig, path: Path | str | None) -> None:
    """Save at 200 dpi when ``path``. tight_layout leaves a placeholder layout engine behind, for
    which savefig lays the figure out once more before drawing it: dropped, the same pixels."""
    if path is not None:
        fig.set_layout_engine(None)
        fig.savefig(path, dpi=DPI)


@dataclass(frozen=True)
class Bar:
    """One category of a panel: its id (for the colour), label and fen per scenario."""

    key: str
    label: str
    fen: tuple[int, ...]


def _thousands(ax, axis: str = "x") -> None:
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _: amount(v, 0) if abs(v) >= 10 or v == 0 else amount(v, 1))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def _legend_below(fig, handles, labels, ncol: int) -> None:
    """A legend under the axes (never over data)."""
    if handles:
        fig.legend(
            handles,
            labels,
            loc="lower center",
            ncol=max(1, min(ncol, 4)),
            frameon=False,
            fontsize=8,
            bbox_to_anchor=(0.5, 0.0),
        )


def _scenario_handles(names: Sequence[str]):
    from matplotlib.patches import Patch

    if len(names) < 2:
        return [], []
    return (
        [
            Patch(facecolor="#888888", alpha=0.35, hatch="///", edgecolor="#555555"),
            Patch(facecolor="#888888", edgecolor="#555555"),
        ],
        list(names[:2]),
    )


@_plain_text
def panels_chart(
    panels: Sequence[tuple[str, Sequence[Bar]]],
    names: Sequence[str],
    title: str,
    unit: str,
    path: Path | str | None = None,
    vocab: Vocabulary = CANONICAL,
):
    """Horizontal bars in side-by-side panels (each its own scale), values in 万元 labelled.

    ``names`` are the scenarios (one: a plain report; two: baseline then what-if). Each bar
    carries ``gid`` = its key, so tests can read its colour. Saved at 200 dpi when ``path``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    panels = [(t, bars) for t, bars in panels if bars]
    n_rows = max(len(bars) for _, bars in panels)
    k = len(names)
    ratios = [max(1.0, len(bars) ** 0.5) for _, bars in panels]
    fig, axes = plt.subplots(
        1, len(panels), figsize=(11, 0.45 * n_rows * k + 1.8), gridspec_kw={"width_ratios": ratios}, squeeze=False
    )
    height = 0.8 / k
    for ax, ratio, (panel_title, bars) in zip(axes[0], ratios, panels):
        top = max([max(b.fen) for b in bars] + [1]) / WAN
        for i, bar in enumerate(bars):
            for s in range(k):
                y = i - 0.4 + height * (s + 0.5)
                value = bar.fen[s] / WAN
                base = k > 1 and s == 0
                rect = ax.barh(
                    y,
                    value,
                    height * 0.92,
                    color=vocab.colour(bar.key),
                    alpha=0.35 if base else 1.0,
                    hatch="///" if base else None,
                    edgecolor="#555555" if base else vocab.colour(bar.key),
                    linewidth=0.4,
                )
                rect.patches[0].set_gid(bar.key if not base else f"{bar.key}:baseline")
                ax.text(value + top * 0.01, y, amount(value), va="center", fontsize=7)
        ax.set_yticks(range(len(bars)), [b.label for b in bars], fontsize=8)
        ax.set_ylim(n_rows - 0.5, -0.5)  # one bar thickness in every panel
        ax.set_xlim(0, top * 1.3)
        ax.set_title(panel_title, fontsize=10)
        ax.set_xlabel(unit, fontsize=8)
        _thousands(ax)
        # A narrow panel holding 万元 amounts of six digits had its tick labels run together.
        ax.xaxis.set_major_locator(MaxNLocator(nbins=max(3, round(4 * ratio)), steps=[1, 2, 2.5, 5, 10]))
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    handles, labels = _scenario_handles(names)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.07 if handles else 0, 1, 1))
    _legend_below(fig, handles, labels, 2)
    _save(fig, path)
    return fig


@_plain_text
def stacked_chart(
    rows: Sequence[tuple[str, dict[str, int]]],
    sources: Sequence[tuple[str, str]],
    title: str,
    unit: str,
    path: Path | str | None = None,
    vocab: Vocabulary = CANONICAL,
):
    """One stacked horizontal bar per row (a tier), a segment per source in its fixed colour,
    the row's total labelled; the legend below the axes."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    fig, ax = plt.subplots(figsize=(11, 0.42 * len(rows) + 2.2))
    top = max([sum(v.values()) for _, v in rows] + [1]) / WAN
    for i, (_, values) in enumerate(rows):
        left = 0.0
        for key, _ in sources:
            v = values.get(key, 0) / WAN
            if v:
                rect = ax.barh(i, v, 0.7, left=left, color=vocab.colour(key))
                rect.patches[0].set_gid(key)
                left += v
        ax.text(left + top * 0.01, i, amount(left), va="center", fontsize=7)
    ax.set_yticks(range(len(rows)), [name for name, _ in rows], fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, top * 1.18)
    ax.set_xlabel(unit, fontsize=8)
    _thousands(ax)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title, fontsize=11)
    handles = [Patch(facecolor=vocab.colour(k)) for k, _ in sources]
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    _legend_below(fig, handles, [name for _, name in sources], len(sources))
    _save(fig, path)
    return fig


@_plain_text
def village_chart(
    names: Sequence[str],
    enrolled: Sequence[int],
    task: Sequence[int],
    labels: tuple[str, str, str],
    title: str,
    path: Path | str | None = None,
):
    """Enrolled persons per village as bars (the individuals' colour) against the task (dots)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 4.2))
    x = range(len(names))
    ax.bar(x, enrolled, color=colour("individual"), label=labels[0])
    ax.plot(x, task, "o", color="#333333", label=labels[1])
    ax.set_xticks(list(x), names, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel(labels[2], fontsize=8)
    ax.set_ylim(0, max(list(enrolled) + list(task) + [1]) * 1.1)
    _thousands(ax, "y")
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    handles, texts = ax.get_legend_handles_labels()
    _legend_below(fig, handles, texts, 2)
    _save(fig, path)
    return fig
