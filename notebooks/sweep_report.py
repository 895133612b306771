# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["remove-cell"]
# **怎么用**：本笔记本是参数扫描报告的模板，通常不直接打开，而是运行 `simulate sweep 情景文件.yaml --param 参数路径 --values 取值1,取值2,…`，在输出文件夹中打开 report.html。直接在 JupyterLab 中运行时，先改下面的参数单元格，再运行全部单元格。

# %% tags=["parameters"]
# Parameters (papermill). values are the settings compared, the first is the baseline.
# size None means all residents of the area. draws and mc_size set the Monte Carlo study.
scenario = "scenarios/langxi-2024.yaml"
param = "contribution.personal"
values = [380, 400, 420, 450]
overrides = {}
seed = 0
size = None
lang = "zh"
output_dir = "."
title = None
draws = 20
mc_size = 50000

# %%
import datetime
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import simulate
from simulate import analysis as an
from simulate.analysis import sweep_study as study
from simulate.model.behaviour import STUDY_2026
from simulate.report import T, show_table
from simulate.report.excel import write_workbook
from simulate.report.fonts import use_chinese_font
from simulate.report.outcome import write_results
from simulate.report.safehtml import code, md, style
from simulate.resources import find_root
from simulate.vocabulary import SOURCE_IDS, colour, label

ROOT = find_root()


def in_repo(path):
    path = Path(path)
    return path if path.is_absolute() else ROOT / path


use_chinese_font()
out_dir = Path(output_dir)
zh = lang == "zh"
overrides = dict(overrides or {})
values = list(values)
scenario_path = in_repo(scenario)
sc = simulate.load_scenario(scenario_path, overrides)
pol = sc.policy

PARAM_LABELS = {
    "contribution.personal": ("个人缴费标准（元）", "personal standard (yuan)"),
    "contribution.fiscal_subsidy": ("财政补助标准（元）", "fiscal subsidy standard (yuan)"),
}
param_label = T(*PARAM_LABELS[param], lang) if param in PARAM_LABELS else param

# the scenario as given, and with the 2026 study response curve (an assumption)
given = an.sweep(scenario_path, param, values, size=size, seed=seed, overrides=overrides)
response_overrides = study.response_overrides(overrides)
responding = an.sweep(scenario_path, param, values, size=size, seed=seed, overrides=response_overrides)
persons = int(given["persons"].iloc[0])
paying = [s for s in SOURCE_IDS if (given[s] != 0).any() or (responding[s] != 0).any()]
government = [s for s in paying if s != "individual"]
x = given[param].astype(float)
WAN = 10_000

report_title = title or T(f"{pol.title.zh}：{param_label}情景比较", f"{pol.title.en}: sweep of {param_label}", lang)
# user text (titles, labels, values, notes) goes into Markdown through md() or code(): shown as text
display(Markdown(f"# {md(report_title)}"))

