"""Templates for a county that has no scenario yet: a commented Chinese scenario for one benefit
year with that year's national figures filled in (flagged as assumptions), and a villages/towns
task list (issue 15, item 4). Figures come from data/national-standards.csv via ``resources``.
"""

from __future__ import annotations

import csv
import functools
import io
import string
from pathlib import Path

from ..errors import ScenarioError
from ..io import safeio
from ..resources import data_path

#: The columns ``model.population.read_villages`` reads (data/daligang-2020-villages.csv).
VILLAGE_COLUMNS = ("village_id", "zh", "en", "residents", "task")


@functools.lru_cache(maxsize=1)
def national_standards() -> dict[int, dict[str, str]]:
    """data/national-standards.csv by benefit year (yuan as written, with the sources); read
    once per process (package data: ``simulate new`` asks twice, for the text and the note),
    so callers must not change it."""
    path = data_path("national-standards.csv")
    text = safeio.read_text(path, safeio.REGION, str(path), ScenarioError)
    return {int(r["benefit_year"]): r for r in csv.DictReader(io.StringIO(text, newline=""))}


def _q(text: str) -> str:
    """A YAML double-quoted string (the only characters that need escaping are \\ and \")."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


#: The template: every field with a Chinese comment; ${...} are filled by :func:`scenario_template`.
TEMPLATE = string.Template("""\
# ${county}${year}年度城乡居民基本医疗保险资助参保情景（模板，由 simulate new 生成）
# 使用方法：对照本县当年的征缴/资助参保文件逐项修改；凡文件未写明、由您推定的数值，
# 保留 assumption: true 并在 note/note_zh 中写明理由。改完后运行：
#     simulate validate 本文件.yaml      （检查）
#     simulate report 本文件.yaml        （生成报告）
# 金额一律以“元”填写，最多两位小数；比例以百分数填写（如 70 表示70%）。
# 以 # 开头的行是说明，程序不读。

id: county-${year}                      # 情景编号：小写字母、数字、- _ .，建议“县名拼音-年度”
title: {zh: ${title_zh}, en: "${year} resident medical insurance subsidies (template)"}
county: {zh: ${county_q}, en: "County (template)", province: 某某省, city: 某某市}   # 县名、英文名、所属省、市
benefit_year: ${year}                   # 待遇享受年度（缴费通常在上一年征缴期内）

document:                              # 本县文件：文号、标题、印发日期、发文机关
  number: （请填写文号）
  title: （请填写文件标题）
  date: ${prev}-09-01
  issuer: （请填写发文机关）
  assumption: true
  note: "Template placeholder: fill in the county notice's number, title, date and issuer."
  note_zh: "模板占位：请填写本县文件的文号、标题、日期和发文机关。"

contribution:                          # 缴费标准（元/人·年）
  section: （条款）                    # 文件中规定缴费标准的条款，如 三(一)
  personal: ${personal}                 # 个人缴费标准：${basis}全国标准
  fiscal_subsidy: ${fiscal}             # 财政人均补助标准：${basis}全国最低标准
  assumption: true
  note: ${note_en}
  note_zh: ${note_zh}
  fiscal_subsidy_split:                # 财政补助按政府层级分担（%，合计100）
    central: 60                        # 中央：国办发〔2018〕6号，第二档60%；第一档省份为80%
    provincial: 20                     # 省
    city: 10                           # 市
    county: 10                         # 县
    source: "Template: central 60% (国办发〔2018〕6号 tier 2); province/city/county assumed"
    source_zh: "模板：中央60%（国办发〔2018〕6号第二档），省、市、县分担为假设"
    assumption: true
    note: "Placeholder split: replace with the province's own shares."
    note_zh: "占位的分担比例：请按本省规定改写。"
  # 分人群缴费标准（如学生和未成年人、老年人标准不同）：去掉下面各行开头的“# ”即可启用，
  # 未列入任何人群的人按上面的 personal 缴费；一人符合多个人群时取列在前面的。
  # standards:
  #   - id: minors                     # 人群编号：小写字母开头
  #     label: {zh: 学生和未成年人, en: students and minors}
  #     who: {age: {max: 17}}          # 条件：17周岁及以下（写法同资助档次的 eligibility）
  #     personal: 350                  # 该人群的个人缴费标准（元）
  #     section: （条款）
  #   - id: elderly
  #     label: {zh: 60周岁以上老年人, en: the elderly (60 and over)}
  #     who: {age: {min: 60}}          # 60周岁及以上
  #     personal: 400
  #     fiscal_subsidy: ${fiscal}       # 可选：该人群的财政补助标准（不写则同上）
  #     section: （条款）              # 规定该人群标准的文件条款
  # 分档自选（一档/二档）：不写 who，改写 share（选择该档的人数占比%，各档合计100），例如：
  #   - {id: grade_one, label: {zh: 一档, en: grade one}, personal: 380, share: 70, section: （条款）}
  #   - {id: grade_two, label: {zh: 二档, en: grade two}, personal: 500, share: 30, section: （条款）}

