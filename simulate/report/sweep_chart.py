"""The chart of a sweep: each source's outlay as one parameter varies, in 万元, with the
bundled Chinese font (``simulate sweep-table --chart``). matplotlib is imported when a
chart is drawn, for start-up time."""

from __future__ import annotations

from pathlib import Path

from ..analysis.naming import column_label, param_label
from ..errors import SimulateError
from ..labels import lang_of
from ..vocabulary import CANONICAL, Lang, Vocabulary, colour, label
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
    key: Lang = "zh" if zh else "en"
    param = frame.attrs.get("param") or frame.columns[0]
    x = frame[param].astype(float)
    x_label = (frame.attrs.get("param_label") or {}).get(key) or param_label(param, lang)
    sc_title = (frame.attrs.get("title") or {}).get(key) or frame.attrs.get("scenario", "")
    wan = "（万元）" if zh else " (10,000 yuan)"
    panels = _panels(frame, vocab, zh)
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 3.6 * len(panels) + 0.8), dpi=120, sharex=True, squeeze=False)
    for ax, (panel_title, keys) in zip(axes[:, 0], panels):
        _draw_panel(ax, frame, x, keys, lang, vocab)
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


def _panels(frame, vocab: Vocabulary, zh: bool) -> list[tuple[str, list[str]]]:
    """(title, source ids) of each panel: individuals with the fiscal subsidy, then the
    subsidising sources that pay anything (no second panel when none does)."""
    subsidising = [s for s in vocab.source_ids[1:] if s in frame and (frame[s] != 0).any()]
    panels = [
        (
            "个人缴费与财政补助" if zh else "Individuals' contributions and the fiscal subsidy",
            ["individual"] + (["fiscal_subsidy"] if "fiscal_subsidy" in frame else []),
        )
    ]
    if subsidising:
        panels.append(("各部门资助" if zh else "Subsidising sources", subsidising))
    return panels


def _draw_panel(ax, frame, x, keys: list[str], lang: str, vocab: Vocabulary) -> None:
    """One line per source (万元) on ``ax``, with its name at the line's right end."""
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
    _label_ends(ax, x, ends, lang == "zh")


def _label_ends(ax, x, ends: list[tuple[float, str, str | None]], zh: bool) -> None:
    """Direct labels at the lines' right end, nudged apart when lines end close together;
    widens the axes so the labels fit."""
    span = float(x.max() - x.min()) or 1.0
    lo, hi = ax.get_ylim()
    gap = (hi - lo) * 0.07
    placed: list[float] = []
    for yv, name, hue in sorted(ends):
        yl = yv if not placed or yv - placed[-1] >= gap else placed[-1] + gap
        placed.append(yl)
        ax.annotate(
            name,
            (float(x.iloc[-1]), yv),
            xytext=(float(x.iloc[-1]) + span * 0.02, yl),
            textcoords="data",
            va="center",
            fontsize=8,
            color=hue,
        )
    ax.set_xlim(float(x.min()) - span * 0.02, float(x.max()) + span * (0.22 if zh else 0.34))
    ax.set_ylim(min(lo, min(placed) - gap), max(hi, max(placed) + gap))


def _local_style(key: str, vocab: Vocabulary) -> tuple[str | None, str | None]:
    """(colour, marker) of a local payer: its vocabulary colour, a marker by its place."""
    local = [t.id for t in vocab.local_sources()]
    if key not in local:
        return None, "o"
    return vocab.colour(key), _LOCAL_MARKERS[local.index(key) % len(_LOCAL_MARKERS)]


# --------------------------------------------------------------------------- the sweep summary's charts
# Each draws one chart of a computed sweep (simulate.report.sweep_story), saves it as a 200-dpi
# PNG at ``path`` and returns the figure, which the notebook shows (plt.show) and closes.


def _saved(fig, path: Path | str):
    fig.tight_layout()
    fig.savefig(Path(path), dpi=200, bbox_inches="tight")
    return fig