# %%
first, last = given.iloc[0], given.iloc[-1]
r_first, r_last = responding.iloc[0], responding.iloc[-1]
value_text = "、".join(str(v) for v in values) if zh else ", ".join(str(v) for v in values)
headline = {
    T("比较参数", "Parameter", lang): param_label,
    T("取值", "Values", lang): value_text,
    T("人数", "Persons", lang): f"{persons:,}",
    T(
        "个人缴费变化（万元）", "Change paid by individuals (10k yuan)", lang
    ): f"{(last['individual'] - first['individual']) / WAN:+,.2f}",
    T(
        "资助合计变化（万元）", "Change in subsidies (10k yuan)", lang
    ): f"{(last['subsidy_total'] - first['subsidy_total']) / WAN:+,.2f}",
    T(
        "个人缴费占比", "Share paid by individuals", lang
    ): f"{first['individual_share']:.2%} → {last['individual_share']:.2%}",
    T(
        "参保人数变化（含行为响应）", "Change in enrolled (with response)", lang
    ): f"{int(r_last['enrolled'] - r_first['enrolled']):+,}",
}
display(
    Markdown(
        ("## 主要数字\n\n" if zh else "## Headline figures\n\n")
        + "\n".join(f"- **{md(k)}**: {md(v)}" for k, v in headline.items())
    )
)
doc = pol.document
display(
    Markdown(
        (
            f"依据：{md(doc.issuer)}《{md(doc.title)}》（{md(doc.number)}）。本报告把 {code(param)} 依次设为 {md(value_text)}，"
            f"以第一个取值（{md(values[0])}）为基准；每个取值都用同一批 {persons:,} 名参保对象（合成人口，随机种子 {seed}），"
            "因此差异完全来自政策本身。金额单位为万元（表格）或元（Excel）。"
        )
        if zh
        else (
            f"Source: {md(doc.issuer)}, {md(doc.title)} ({md(doc.number)}). This report sets {code(param)} to {md(value_text)} in turn; "
            f"the first value ({md(values[0])}) is the baseline. Every value runs over the same {persons:,} persons "
            f"(synthetic population, seed {seed}), so differences are the policy's doing. Tables show 10,000 yuan; "
            "the Excel workbook shows yuan."
        )
    )
)

# %%
display(Markdown("## 各资金来源支出" if zh else "## Outlay by funding source"))
value_col = T("取值", "value", lang)


def wan_table(frame, columns):
    table = pd.DataFrame({value_col: [str(v) for v in values]})
    for s in columns:
        table[f"{label(s, lang)}（万元）" if zh else f"{label(s, lang)} (10k yuan)"] = frame[s] / WAN
    return table


extra = {
    "subsidy_total": T("资助合计", "subsidies total", lang),
    "fiscal_subsidy": T("财政补助", "fiscal subsidy", lang),
}
table = wan_table(given, paying)
table[T("资助合计（万元）", "subsidies total (10k yuan)", lang)] = given["subsidy_total"] / WAN
table[T("财政补助（万元）", "fiscal subsidy (10k yuan)", lang)] = given["fiscal_subsidy"] / WAN
show_table(table, lang)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
ax1.plot(x, given["individual"] / WAN, marker="o", color=colour("individual"), label=label("individual", lang))
ax1.set_title(T("个人缴费", "Paid by individuals", lang))
for s in government:
    ax2.plot(x, given[s] / WAN, marker="o", ms=4, color=colour(s), label=label(s, lang))
ax2.set_title(T("各资助来源", "Paid by each subsidising source", lang))
for ax in (ax1, ax2):
    ax.set_xlabel(param_label)
    ax.set_ylabel(T("金额（万元）", "amount (10,000 yuan)", lang))
    ax.set_xticks(list(x))
    ax.grid(alpha=0.3)
ax2.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
fig.suptitle(T(f"各资金来源支出随{param_label}变化", f"Outlay by funding source as the {param_label} varies", lang))
fig.tight_layout()
fig.savefig(out_dir / "sweep_by_source.png", dpi=200, bbox_inches="tight")
plt.show()

# %%
display(Markdown("## 个人缴费占比" if zh else "## Share paid by individuals"))
display(
    Markdown(
        "个人缴费占比 = 个人实际缴纳的金额 ÷ 全部参保人个人缴费总额（含各来源资助）。"
        if zh
        else "Share paid by individuals = what persons pay themselves ÷ all personal contributions (subsidies included)."
    )
)
share = pd.DataFrame(
    {
        value_col: [str(v) for v in values],
        T("个人缴费占比", "share paid by individuals", lang): given["individual_share"],
        T("个人缴费合计（万元）", "paid by individuals (10k yuan)", lang): given["individual"] / WAN,
        T("资助合计（万元）", "subsidies total (10k yuan)", lang): given["subsidy_total"] / WAN,
    }
)
show_table(share, lang)
fig, ax = plt.subplots(figsize=(7, 3.6))
ax.plot(x, given["individual_share"] * 100, marker="o", color="#3b6ea5")
ax.set_xlabel(param_label)
ax.set_ylabel(T("占比（%）", "share (%)", lang))
ax.set_xticks(list(x))
ax.set_title(T("个人缴费占个人缴费总额的比例", "Share of personal contributions paid by individuals", lang))
ax.grid(alpha=0.3)
fig.tight_layout()
fig.savefig(out_dir / "sweep_share.png", dpi=200, bbox_inches="tight")
plt.show()

