# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 参数试算看板（What-if dashboard）
#
# **怎么用**：在终端运行 `simulate dashboard 情景文件.yaml`，浏览器打开它打印的地址（只在本机 127.0.0.1）。
# 左边每个滑块、下拉框都是情景里的一项政策参数（个人缴费标准、财政补助及其分担、每个资助档次的金额或比例及支付方、
# 多重身份规则、行为响应）；拖动或用方向键改动后，右边的“基准 / 假设情景 / 增减”立即重算，数字与
# `simulate run 情景文件 --set …` 对同一批人口的结果一分不差。下方按钮可把当前设置保存为假设情景文件、
# 生成完整报告、下载测算表。在 JupyterLab 中打开本笔记本并运行全部单元格，也得到同一个看板。

# %% tags=["parameters"]
# Parameters (papermill). settings: starting lever values by lever key, e.g. {"personal": 200}.
# size None and seed 0 are the defaults of simulate run. population: a person-level CSV instead.
scenario = "scenarios/langxi-2024.yaml"
settings = {}
size = None
seed = 0
population = None
lang = "zh"
output_dir = None

# %%
from simulate.report.dashboard_app import start

app = start(scenario, settings=settings, size=size, seed=seed, population=population, lang=lang, output_dir=output_dir)
