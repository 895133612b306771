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
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import Markdown, display

import simulate
from simulate.model.behaviour import STUDY_2026
from simulate.report import show_table
from simulate.report import sweep_chart as charts
from simulate.report import sweep_story as ss
from simulate.report.fonts import use_chinese_font
from simulate.report.safehtml import code, md, style
from simulate.resources import find_root

ROOT = find_root()


def in_repo(path):
    path = Path(path)
    return path if path.is_absolute() else ROOT / path


use_chinese_font()
out_dir = Path(output_dir)
zh = lang == "zh"
# the scenario as given, and with the 2026 study response curve (an assumption), over one population
story = ss.build(
    in_repo(scenario),
    param,
    values,
    overrides=overrides,
    seed=seed,
    size=size,
    lang=lang,
    title=title,
    draws=int(draws),
    mc_size=mc_size,
)
sc, persons, values = story.sc, story.persons, story.values
param_label, value_text = story.param_label, story.value_text
# user text (titles, labels, values, notes) goes into Markdown through md() or code(): shown as text
display(Markdown(f"# {md(story.report_title)}"))

# %%
headline = ss.headline(story)
display(
    Markdown(
        ("## 主要数字\n\n" if zh else "## Headline figures\n\n")
        + "\n".join(f"- **{md(k)}**: {md(v)}" for k, v in headline.items())
    )
)
doc = sc.policy.document
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
show_table(ss.outlay_table(story), lang)
charts.outlay_chart(story, out_dir / "sweep_by_source.png")
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
show_table(ss.share_table(story), lang)
charts.share_chart(story, out_dir / "sweep_share.png")
plt.show()

# %%
display(
    Markdown("## 参保人数：考虑与不考虑行为响应" if zh else "## Enrollment with and without a behavioural response")
)
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
show_table(ss.enrollment_table(story), lang)
charts.enrollment_chart(story, out_dir / "sweep_enrollment.png")
plt.show()

# %%
display(
    Markdown(
        f"## 相对基准（{md(param_label)} = {md(values[0])}）的变化"
        if zh
        else f"## Change against the baseline ({md(param_label)} = {md(values[0])})"
    )
)
show_table(ss.delta_table(story), lang)
if charts.delta_chart(story, out_dir / "sweep_delta.png") is not None:
    plt.show()

# %%
display(Markdown("## 不确定性：蒙特卡洛 P5–P95 区间" if zh else "## Uncertainty: Monte Carlo P5–P95 bands"))
mc_rates, mc_persons = story.mc["rates"], story.mc["size"]
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
show_table(ss.bands_table(story), lang)
charts.bands_chart(story, out_dir / "sweep_uncertainty.png")
plt.show()

# %%
display(Markdown("## 本报告的假设" if zh else "## Assumptions this report makes"))
items = ss.assumptions(story)
display(Markdown("\n".join(f"- {code(a['path'])}: {md(a['note'])}" for a in items)))

# %%
display(Markdown("## 来源与可重复性" if zh else "## Provenance"))
display(
    style(ss.provenance_table(story, simulate.__version__)).hide(axis="index").set_properties(**{"text-align": "left"})
)


# %%
ss.write(story, out_dir, items)