# %%
display(
    Markdown("## 参保人数：考虑与不考虑行为响应" if zh else "## Enrollment with and without a behavioural response")
)
own = pol.behaviour.model
given_name = (
    T("不考虑行为响应", "no response", lang)
    if own == "none"
    else T("情景设定的行为响应", "the scenario's own response", lang)
)
response_name = T("假设的行为响应（2026年研究）", "assumed response (2026 study)", lang)
display(
    Markdown(
        (
            "**行为响应曲线是假设，不是测量结果。** 没有关于居民医保参保弹性的实测数据（DOMAIN.md“National standards”）。"
            "这里按 DOMAIN.md 引用的 2026 年模拟研究（个人缴费超过 450 元时参保率跌破 90%）校准一条 logistic 曲线："
            f"参保意愿 P(x) = 1 / (1 + exp({STUDY_2026['slope_per_yuan']} × (x − {STUDY_2026['midpoint_yuan']})))，"
            f"x 为资助后个人实际缴费（元），以 {STUDY_2026['reference_yuan']:.0f} 元时的参保率为观测基准"
            f"（实际缴费不超过 {STUDY_2026['reference_yuan']:.0f} 元的人不退出）；特困、低保、建档立卡等全额参保群体不响应。"
        )
        if zh
        else (
            "**The response curve is an assumption, not a measurement.** No measured participation elasticity exists "
            "for resident insurance (DOMAIN.md, National standards). The curve is calibrated to the 2026 simulation study "
            "DOMAIN.md cites (participation below 90% once the personal contribution exceeds 450 yuan): "
            f"P(x) = 1 / (1 + exp({STUDY_2026['slope_per_yuan']} × (x − {STUDY_2026['midpoint_yuan']}))), x the yuan a "
            f"person pays after subsidy, with participation observed at {STUDY_2026['reference_yuan']:.0f} yuan "
            f"(nobody paying {STUDY_2026['reference_yuan']:.0f} yuan or less drops out); "
            "the hardship groups enrolled in full do not respond."
        )
    )
)
enrol = pd.DataFrame(
    {
        value_col: [str(v) for v in values],
        T("参保人数（", "enrolled (", lang) + given_name + T("）", ")", lang): given["enrolled"],
        T("参保人数（", "enrolled (", lang) + response_name + T("）", ")", lang): responding["enrolled"],
        T("参保率（", "participation (", lang) + given_name + T("）", ")", lang): given["participation"],
        T("参保率（", "participation (", lang) + response_name + T("）", ")", lang): responding["participation"],
        T("个人缴费（万元，行为响应）", "paid by individuals (10k yuan, with response)", lang): responding["individual"]
        / WAN,
        T("资助合计（万元，行为响应）", "subsidies (10k yuan, with response)", lang): responding["subsidy_total"] / WAN,
    }
)
show_table(enrol, lang)
fig, ax = plt.subplots(figsize=(7, 3.8))
ax.plot(x, given["enrolled"], marker="o", color="#3b6ea5", label=given_name)
ax.plot(x, responding["enrolled"], marker="s", color="#c0392b", ls="--", label=response_name)
ax.set_xlabel(param_label)
ax.set_ylabel(T("参保人数（人）", "enrolled (persons)", lang))
ax.set_xticks(list(x))
ax.set_title(T("参保人数：考虑与不考虑行为响应", "Enrolled persons with and without a behavioural response", lang))
ax.grid(alpha=0.3)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(out_dir / "sweep_enrollment.png", dpi=200, bbox_inches="tight")
plt.show()