multiple_identities:                   # 一人多重身份时如何确定资助档次
  rule: highest_benefit                # highest_benefit 就高不就低；priority 按下列档次顺序取第一个
  section: （条款）
  assumption: true
  note: "Template: highest benefit assumed until the notice says otherwise."
  note_zh: "模板：暂按“就高不就低”，请按文件改写。"

tiers:                                 # 资助档次：每档一项；身份编号见 DOMAIN.md（destitute 特困人员 等）
  - id: destitute                      # 档次编号：小写字母开头
    label: {zh: 特困人员, en: destitute}
    section: （条款）
    eligibility: {identity: destitute}   # 认定条件
    subsidy: {form: full, source: medical_assistance}   # full 全额资助；source 资金来源
    assumption: true
    note: "Template example: most notices pay the destitute's contribution in full from medical assistance."
    note_zh: "模板示例：多数文件对特困人员由医疗救助全额资助，请核对本县文件。"
  # 其他常见写法（去掉行首的 # 即可启用，并按文件改写）：
  # - id: dibao
  #   label: {zh: 低保对象, en: dibao}
  #   section: （条款）
  #   eligibility: {any: [urban_dibao, rural_dibao]}        # 城市或农村低保，任一即可
  #   subsidy: {form: percent, source: medical_assistance, percent: 70}   # 按个人缴费的70%资助
  # - id: monitored
  #   label: {zh: 监测对象, en: monitored}
  #   section: （条款）
  #   eligibility: {identity: monitored}
  #   subsidy: {form: fixed_subsidy, source: medical_assistance, amount: 100}   # 定额资助100元
  # - id: returned_to_poverty
  #   label: {zh: 返贫致贫人口, en: returned to poverty}
  #   section: （条款）
  #   eligibility: {identity: returned_to_poverty}
  #   subsidy: {form: percent, source: medical_assistance, percent: 70, cap: 250}   # 按70%资助，最高不超过250元
  #                                      # “不低于N元”写 floor: N；先按比例算到分，再按上下限调整
  # - id: orphans
  #   label: {zh: 孤儿, en: orphans}
  #   section: （条款）
  #   eligibility: {identity: orphan}
  #   subsidy:                                               # 按年龄段定额资助
  #     form: fixed_subsidy
  #     source: medical_assistance
  #     by_age:                                              # 从0岁起首尾相接，最后一段不写 below
  #       - {below: 18, amount: 200}                         # 18周岁以下
  #       - {from: 18, below: 60, amount: 150}               # 18至59周岁
  #       - {from: 60, amount: 180}                          # 60周岁及以上
  # - id: severe_disability
  #   label: {zh: 重度残疾人, en: severely disabled}
  #   section: （条款）
  #   eligibility: {disability_grade: [1, 2]}              # 残疾证一、二级
  #   subsidy: {form: fixed_personal, source: disabled_federation, personal: 50}   # 个人只缴50元
  # - id: elderly_poor
  #   label: {zh: 60岁以上脱贫人口, en: former poor aged 60+}
  #   section: （条款）
  #   eligibility: {all: [registered_poor, {age: {min: 60}}]}   # 同时满足
  #   subsidy:                                               # 多个来源分担
  #     form: split
  #     shares: [{source: medical_assistance, amount: 100}, {source: county_finance, rest: true}]

# 文件提到而词表没有的身份或付费单位（如 困境儿童、民政局）：在此声明，或写 vocabulary: 本县-local.yaml
# （同一文件夹中的文件），id 不得与已有 id 重复（见 docs/new-county.md）。
# vocabulary:
#   identities:
#     - {id: kunjing_children, zh: 困境儿童, en: children in difficulty, level: person, words: [困境儿童]}
#   sources:
#     - {id: minzheng_bureau, zh: 民政局, en: civil affairs bureau, level: county}

timing:                                # 征缴时间
  section: （条款）
  collection_period: {start: ${prev}-09-01, end: ${prev}-12-31}   # 集中征缴期
  late:                                # 征缴期后缴费：full_financing 按筹资总额；personal 按个人标准；
    mode: full_financing               # not_accepted 不予参保；same_as_regular 与征缴期相同
    section: （条款）
  assumption: true
  note: "Template: the usual collection period (September to December of the year before);
    replace with the notice's dates."
  note_zh: "模板：按常见征缴期（上一年9月至12月）填写，请按文件改写。"

