"""The dashboard's screen: ipywidgets for every lever, the budget headline as baseline /
what-if / change, the report's charts, and buttons that keep the result (issue 13 items 2-4).

Every figure comes from :class:`simulate.analysis.dashboard_model.DashboardModel` (``simulate run``
over the same people), so what the meeting sees equals the command line to the fen. Text
from the scenario is escaped before it reaches the page; nothing typed is run as code.
"""

from __future__ import annotations

import base64
import io
import os
import subprocess
import threading
import time
from html import escape
from pathlib import Path
from typing import Any

from .. import __version__
from ..analysis.dashboard_model import (
    DashboardModel,
    DashboardWhatIf,
    Lever,
    overrides_for,
)
from ..analysis.dashboard_variant import save_variant
from ..errors import SimulateError
from ..labels import text
from ..resources import find_scenario
from ..vocabulary import Lang
from .dashboard_page import CSS, figures_html, page_font
from .fonts import use_chinese_font
from .outcome import write_results
from .story import Story
from .workbook import write_estimate

LABEL_WIDTH = "380px"
CONTROL_WIDTH = "320px"


def _output_root() -> Path:
    """Where saved files go by default: ``dashboard-output`` in the folder the command ran in."""
    start = os.environ.get("SIMULATE_DASHBOARD_CWD") or os.getcwd()
    return Path(start) / "dashboard-output"