# %%
display(
    Markdown(
        f"## 相对基准（{md(param_label)} = {md(values[0])}）的变化"
        if zh
        else f"## Change against the baseline ({md(param_label)} = {md(values[0])})"
    )
)
delta = (
    given[paying + ["subsidy_total", "fiscal_subsidy"]] - given[paying + ["subsidy_total", "fiscal_subsidy"]].iloc[0]
)
delta_table = wan_table(delta, paying)
delta_table[T("资助合计（万元）", "subsidies total (10k yuan)", lang)] = delta["subsidy_total"] / WAN
delta_table[T("财政补助（万元）", "fiscal subsidy (10k yuan)", lang)] = delta["fiscal_subsidy"] / WAN
show_table(delta_table, lang)
if len(values) > 1:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1, max(len(government), 1)]})
    width = 0.8 / (len(values) - 1)
    for ax, sources, name in (
        (axes[0], ["individual"], T("个人缴费", "Paid by individuals", lang)),
        (axes[1], government, T("各资助来源", "Each subsidising source", lang)),
    ):
        positions = range(len(sources))
        for k in range(1, len(values)):
            # each source keeps its own colour; later values are darker (legend in grey)
            ax.bar(
                [p + (k - 1) * width for p in positions],
                delta[sources].iloc[k] / WAN,
                width,
                color=[colour(s) for s in sources],
                alpha=0.35 + 0.65 * k / (len(values) - 1),
                edgecolor="#555555",
                linewidth=0.4,
            )
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks(
            [p + (len(values) - 2) * width / 2 for p in positions],
            [label(s, lang) for s in sources],
            rotation=20 if len(sources) > 3 else 0,
            ha="right" if len(sources) > 3 else "center",
        )
        ax.set_ylabel(T("变化（万元）", "change (10,000 yuan)", lang))
        ax.set_title(name)
        ax.grid(alpha=0.3, axis="y")
    from matplotlib.patches import Patch

    axes[1].legend(
        [Patch(facecolor="#777777", alpha=0.35 + 0.65 * k / (len(values) - 1)) for k in range(1, len(values))],
        [f"{values[k]}" for k in range(1, len(values))],
        title=param_label,
        fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
    )
    fig.suptitle(
        T(
            f"各资金来源相对基准（{values[0]}）的变化",
            f"Change by funding source against the baseline ({values[0]})",
            lang,
        )
    )
    fig.tight_layout()
    fig.savefig(out_dir / "sweep_delta.png", dpi=200, bbox_inches="tight")
    plt.show()

