# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["remove-cell"]
# **怎么用**：本笔记本是情景测算报告的模板，通常不直接打开，而是运行 `simulate report 情景文件.yaml`（可加 `--set 参数=取值` 做假设情景），在输出文件夹中打开 report.html 或 report.pdf。直接在 JupyterLab 中运行时，先改下面的参数单元格，再运行全部单元格。

# %% tags=["parameters"]
# Parameters (papermill). size None: all residents of the area. population: a person-level CSV.
# baseline: a scenario to compare with (default: the scenario without overrides, or a variant's parent).
scenario = "scenarios/sinan-2021.yaml"
overrides = {}
baseline = None
seed = 0
size = None
population = None
lang = "zh"
output_dir = "."
title = None

# %%
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import HTML, Image, display

import simulate
from simulate.report import story as st
from simulate.report.fonts import use_chinese_font
from simulate.report.story_standards import standards_section

use_chinese_font()
out_dir = Path(output_dir)
story = st.build(
    scenario, overrides, baseline=baseline, seed=seed, size=size, population=population, lang=lang, title=title
)


def show_chart(fig, name):
    """Show the saved 200-dpi PNG itself (the same bytes as the file), not a screen copy."""
    if fig is not None:
        plt.close(fig)
        display(Image(filename=str(out_dir / name), width=1000))


display(HTML(story.first_screen()))

# %%
display(HTML(story.sources_section()))
show_chart(story.sources_chart(out_dir / "by_source.png"), "by_source.png")

# %%
display(HTML(story.tiers_section()))
show_chart(story.tiers_chart(out_dir / "by_tier.png"), "by_tier.png")
if story.result.scenario.policy.contribution.standards:  # several standards: a table by standard
    display(HTML(standards_section(story.result, lang)))

# %%
display(HTML(story.split_section()))
display(HTML(story.targets_section()))

# %%
if len(story.result.villages) > 1:
    display(HTML(story.villages_section()))
    show_chart(story.villages_chart(out_dir / "by_village.png"), "by_village.png")
    display(HTML(story.group_targets_section()))
if story.result.scenario.policy.work_funds is not None:
    display(HTML(story.work_funds_section()))

# %%
display(HTML(story.assumptions_section()))
display(HTML(story.provenance_section(simulate.__version__)))

# %%
results = story.write(out_dir, simulate.__version__)