class DashboardApp:
    """The whole screen for one scenario; :meth:`widget` is what the notebook displays."""

    def __init__(
        self,
        scenario: str | Path,
        *,
        lang: Lang = "zh",
        size: int | None = None,
        seed: int = 0,
        population: str | None = None,
        output_root: str | Path | None = None,
    ) -> None:
        import ipywidgets as w

        use_chinese_font()  # the charts' Chinese labels
        self.w = w
        self.lang = lang
        self.model = DashboardModel(scenario, size=size, seed=seed, population=population)
        self.root = Path(output_root) if output_root else _output_root()
        self.controls: dict[str, Any] = {}
        self.labels: dict[str, Any] = {}
        self.quiet = False
        self.last: DashboardWhatIf | None = None
        self.overrides: dict[str, Any] = {}
        self._build()
        self.update()

    # ------------------------------------------------------------------ controls

    def _control(self, lever: Lever):
        w = self.w
        layout = w.Layout(width=CONTROL_WIDTH)
        if lever.kind in ("yuan", "percent"):
            whole = float(lever.step).is_integer() and float(lever.value).is_integer()
            cls = w.IntSlider if whole else w.FloatSlider
            ctl = cls(
                value=lever.value,
                min=lever.low,
                max=lever.high,
                step=lever.step,
                continuous_update=False,
                layout=layout,
            )
        elif lever.kind == "number":
            ctl = w.BoundedFloatText(value=lever.value, min=lever.low, max=lever.high, step=lever.step, layout=layout)
        elif lever.kind == "switch":
            ctl = w.Checkbox(value=bool(lever.value), indent=False, layout=layout)
        else:
            ctl = w.Dropdown(
                options=[(zh if self.lang == "zh" else en, v) for v, zh, en in lever.options],
                value=lever.value,
                layout=layout,
            )
        ctl.add_class("dash-lever")
        ctl.add_class(f"lever-{lever.key}")
        ctl.observe(self._changed, names="value")
        name = w.HTML(escape(lever.label(self.lang)), layout=w.Layout(width=LABEL_WIDTH))
        name.add_class("dash-lever-label")
        self.controls[lever.key] = ctl
        self.labels[lever.key] = name
        return w.HBox([name, ctl], layout=w.Layout(flex_flow="row wrap", align_items="flex-start"))

    def _group(self, key: str, levers: list[Lever]):
        w = self.w
        head = w.HTML(f'<div class="dash-group">{escape(text("dashboard_page", key, self.lang))}</div>')
        self.labels[f"group-{key}"] = head
        return w.VBox([head] + [self._control(lv) for lv in levers])

    def _build(self) -> None:
        w, lang, m = self.w, self.lang, self.model
        self.head = w.HTML()
        self.lang_toggle = w.ToggleButtons(options=[("中文", "zh"), ("English", "en")], value=lang)
        self.lang_toggle.add_class("dash-lang")
        self.lang_toggle.observe(self._relang, names="value")
        groups = []
        for key in ("contribution", "split", "tiers", "rules", "behaviour"):
            members = [lv for lv in m.levers if lv.group == key]
            if members:
                groups.append(self._group(key, members))
        self.size_box = w.IntText(value=m.size, layout=w.Layout(width="160px"))
        self.seed_box = w.IntText(value=m.seed, layout=w.Layout(width="120px"))
        self.file_box = w.Text(value="", layout=w.Layout(width="320px"))
        self.apply_button = w.Button(description=text("dashboard_page", "apply", lang), layout=w.Layout(width="auto"))
        self.apply_button.on_click(self._apply_population)
        self.reset_button = w.Button(description=text("dashboard_page", "reset", lang), layout=w.Layout(width="auto"))
        self.reset_button.add_class("dash-reset")
        self.reset_button.on_click(self._reset)
        self.population_row = w.HBox(
            [
                w.Label(text("dashboard_page", "size", lang)),
                self.size_box,
                w.Label(text("dashboard_page", "seed", lang)),
                self.seed_box,
                w.Label(text("dashboard_page", "file", lang)),
                self.file_box,
                self.apply_button,
            ],
            layout=w.Layout(flex_flow="row wrap"),
        )
        self.status = w.HTML()
        self.status.add_class("dash-status")
        self.figures = w.HTML()
        self.figures.add_class("dash-figures-box")
        self.report_html = w.HTML()
        self.charts = w.VBox()
        self.levers_box = w.VBox(groups + [self.reset_button], layout=w.Layout(min_width="700px"))
        self._build_keep()

    def _build_keep(self) -> None:
        w, lang = self.w, self.lang
        sid = self.model.base.id
        wide = w.Layout(width="520px")
        self.variant_path = w.Text(value=str(self.root / f"{sid}-what-if.yaml"), layout=wide)
        self.variant_path.add_class("dash-variant-path")
        self.save_button = w.Button(
            description=text("dashboard_page", "save", lang), button_style="primary", layout=w.Layout(width="auto")
        )
        self.save_button.add_class("dash-save")
        self.save_button.on_click(self._save)
        self.report_dir = w.Text(value=str(self.root / f"report-{sid}-what-if"), layout=wide)
        self.report_button = w.Button(description=text("dashboard_page", "report", lang), layout=w.Layout(width="auto"))
        self.report_button.add_class("dash-report")
        self.report_button.on_click(self._report)
        self.progress = w.IntProgress(value=0, min=0, max=100, layout=w.Layout(width="320px", visibility="hidden"))
        self.workbook_path = w.Text(value=str(self.root / f"{sid}-what-if-tables.xlsx"), layout=wide)
        self.workbook_button = w.Button(
            description=text("dashboard_page", "workbook", lang), layout=w.Layout(width="auto")
        )
        self.workbook_button.add_class("dash-workbook")
        self.workbook_button.on_click(self._workbook)
        self.keep_message = w.HTML()
        self.keep_message.add_class("dash-keep-message")
        self.keep_box = w.VBox(
            [
                w.HBox([self.variant_path, self.save_button]),
                w.HBox([self.report_dir, self.report_button, self.progress]),
                w.HBox([self.workbook_path, self.workbook_button]),
                self.keep_message,
            ]
        )

    def widget(self):
        """The screen: title, language, population, levers beside the figures, charts, keep buttons."""
        w = self.w
        keep_head = w.HTML()
        pop_head = w.HTML()
        self.labels["keep-head"], self.labels["pop-head"] = keep_head, pop_head
        self._relabel_heads()
        right = w.VBox([self.status, self.figures, self.charts], layout=w.Layout(min_width="560px", flex="1"))
        return w.VBox(
            [
                w.HTML(CSS + page_font(self.model)),
                self.head,
                self.lang_toggle,
                pop_head,
                self.population_row,
                w.HBox([self.levers_box, right], layout=w.Layout(flex_flow="row wrap")),
                keep_head,
                self.keep_box,
                self.report_html,
            ]
        )

    def _relabel_heads(self) -> None:
        lang = self.lang
        self.labels["keep-head"].value = f'<div class="dash-group">{escape(text("dashboard_page", "keep", lang))}</div>'
        self.labels[
            "pop-head"
        ].value = f'<div class="dash-group">{escape(text("dashboard_page", "population", lang))}</div>'

    # ------------------------------------------------------------------ events

    def values(self) -> dict[str, Any]:
        return {k: c.value for k, c in self.controls.items()}

    def _changed(self, change: Any) -> None:
        if not self.quiet:
            self.update()

    def _relang(self, change: Any) -> None:
        self.lang = change["new"]
        for lever in self.model.levers:
            self.labels[lever.key].value = escape(lever.label(self.lang))
            if lever.kind == "choice":
                ctl = self.controls[lever.key]
                self.quiet, value = True, ctl.value
                ctl.options = [(zh if self.lang == "zh" else en, v) for v, zh, en in lever.options]
                ctl.value, self.quiet = value, False
        for key in ("contribution", "split", "tiers", "rules", "behaviour"):
            if f"group-{key}" in self.labels:
                self.labels[
                    f"group-{key}"
                ].value = f'<div class="dash-group">{escape(text("dashboard_page", key, self.lang))}</div>'
        for button, key in (
            (self.save_button, "save"),
            (self.report_button, "report"),
            (self.workbook_button, "workbook"),
            (self.apply_button, "apply"),
            (self.reset_button, "reset"),
        ):
            button.description = text("dashboard_page", key, self.lang)
        if "keep-head" in self.labels:
            self._relabel_heads()
        self.show()

    def _reset(self, _: Any = None) -> None:
        self.quiet = True
        for lever in self.model.levers:
            self.controls[lever.key].value = lever.value
        self.quiet = False
        self.update()

    def _apply_population(self, _: Any = None) -> None:
        try:
            self.model.set_population(
                self.size_box.value or None, self.seed_box.value, self.file_box.value.strip() or None
            )
        except Exception as exc:  # noqa: BLE001 - a bad file or size is one line on screen
            self._error(exc)
            return
        self.update()

    def _error(self, exc: Exception) -> None:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        word = text("dashboard_page", "cannot_compute", self.lang)
        self.status.value = f'<div class="dash-error">{escape(word)}：{escape(first_line)}</div>'

    # ------------------------------------------------------------------ recompute and show

    def update(self) -> DashboardWhatIf | None:
        """Recompute the what-if for the controls' values and show it (figures first, then charts)."""
        start = time.perf_counter()
        try:
            overrides = overrides_for(self.model.base, self.values(), self.model.levers)
            wi = self.model.recompute(overrides)
        except Exception as exc:  # noqa: BLE001 - a meeting sees one line, never a traceback
            self._error(exc)
            return None
        self.elapsed_ms = (time.perf_counter() - start) * 1000
        self.overrides, self.last = overrides, wi
        self.show()
        return wi

    def show(self) -> None:
        wi, lang, m = self.last, self.lang, self.model
        if wi is None:
            return
        self.head.value = (
            f"<h2>{escape(text('dashboard_page', 'title', lang))}：{escape(m.base.policy.title.get(lang))}</h2>"
            f"<p><b>{escape(wi.title(lang))}</b></p>"
            f"<p>{escape(text('dashboard_page', 'people', lang))}：{escape(m.population_text(lang))}。"
            + escape(text("dashboard_page", "same_as_command", lang))
            + f"<code>{escape(' '.join(m.run_command(self.overrides)))}</code></p>"
        )
        self.status.value = (
            f'<span class="dash-took">{escape(text("dashboard_page", "took", lang))} {self.elapsed_ms:.0f} ms</span>'
        )
        self.figures.value = figures_html(wi, lang)
        story = Story(wi.what_if, wi, lang, m.seed, str(m.population_file) if m.population_file else None)
        self.report_html.value = story.first_screen() + story.sources_section() + story.tiers_section()
        self.charts.children = [
            self._chart(story.sources_chart()),
            *([self._chart(f)] if (f := story.tiers_chart()) else []),
        ]

    def _chart(self, fig):
        import matplotlib.pyplot as plt

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=80)
        plt.close(fig)
        return self.w.Image(value=buf.getvalue(), format="png", layout=self.w.Layout(max_width="100%"))

    # ------------------------------------------------------------------ keep the result

    def _message(self, html: str) -> None:
        self.keep_message.value = html

    def _save(self, _: Any = None) -> Path | None:
        try:
            path = save_variant(self.model, self.overrides, self.variant_path.value.strip())
        except (SimulateError, OSError) as exc:
            self._message(f'<div class="dash-error">{escape(str(exc).splitlines()[0])}</div>')
            return None
        word = text("dashboard_page", "saved_variant", self.lang)
        self._message(
            f'<div class="dash-saved">{escape(word)}<code class="dash-saved-path">{escape(str(path))}</code></div>'
        )
        return path

    def _workbook(self, _: Any = None) -> Path | None:
        """Write the comparison workbook where the box says and offer it as a download link."""
        if self.last is None:
            return None
        path = Path(self.workbook_path.value.strip()).expanduser()
        story = Story(self.last.what_if, self.last, self.lang, self.model.seed)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_estimate(
                path,
                self.last.what_if,
                lang=self.lang,
                what_if=self.last,
                tables=story.workbook_tables(),
                provenance=[
                    (text("dashboard_page", "provenance_population", self.lang), self.model.population_text(self.lang)),
                    (text("dashboard_page", "provenance_seed", self.lang), str(self.model.seed)),
                    (text("dashboard_page", "provenance_version", self.lang), f"simulate {__version__}"),
                ],
            )
        except (SimulateError, OSError) as exc:
            self._message(f'<div class="dash-error">{escape(str(exc).splitlines()[0])}</div>')
            return None
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        word = text("dashboard_page", "workbook_written", self.lang)
        link = text("dashboard_page", "download", self.lang)
        self._message(
            f"<div>{escape(word)}<code>{escape(str(path))}</code> "
            f'<a class="dash-download" download="{escape(path.name)}" href="data:{mime};base64,{data}">'
            f"{escape(link)}</a></div>"
        )
        return path

    def _report(self, _: Any = None) -> None:
        """``simulate report`` of the current settings in a separate process, with a progress bar."""
        out_dir = Path(self.report_dir.value.strip()).expanduser()
        try:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._message(f'<div class="dash-error">{escape(str(exc))}</div>')
            return
        cmd = self.model.report_command(self.overrides, out_dir, self.lang)
        self.report_button.disabled = True
        self.progress.layout.visibility = "visible"
        threading.Thread(target=self._report_worker, args=(cmd, out_dir), daemon=True).start()

    def _report_worker(self, cmd: list[str], out_dir: Path) -> None:
        lang = self.lang
        start = time.monotonic()
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL
        )
        while proc.poll() is None:
            used = time.monotonic() - start
            self.progress.value = min(95, int(used / 60 * 95))  # a report takes about a minute
            self._message(escape(text("dashboard_page", "rendering", lang, seconds=used)))
            time.sleep(1)
        err = proc.stderr.read().strip() if proc.stderr else ""
        self.progress.value = 100
        self.report_button.disabled = False
        self.progress.layout.visibility = "hidden"
        if proc.returncode != 0:
            self._message(f'<div class="dash-error">{escape((err.splitlines() or ["report failed"])[-1])}</div>')
            return
        self._message(escape(text("dashboard_page", "report_written", lang)) + f"<code>{escape(str(out_dir))}</code>")