# %%
display(Markdown("## 不确定性：蒙特卡洛 P5–P95 区间" if zh else "## Uncertainty: Monte Carlo P5–P95 bands"))
mc_rates = study.monte_carlo_rates(pol)
mc_persons = int(mc_size or persons)
scale = persons / mc_persons
mc_frame = study.monte_carlo_bands(
    scenario_path,
    param,
    values,
    paying,
    draws=int(draws),
    size=mc_persons,
    persons=persons,
    rates=mc_rates,
    seed=seed,
    overrides=overrides,
)
display(
    Markdown(
        (
            f"每个取值抽取 {int(draws)} 个合成人口（每个 {mc_persons:,} 人，结果按 {persons:,} 人折算）；每次抽取时参保率在 "
            f"{mc_rates['participation'][0]:.0%}–{mc_rates['participation'][1]:.0%} 之间、本情景用到的各身份比例在默认值的 80%–120% 之间均匀取值（假设）。"
            "所有取值使用同一组随机种子。表中为各资金来源支出的 P5、P50、P95（万元）。"
        )
        if zh
        else (
            f"For each value, {int(draws)} synthetic populations of {mc_persons:,} persons (scaled to {persons:,}); each draw takes "
            f"participation uniformly in {mc_rates['participation'][0]:.0%}–{mc_rates['participation'][1]:.0%} and every identity "
            "share this scenario uses in 80%–120% of its default (an assumption). All values use the same seeds. "
            "The table shows P5, P50 and P95 of each source's outlay (10,000 yuan)."
        )
    )
)
mc_table = pd.DataFrame(
    {
        value_col: [str(v) for v in mc_frame["value"]],
        T("资金来源", "funding source", lang): [label(s, lang) for s in mc_frame["source"]],
        T("P5（万元）", "P5 (10k yuan)", lang): mc_frame["p5"] / WAN,
        T("P50（万元）", "P50 (10k yuan)", lang): mc_frame["p50"] / WAN,
        T("P95（万元）", "P95 (10k yuan)", lang): mc_frame["p95"] / WAN,
    }
)
show_table(mc_table, lang)
fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
for ax, sources, name in (
    (axes[0], ["individual"], T("个人缴费", "Paid by individuals", lang)),
    (axes[1], government, T("各资助来源", "Each subsidising source", lang)),
):
    for s in sources:
        part = mc_frame[mc_frame["source"] == s]
        xs = part["value"].astype(float)
        (line,) = ax.plot(xs, part["p50"] / WAN, marker="o", ms=4, color=colour(s), label=label(s, lang))
        ax.fill_between(xs, part["p5"] / WAN, part["p95"] / WAN, color=line.get_color(), alpha=0.2)
    ax.set_title(name)
    ax.set_xlabel(param_label)
    ax.set_ylabel(T("金额（万元）", "amount (10,000 yuan)", lang))
    ax.set_xticks(list(x))
    ax.grid(alpha=0.3)
