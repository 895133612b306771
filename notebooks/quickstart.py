# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 快速入门（Quickstart）
#
# 用 `simulate` 计算一个县的城乡居民医保个人缴费由谁支付（who pays the resident medical-insurance
# contribution）。
#
# **怎么用**：在 JupyterLab 中打开本笔记本，点菜单“运行 → 运行全部单元格”（Run → Run All Cells），
# 从上到下依次得到结果；想换一个县或改个人缴费标准，只改下面参数单元格里的 `scenario` 或 `new_personal` 再运行全部。
# 表格中金额单位为元（带千位分隔符），比例为百分数。

# %% tags=["parameters"]
# Parameters (papermill). output_dir None means write nothing.
scenario = "scenarios/sinan-2021.yaml"
size = 100000
seed = 1
new_personal = 320
output_dir = None

# %% [markdown]
# **1. 准备**（setup）：找到仓库根目录，注册中文字体（register the Chinese font for charts）。

# %%
from pathlib import Path

import matplotlib.pyplot as plt

import simulate
from simulate.money import yuan_float
from simulate.report.fonts import use_chinese_font
from simulate.report.pretty import pretty
from simulate.resources import find_root
from simulate.results.outlay import col

ROOT = find_root()


def in_repo(path):
    path = Path(path)
    return path if path.is_absolute() else ROOT / path


use_chinese_font()
print("repository:", ROOT)

# %% [markdown]
# **2. 读取情景**（load a scenario）：一个 YAML 文件就是一个县一年的政策；金额以分（fen）保存。

# %%
sc = simulate.load_scenario(in_repo(scenario))
pol = sc.policy
print(pol.title.zh, "|", pol.title.en)
print("个人缴费标准 personal standard:", yuan_float(pol.contribution.personal), "元/yuan")
print("财政补助 fiscal subsidy:", yuan_float(pol.contribution.fiscal_subsidy), "元/yuan")
print("档次 tiers:", ", ".join(t.id for t in pol.tiers))

# %% [markdown]
# **3. 运行**（run）：合成人口（synthetic population）通过政策，按资金来源汇总（by funding source）。

# %%
out = simulate.run(sc, size=size, seed=seed, progress=False)
print(f"persons {out.persons:,}  enrolled {out.enrolled:,}")
pretty(out.by_source("zh"), vocab=pol.vocab)

# %% [markdown]
# **按资助档次**（by subsidy tier）：

# %%
pretty(out.by_tier("zh"), vocab=pol.vocab)

# %% [markdown]
# **4. 作图**（plot）：各资金来源支付金额，单位万元（10,000 yuan）。

# %%
src = out.by_source("zh")
# columns by name (the table's zh headings), never by position
name_col, yuan_col = col("source", "zh"), col("amount", "zh")
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.barh(src[name_col], src[yuan_col] / 10_000, color="#3b6ea5")
ax.invert_yaxis()
ax.set_xlabel("金额（万元）")
ax.set_title(f"{pol.title.zh}：各资金来源支付金额")
fig.tight_layout()
plt.show()

# %% [markdown]
# **5. 改一个参数并比较**（change one parameter and compare）：等同于命令行 `--set contribution.personal=…`；两个方案用同一批人（same people），差异只来自政策。

# %%
# the changed scenario gets its own id and title, so the comparison names it
name = f"个人缴费标准 {pol.contribution.personal // 100}→{new_personal} 元"
changed = simulate.load_scenario(
    in_repo(scenario),
    {
        "contribution.personal": new_personal,
        "id": f"{sc.id}-personal-{new_personal}",
        "title.zh": f"{pol.title.zh}（假设：{name}）",
    },
)
comparison = simulate.compare(sc, [changed], size=size, seed=seed)
print("；".join(comparison.legend("zh")))
pretty(comparison.by_source("zh"), vocab=pol.vocab)

# %% [markdown]
# **6. 解释一个人**（explain one person）：农村低保 + 建档立卡，45 岁女性。

# %%
person = simulate.Person(identities=frozenset({"rural_dibao", "registered_poor"}), age=45, sex="F")
print(simulate.explain_text(sc, person, "zh"))
simulate.explain_json(sc, person)

# %% [markdown]
# **7. 保存**（save, only when `output_dir` is set, e.g. by tests）。

# %%
if output_dir:
    from simulate.report.outcome import write_results

    write_results(
        output_dir,
        {
            "title": "快速入门 quickstart",
            "headline": {"参保人数": f"{out.enrolled:,}"},
            "scenario": sc.id,
            "size": size,
            "seed": seed,
            "new_personal": new_personal,
            "results": out.to_json(),
            "comparison": comparison.to_json(),
            "explain": simulate.explain_json(sc, person),
        },
    )
