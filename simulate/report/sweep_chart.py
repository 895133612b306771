"""The chart of a sweep: each source's outlay as one parameter varies, in 万元, with the
bundled Chinese font (``simulate sweep-table --chart``). matplotlib is imported when a
chart is drawn, for start-up time."""

from __future__ import annotations

from pathlib import Path

from ..analysis.naming import column_label, param_label
from ..errors import SimulateError
from ..labels import lang_of
from ..vocabulary import CANONICAL, Vocabulary
from .fonts import FontError, use_chinese_font

#: Line styles of the chart: one (colour, marker) per source, so no two lines look alike.
_STYLE = {
    "individual": ("#1f77b4", "o"),
    "medical_assistance": ("#d62728", "s"),
    "county_finance": ("#2ca02c", "^"),
    "veterans_affairs": ("#9467bd", "D"),
    "disabled_federation": ("#ff7f0e", "v"),
    "health_commission": ("#17becf", "P"),
    "rural_revitalization": ("#8c564b", "X"),
    "unspecified_government": ("#e377c2", "*"),
    "fiscal_subsidy": ("#7f7f7f", None),
}
#: Markers of a scenario's local payers, in declaration order (their colour is the vocabulary's).
_LOCAL_MARKERS = ("h", "p", "<", ">", "d", "8")


def sweep_chart(
    frame, path: str | Path, title: str | None = None, lang: str = "zh", vocab: Vocabulary = CANONICAL
) -> Path:
    """Chart of a :func:`sweep` frame (ids as columns) written to a PNG: see :func:`sweep_figure`."""
    import matplotlib.pyplot as plt

    fig = sweep_figure(frame, title, lang, vocab)
    p = Path(path)
    try:
        fig.savefig(p, metadata={"Software": "simulate"})  # lets a rerun replace it
    except OSError as exc:
        raise SimulateError(str(p), f"cannot write chart: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)
    return p


def sweep_figure(frame, title: str | None = None, lang: str = "zh", vocab: Vocabulary = CANONICAL):
    """The matplotlib figure of a :func:`sweep` frame, amounts in 万元 (10,000 yuan).

    Two panels sharing the x axis (the parameter, by its readable name): the individuals'
    contributions with the fiscal subsidy, and the subsidising sources, each line with its own
    colour and marker and a label at its right end, so lines near zero stay apart. The title
    is the scenario's own (``policy.title``); ``vocab`` (the scenario's) adds its local payers
    after the canonical sources, in their vocabulary colour (issue 15 item 1). Uses the bundled Chinese font
    (``simulate.report.fonts``); raises :class:`SimulateError` with the reason when it is missing.
    """
    import matplotlib

    matplotlib.use("Agg")
    try:
        use_chinese_font()
    except FontError as exc:  # the bundled font is missing
        raise SimulateError("--chart", str(exc)) from None
    import matplotlib.pyplot as plt

    zh = lang == "zh"
    key = "zh" if zh else "en"
    param = frame.attrs.get("param") or frame.columns[0]
    x = frame[param].astype(float)
    x_label = (frame.attrs.get("param_label") or {}).get(key) or param_label(param, lang)
    sc_title = (frame.attrs.get("title") or {}).get(key) or frame.attrs.get("scenario", "")
    wan = "（万元）" if zh else " (10,000 yuan)"
    subsidising = [s for s in vocab.source_ids[1:] if s in frame and (frame[s] != 0).any()]
    panels = [
        (
            "个人缴费与财政补助" if zh else "Individuals' contributions and the fiscal subsidy",
            ["individual"] + (["fiscal_subsidy"] if "fiscal_subsidy" in frame else []),
        )
    ]
    if subsidising:
        panels.append(("各部门资助" if zh else "Subsidising sources", subsidising))
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 3.6 * len(panels) + 0.8), dpi=120, sharex=True, squeeze=False)
    span = float(x.max() - x.min()) or 1.0
    for ax, (panel_title, keys) in zip(axes[:, 0], panels):
        ends = []
        for n, k in enumerate(keys):
            colour, marker = _STYLE.get(k) or _local_style(k, vocab)
            y = frame[k].astype(float) / 10_000
            name = vocab.label(k, lang_of(lang)) if k in vocab.sources else column_label(k, lang)
            # every other line has hollow markers: lines on top of each other stay visible
            ax.plot(
                x,
                y,
                color=colour,
                marker=marker,
                ms=6 if n % 2 else 4,
                lw=1.6,
                mfc="none" if n % 2 else colour,
                ls="--" if k == "fiscal_subsidy" else "-",
                label=name,
            )
            ends.append((float(y.iloc[-1]), name, colour))
        # direct labels at the right end, nudged apart when lines end close together
        lo, hi = ax.get_ylim()
        gap = (hi - lo) * 0.07
        placed: list[float] = []
        for yv, name, colour in sorted(ends):
            yl = yv if not placed or yv - placed[-1] >= gap else placed[-1] + gap
            placed.append(yl)
            ax.annotate(
                name,
                (float(x.iloc[-1]), yv),
                xytext=(float(x.iloc[-1]) + span * 0.02, yl),
                textcoords="data",
                va="center",
                fontsize=8,
                color=colour,
            )
        ax.set_xlim(float(x.min()) - span * 0.02, float(x.max()) + span * (0.22 if zh else 0.34))
        ax.set_ylim(min(lo, min(placed) - gap), max(hi, max(placed) + gap))
        ax.set_title(panel_title + wan, fontsize=10)
        ax.set_ylabel(("金额" if zh else "amount") + wan)
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel(x_label)
    fig.suptitle(
        title
        or (
            f"{sc_title}：各资金来源支出随{x_label}变化"
            if zh
            else f"{sc_title}: outlay by funding source as the {x_label} varies"
        ),
        fontsize=11,
    )
    fig.tight_layout()
    return fig


def _local_style(key: str, vocab: Vocabulary) -> tuple[str | None, str | None]:
    """(colour, marker) of a local payer: its vocabulary colour, a marker by its place."""
    local = [t.id for t in vocab.local_sources()]
    if key not in local:
        return None, "o"
    return vocab.colour(key), _LOCAL_MARKERS[local.index(key) % len(_LOCAL_MARKERS)]