axes[1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
fig.suptitle(T("各资金来源支出的 P50 与 P5–P95 区间", "Outlay by source: P50 with the P5–P95 band", lang))
fig.tight_layout()
fig.savefig(out_dir / "sweep_uncertainty.png", dpi=200, bbox_inches="tight")
plt.show()

# %%
display(Markdown("## 本报告的假设" if zh else "## Assumptions this report makes"))
# each scenario note in the report's language (note_zh in zh, the English note in en)
items = [{"path": a["path"], "note": a["note"]} for a in sc.assumptions(lang)]
items.append(
    {
        "path": "behaviour",
        "note": T(
            "行为响应曲线为假设：按 DOMAIN.md 引用的 2026 年模拟研究校准（380 元时参保率 95%，450 元时 90%）。",
            "The behavioural response curve is an assumption calibrated to the 2026 simulation study cited in DOMAIN.md "
            "(95% participation at 380 yuan, 90% at 450 yuan).",
            lang,
        ),
    }
)
items.append(
    {
        "path": "monte_carlo",
        "note": T(
            "不确定性区间的比例范围为假设：参保率 ±2 个百分点，各身份比例为默认值的 80%–120%。",
            "The Monte Carlo ranges are assumptions: participation ±2 points, identity shares 80%–120% of the defaults.",
            lang,
        ),
    }
)
items.append(
    {
        "path": "population",
        "note": T(
            "人口为合成人口（data/ 中的比例与年龄结构），不是花名册。",
            "The population is synthetic (rates and age structure in data/), not the departments' rosters.",
            lang,
        ),
    }
)
display(Markdown("\n".join(f"- {code(a['path'])}: {md(a['note'])}" for a in items)))

# %%
display(Markdown("## 来源与可重复性" if zh else "## Provenance"))
prov = sc.provenance()
rows = [(T("情景文件", "Scenario file", lang), f"{f['path']} (sha256 {f['sha256'][:16]}…)") for f in prov["files"]]
rows += [
    (T("文号", "Document", lang), pol.document.number),
    (T("比较参数", "Parameter", lang), param),
    (T("取值", "Values", lang), value_text),
    (T("参数调整", "Overrides", lang), json.dumps(overrides, ensure_ascii=False)),
    (T("人口", "Population", lang), T(f"合成人口 {persons:,} 人", f"synthetic, {persons:,} persons", lang)),
    (T("随机种子", "Seed", lang), str(seed)),
    (
        T("蒙特卡洛", "Monte Carlo", lang),
        T(f"{int(draws)} 次抽样 × {mc_persons:,} 人", f"{int(draws)} draws × {mc_persons:,} persons", lang),
    ),
    (T("软件版本", "Package version", lang), f"simulate {simulate.__version__}"),
    (T("生成日期", "Generated", lang), datetime.date.today().isoformat()),
]
display(
    style(pd.DataFrame(rows, columns=[T("项目", "Item", lang), T("内容", "Value", lang)]))
    .hide(axis="index")
    .set_properties(**{"text-align": "left"})
)


# %%
def yuan_sheet(frame):
    sheet = pd.DataFrame({param: frame[param]})
    for s in paying:
        sheet[f"{label(s, lang)}（元）" if zh else f"{label(s, lang)} (yuan)"] = frame[s]
    sheet[T("资助合计（元）", "subsidies total (yuan)", lang)] = frame["subsidy_total"]
    sheet[T("财政补助（元）", "fiscal subsidy (yuan)", lang)] = frame["fiscal_subsidy"]
    sheet[T("个人缴费占比", "share paid by individuals", lang)] = frame["individual_share"]
    sheet[T("人数", "persons", lang)] = frame["persons"]
    sheet[T("参保人数", "enrolled", lang)] = frame["enrolled"]
    sheet[T("参保率", "participation", lang)] = frame["participation"]
    return sheet


delta_sheet = pd.DataFrame({param: given[param]})
for s in paying:
    delta_sheet[f"{label(s, lang)}（元）" if zh else f"{label(s, lang)} (yuan)"] = delta[s]
delta_sheet[T("资助合计（元）", "subsidies total (yuan)", lang)] = delta["subsidy_total"]
delta_sheet[T("财政补助（元）", "fiscal subsidy (yuan)", lang)] = delta["fiscal_subsidy"]
mc_sheet = pd.DataFrame(
    {
        param: mc_frame["value"],
        T("资金来源", "funding source", lang): [label(s, lang) for s in mc_frame["source"]],
        T("P5（元）", "P5 (yuan)", lang): mc_frame["p5"].round(2),
        T("P50（元）", "P50 (yuan)", lang): mc_frame["p50"].round(2),
        T("P95（元）", "P95 (yuan)", lang): mc_frame["p95"].round(2),
    }
)
sheets = {
    T("按资金来源", "By source", lang): yuan_sheet(given),
    T("行为响应", "With response", lang): yuan_sheet(responding),
    T("相对基准变化", "Change vs baseline", lang): delta_sheet,
    T("不确定性", "Uncertainty", lang): mc_sheet,
    T("假设", "Assumptions", lang): pd.DataFrame(items),
}
all_cols = [c for f in sheets.values() for c in f.columns]
money = [c for c in all_cols if "元" in c or "yuan" in c]
percent = [
    c
    for c in all_cols
    if c in (T("个人缴费占比", "share paid by individuals", lang), T("参保率", "participation", lang))
]
counts = [c for c in all_cols if c in (T("人数", "persons", lang), T("参保人数", "enrolled", lang))]
write_workbook(out_dir / "tables.xlsx", sheets, money_columns=money, percent_columns=percent, count_columns=counts)


def records(frame):
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()} for row in frame.to_dict(orient="records")
    ]


write_results(
    out_dir,
    {
        "title": report_title,
        "headline": headline,
        "scenario": sc.id,
        "param": param,
        "values": values,
        "size": size,
        "seed": seed,
        "persons": persons,
        "overrides": overrides,
        "sweep": records(given),
        "sweep_with_response": records(responding),
        "response_overrides": response_overrides,
        "monte_carlo": {
            "draws": int(draws),
            "size": mc_persons,
            "scale": scale,
            "rates": {k: list(v) for k, v in mc_rates.items()},
            "rows": records(mc_frame),
        },
        "assumptions": items,
        "provenance": prov,
    },
)