def outlay_chart(story, path: Path | str):
    """The individuals' payments and each subsidising source's outlay (万元) by value."""
    import matplotlib.pyplot as plt

    w, lang, x, wan = story.w, story.lang, story.x, 10_000
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    given = story.given
    ax1.plot(x, given["individual"] / wan, marker="o", color=colour("individual"), label=label("individual", lang))
    ax1.set_title(w["paid_by_individuals"])
    for s in story.government:
        ax2.plot(x, given[s] / wan, marker="o", ms=4, color=colour(s), label=label(s, lang))
    ax2.set_title(w["each_source"])
    for ax in (ax1, ax2):
        ax.set_xlabel(story.param_label)
        ax.set_ylabel(w["amount_wan"])
        ax.set_xticks(list(x))
        ax.grid(alpha=0.3)
    ax2.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.suptitle(w["chart_outlay"].format(param=story.param_label))
    return _saved(fig, path)


def share_chart(story, path: Path | str):
    """The individuals' share of personal contributions (%) by value."""
    import matplotlib.pyplot as plt

    w, x = story.w, story.x
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(x, story.given["individual_share"] * 100, marker="o", color="#3b6ea5")
    ax.set_xlabel(story.param_label)
    ax.set_ylabel(w["share_percent"])
    ax.set_xticks(list(x))
    ax.set_title(w["chart_share"])
    ax.grid(alpha=0.3)
    return _saved(fig, path)


def enrollment_chart(story, path: Path | str):
    """Enrolled persons by value, as given and with the assumed response."""
    import matplotlib.pyplot as plt

    w, x = story.w, story.x
    given_name, response_name = story.response_names
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.plot(x, story.given["enrolled"], marker="o", color="#3b6ea5", label=given_name)
    ax.plot(x, story.responding["enrolled"], marker="s", color="#c0392b", ls="--", label=response_name)
    ax.set_xlabel(story.param_label)
    ax.set_ylabel(w["enrolled_persons"])
    ax.set_xticks(list(x))
    ax.set_title(w["chart_enrollment"])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _saved(fig, path)


def delta_chart(story, path: Path | str):
    """Bars of each source's change against the first value, one bar per later value (None
    with a single value: nothing changes)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    w, lang, values, wan = story.w, story.lang, story.values, 10_000
    if len(values) < 2:
        return None
    steps = len(values) - 1
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1, max(len(story.government), 1)]})
    width = 0.8 / steps
    for ax, sources, name in (
        (axes[0], ["individual"], w["paid_by_individuals"]),
        (axes[1], story.government, w["each_source_short"]),
    ):
        positions = range(len(sources))
        for k in range(1, len(values)):
            # each source keeps its own colour; later values are darker (legend in grey)
            ax.bar(
                [p + (k - 1) * width for p in positions],
                story.delta[sources].iloc[k] / wan,
                width,
                color=[colour(s) for s in sources],
                alpha=0.35 + 0.65 * k / steps,
                edgecolor="#555555",
                linewidth=0.4,
            )
        ax.axhline(0, color="black", lw=0.8)
        many = len(sources) > 3
        ax.set_xticks(
            [p + (len(values) - 2) * width / 2 for p in positions],
            [label(s, lang) for s in sources],
            rotation=20 if many else 0,
            ha="right" if many else "center",
        )
        ax.set_ylabel(w["change_wan"])
        ax.set_title(name)
        ax.grid(alpha=0.3, axis="y")
    axes[1].legend(
        [Patch(facecolor="#777777", alpha=0.35 + 0.65 * k / steps) for k in range(1, len(values))],
        [f"{values[k]}" for k in range(1, len(values))],
        title=story.param_label,
        fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
    )
    fig.suptitle(w["chart_delta"].format(base=values[0]))
    return _saved(fig, path)


def bands_chart(story, path: Path | str):
    """Each source's P50 with its P5–P95 band (万元) by value."""
    import matplotlib.pyplot as plt

    w, lang, wan, mc = story.w, story.lang, 10_000, story.mc["frame"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, sources, name in (
        (axes[0], ["individual"], w["paid_by_individuals"]),
        (axes[1], story.government, w["each_source_short"]),
    ):
        for s in sources:
            part = mc[mc["source"] == s]
            xs = part["value"].astype(float)
            (line,) = ax.plot(xs, part["p50"] / wan, marker="o", ms=4, color=colour(s), label=label(s, lang))
            ax.fill_between(xs, part["p5"] / wan, part["p95"] / wan, color=line.get_color(), alpha=0.2)
        ax.set_title(name)
        ax.set_xlabel(story.param_label)
        ax.set_ylabel(w["amount_wan"])
        ax.set_xticks(list(story.x))
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.suptitle(w["chart_bands"])
    return _saved(fig, path)