targets:                               # 参保目标
  section: （条款）
  overall_percent: 95                  # 总体参保率目标（%）
  assumption: true
  note: "Template placeholder target."
  note_zh: "模板占位的参保率目标，请按文件改写。"

area:                                  # 参保基数（无花名册时用于模拟人口）
  residents: 100000                    # 常住或户籍人口（人）
  basis: census_residents              # census_residents 常住；household_register 户籍；document 文件所列
  employee_insured_percent: 10         # 参加职工医保、不参加居民医保的比例（%）
  source: "Template placeholder: replace with the county's census or register figure."
  assumption: true
  note: "Template placeholder population; with a villages file (simulate new --villages) set villages_file instead."
  note_zh: "模板占位的人口数；如有村（社区）任务表（simulate new --villages 生成），可改填 villages_file。"
""")


def scenario_template(county: str, year: int) -> str:
    """The template scenario text for ``county`` and benefit ``year``.

    A year after the last one data/national-standards.csv holds (a budget drafted before the
    national notice is out) gets the latest year's figures, flagged as carried over in the
    notes; a year before the first is refused (ScenarioError), as is an empty county name.
    """
    table = national_standards()
    first, last = min(table), max(table)
    if year < first:
        raise ScenarioError(
            "--year",
            f"no national figures for {year} in data/national-standards.csv (years {first}–{last})",
            reason_zh=f"data/national-standards.csv 没有{year}年度的全国标准（收录{first}–{last}年度）",
        )
    if not county.strip() or any(c in county for c in '\n\r"\\'):
        raise ScenarioError("--county", "give the county's name, e.g. 某某县", reason_zh="请写县名，如 某某县")
    row = table[min(year, last)]
    personal, fiscal = row["personal_yuan"], row["fiscal_subsidy_yuan"]
    if year > last:
        note_en = (
            f"The national figures for {year} are not in data/national-standards.csv yet (latest: {last}): "
            f"{last}'s carried over, personal {personal}, fiscal subsidy {fiscal}. Replace with the "
            "national and county notices' figures once published."
        )
        note_zh = (
            f"data/national-standards.csv 尚未收录{year}年度全国标准（最新为{last}年度）：暂按{last}年度"
            f"个人缴费{personal}元、财政补助{fiscal}元填写，国家和本县文件公布后请改写。"
        )
    else:
        note_en = (
            f"National figures for {year} (data/national-standards.csv): personal {personal} "
            f"({row['personal_source']}); fiscal subsidy {fiscal} ({row['fiscal_source']}). "
            "Replace with the county notice's figures."
        )
        note_zh = (
            f"{year}年度全国标准（data/national-standards.csv）：个人缴费{personal}元，"
            f"财政补助{fiscal}元。请按本县文件改写。"
        )
    return TEMPLATE.substitute(
        county=county,
        county_q=_q(county),
        year=year,
        prev=year - 1,
        personal=personal,
        fiscal=fiscal,
        basis=f"{year}年度" if year <= last else f"暂按{last}年度",
        title_zh=_q(f"{county}{year}年度城乡居民医保资助参保"),
        note_en=_q(note_en),
        note_zh=_q(note_zh),
    )


def carried_over(year: int) -> int | None:
    """The year whose national figures a template for ``year`` carries over (None if its own)."""
    last = max(national_standards())
    return last if year > last else None


def villages_template() -> str:
    """A villages/towns task list: the header ``read_villages`` reads and two example rows."""
    rows = [
        ",".join(VILLAGE_COLUMNS),
        "example_village_1,示例村一（请替换）,Example village 1,3000,2850",
        "example_town_2,示例社区二（请替换）,Example community 2,5000,4750",
    ]
    return "\n".join(rows) + "\n"


VILLAGES_GUIDE = """\
村（社区）任务表填写说明：
  village_id  村（社区）编号：小写字母、数字和下划线，每行不同（如 zhujia_cun）
  zh          中文名称（如 朱家村）
  en          英文或拼音名称（如 Zhujia Cun）
  residents   村（社区）人口数（人，整数，不写千位分隔符）
  task        下达的参保任务数（人，整数）
每个村（社区）一行；示例行请替换或删除。保存为 UTF-8 的 CSV 文件，
并在情景文件的 area.villages_file 中写上文件名。
"""


def write_text_new(path: Path, text: str) -> None:
    """Write ``text`` to a new file; an existing file is never overwritten."""
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except FileExistsError:
        raise ScenarioError(str(path), "already exists; choose another --out (nothing is overwritten)") from None
    except OSError as exc:
        raise ScenarioError(str(path), f"cannot write ({exc.strerror or exc})") from None