def start(
    scenario: str | Path | None = None,
    *,
    settings: dict[str, Any] | None = None,
    output_dir: str | Path | None = None,
    **kwargs: Any,
) -> DashboardApp:
    """Build and display the dashboard (the what-if notebook's one cell); ``settings`` are
    starting lever values by key; with ``output_dir`` also write ``results.json`` of them."""
    from IPython.display import display

    path = os.environ.get("SIMULATE_SCENARIO") if scenario is None else scenario
    if not path:
        raise SimulateError("scenario", "give a scenario file")
    app = DashboardApp(find_scenario(path), **kwargs)
    unknown = sorted(set(settings or {}) - set(app.controls))
    if unknown:
        raise SimulateError("settings", f"no lever {unknown[0]!r} in this scenario")
    if settings:
        app.quiet = True
        for key, value in settings.items():
            app.controls[key].value = value
        app.quiet = False
        app.update()
    display(app.widget())
    if output_dir and app.last is not None:
        write_results(
            output_dir,
            {
                "title": "参数试算看板 what-if dashboard",
                "headline": {"调整": app.last.changes_text("zh") or "无"},
                "scenario": str(app.model.path),
                "overrides": app.overrides,
                "run_command": app.model.run_command(app.overrides),
                "population": app.model.population_text("zh"),
                "comparison": app.last.to_json(),
            },
        )
    return app
