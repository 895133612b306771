"""Build the made-up 思南县 2021 department rosters (花名册) in this folder.

Deterministic: run ``python tests/rosters/make_rosters.py`` and the same files come out
(xlsx timestamps are fixed). Every person and ID number is invented: region code 520624
(思南县), birth date, sequence number and a GB 11643-1999 check digit computed here.
The hand-computed bill for these files is ``expected.yaml`` (see the comments there).

Files:

* ``minzheng_dibao.csv``     民政局 低保/低保边缘 roster, GBK, a title row above the header
* ``minzheng_tekun.xlsx``    民政局 特困/孤儿, merged title cells, blank rows, a village merged
                             down a block, ID numbers as text, one as a float (lost digits),
                             one 15-digit old number stored as a number, a merged footer
* ``canlian.xlsx``           残联 roster with 残疾等级 (一级…四级, one bad 五级)
* ``fupin_jdlk.csv``         扶贫办 建档立卡/监测 roster, UTF-8 with BOM
* ``tuiyi_youfu.xlsx``       退役军人事务局 优抚 roster (its category words need ``mapping.yaml``)
* ``weijian_jisheng.csv``    卫健局 计生 roster, UTF-8 (特扶 needs ``mapping.yaml``)
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent
REGION = "520624"


def check(first17: str) -> str:
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


def pid(birth: str, seq: str) -> str:
    """A valid 18-character number for 思南县 (seq: odd last digit = man, even = woman)."""
    body = REGION + birth + seq
    return body + check(body)


def bad_check(number: str) -> str:
    """The same number with a wrong check digit."""
    good = number[-1]
    wrong = "0" if good != "0" else "1"
    return number[:-1] + wrong


# --- the cast (villages: 青杠坝村, 大坪村 in 塘头镇; 桃园村 in 许家坝镇; 关中坝社区 in 思唐街道)
T_TANGTOU, T_XUJIABA, T_SITANG = "塘头镇", "许家坝镇", "思唐街道"
A, B, C, D = "青杠坝村", "大坪村", "桃园村", "关中坝社区"
TOWN = {A: T_TANGTOU, B: T_TANGTOU, C: T_XUJIABA, D: T_SITANG}

ZHANG_DEMING = pid("19500412", "031")
ZHANG_XIUYING = pid("19530818", "062")
LI_GUOFU = pid("19720305", "013")
LI_XIAOFANG = pid("20080921", "044")
WANG_JIANHUA = pid("19651130", "015")
YANG_GUANGRONG = pid("19580207", "037")
LIU_GUILAN_15 = "520624400315022"  # old 15-digit number
LIU_GUILAN = pid("19400315", "022")  # the same person, 18 digits (优抚 roster)
CHEN_YONGFU = pid("19800616", "059")
SHI_GUIZHI = pid("19520101", "028")  # 68 on 2021-01-01
SHI_XIAOJUN = pid("19610102", "071")  # 59 on 2021-01-01, 60 the next day
XIE_BADCHECK = bad_check(pid("19770704", "093"))
ZHOU_LAOWU = pid("19381009", "017")
WU_XIAOMING = pid("20120512", "035")  # written as a float: digits lost
HUANG_JINHUA = pid("19450623", "046")
ZHAO_ZIHAN = pid("20100228", "068")
BAD_DATE = REGION + "19751305" + "041"
BAD_DATE += check(BAD_DATE)  # check digit right, month 13 wrong
SUN_DEGUI_15 = 520624420708013  # old 15-digit number stored as a number
MA_ZHIQIANG = pid("19850714", "079")
LUO_CHUNMEI = pid("19900302", "084")
HE_DASHAN = pid("19600825", "097")
TIAN_GUANGMING = pid("19751201", "111")
LONG_MINGLIANG = pid("19881019", "133")
LONG_XIAOYU = pid("20150606", "142")
RAN_QIBING = pid("19700909", "155")
AN_DESHENG = pid("19551111", "177")
SHORT_ID = pid("19920101", "188")[:-1]  # 17 characters
NO_NAME = pid("19930303", "196")
CHEN_ZHIJUN = pid("19520520", "219")
DENG_GUOHUA = pid("19600101", "231")
YANG_MUSHENG = pid("19490909", "253")
JUNSHU = pid("19660606", "264")
JIANG_SHUFEN = pid("19620417", "282")
JIANG_HONG = pid("19900808", "306")
XIE_CHANGQING = pid("19680303", "317")


def dibao_csv() -> None:
    """民政 低保 roster: GBK, title row and a unit row above the header, a blank row at the end."""
    rows = [
        ["思南县2021年度城乡最低生活保障对象参保资助花名册", "", "", "", "", "", "", ""],
        ["填报单位：思南县民政局", "", "", "", "", "", "", "单位：人"],
        ["序号", "乡镇（街道）", "村（社区）", "户主姓名", "姓名", "身份证号码", "保障类别", "备注"],
        ["1", T_TANGTOU, A, "张德明", "张德明", ZHANG_DEMING, "农村低保", ""],
        ["2", T_TANGTOU, A, "张德明", "张秀英", ZHANG_XIUYING, "农村低保", "兼建档立卡"],
        ["3", T_TANGTOU, B, "李国富", "李国富", LI_GUOFU, "农村低保", "持残疾证"],
        ["4", T_TANGTOU, B, "李国富", "李小芳", LI_XIAOFANG, "农村低保", ""],
        ["5", T_SITANG, D, "王建华", "王建华", WANG_JIANHUA, "城市低保", ""],
        ["6", T_TANGTOU, A, "谢某某", "谢光辉", XIE_BADCHECK, "农村低保", "身份证号录入有误"],
        ["7", T_TANGTOU, A, "张德明", "张德明", ZHANG_DEMING, "农村低保", "重复录入"],
        ["8", T_XUJIABA, C, "杨光荣", "杨光荣", YANG_GUANGRONG, "农村低保", ""],
        ["9", T_XUJIABA, C, "刘桂兰", "刘桂兰", LIU_GUILAN_15, "农村低保", "老身份证"],
        ["10", T_TANGTOU, A, "陈永福", "陈永福", CHEN_YONGFU, "低保", ""],
        ["11", T_SITANG, D, "石桂芝", "石桂芝", SHI_GUIZHI, "低保边缘", ""],
        ["12", T_SITANG, D, "石桂芝", "石小军", SHI_XIAOJUN, "低保边缘", ""],
        ["", "", "", "", "", "", "", ""],
    ]
    with (HERE / "minzheng_dibao.csv").open("w", encoding="gbk", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _fixed_props(wb) -> None:
    stamp = dt.datetime(2020, 11, 20, 9, 0, 0)
    wb.properties.creator = "思南县"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.lastModifiedBy = "思南县"


def _save(wb, name: str) -> None:
    """Save with fixed document properties (openpyxl stamps 'modified' with now on save)."""
    _fixed_props(wb)
    path = HERE / name
    # openpyxl stamps "modified" with the time of saving: write, then patch the zip
    wb.save(path)
    _normalise_zip(path)


def _normalise_zip(path: Path) -> None:
    """Rewrite the xlsx with fixed zip timestamps and a fixed docProps/core.xml date."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as zin:
        items = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items:
            if name == "docProps/core.xml":
                data = re.sub(
                    rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>",
                    rb"<dcterms:modified\1>2020-11-20T09:00:00Z</dcterms:modified>",
                    data,
                )
            info = zipfile.ZipInfo(name, date_time=(2020, 11, 20, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)


def tekun_xlsx() -> None:
    """民政 特困/孤儿: merged title, blank rows, a village merged down two rows, mixed ID cells."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "特困孤儿"
    ws["A1"] = "思南县2021年度特困供养人员、孤儿参保资助花名册"
    ws.merge_cells("A1:G1")
    ws["A2"] = "填报单位（盖章）：思南县民政局        填报时间：2020年11月"
    ws.merge_cells("A2:G2")
    ws.append(["序号", "乡镇", "村（社区）", "姓名", "性别", "公民身份号码", "人员类别"])
    ws.append([1, T_TANGTOU, A, "周老五", "男", ZHOU_LAOWU, "特困供养人员"])
    ws.append([2, T_TANGTOU, None, "吴小明", "男", float(WU_XIAOMING), "孤儿"])  # digits lost
    ws.merge_cells("C4:C5")  # 青杠坝村 written once for rows 4-5
    ws.append([None] * 7)  # blank row
    ws.append([3, T_TANGTOU, B, "黄金花", "女", HUANG_JINHUA, "特困供养人员"])
    ws.append([4, T_XUJIABA, C, "赵子涵", "女", ZHAO_ZIHAN, "孤儿"])
    ws.append([5, T_XUJIABA, C, "罗某", "女", BAD_DATE, "孤儿"])
    ws.append([None] * 7)
    ws.append([6, T_SITANG, D, "孙德贵", "男", SUN_DEGUI_15, "五保户"])  # number cell
    for r in range(4, ws.max_row + 1):
        cell = ws.cell(r, 6)
        if isinstance(cell.value, str):
            cell.number_format = "@"
    ws.append([None] * 7)
    ws.append(["制表人：冉某   审核人：田某   分管领导：杨某"])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=7)
    _save(wb, "minzheng_tekun.xlsx")


def canlian_xlsx() -> None:
    """残联 roster: 残疾等级 一级…四级 (and one unreadable 五级), a duplicate with another name."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "持证残疾人"
    ws["A1"] = "思南县持证残疾人参保资助花名册（2021年度）"
    ws.merge_cells("A1:H1")
    ws.append(["序号", "姓名", "性别", "身份证号", "残疾类别", "残疾等级", "乡镇", "村"])
    ws.append([1, "李国富", "男", LI_GUOFU, "肢体", "二级", T_TANGTOU, B])
    ws.append([2, "黄金花", "女", HUANG_JINHUA, "视力", "一级", T_TANGTOU, B])
    ws.append([3, "马志强", "男", MA_ZHIQIANG, "听力", "三级", T_TANGTOU, A])
    ws.append([4, "罗春梅", "女", LUO_CHUNMEI, "言语", "四级", T_XUJIABA, C])
    ws.append([5, "何大山", "男", HE_DASHAN, "智力", "一级", T_TANGTOU, B])
    ws.append([6, "田光明", "男", TIAN_GUANGMING, "肢体", "五级", T_SITANG, D])
    ws.append([7, "马志刚", "男", MA_ZHIQIANG, "听力", "三级", T_TANGTOU, A])
    for r in range(3, ws.max_row + 1):
        ws.cell(r, 4).number_format = "@"
    _save(wb, "canlian.xlsx")


def fupin_csv() -> None:
    """扶贫办 建档立卡 roster: UTF-8 with BOM, one 监测户 (no tier in 思南), two bad rows."""
    rows = [
        ["序号", "乡镇", "村", "户编号", "姓名", "证件号码", "与户主关系", "人员类别"],
        ["1", T_TANGTOU, A, "5206240101001", "张秀瑛", ZHANG_XIUYING, "配偶", "脱贫户"],
        ["2", T_XUJIABA, C, "5206240302007", "龙明亮", LONG_MINGLIANG, "户主", "建档立卡贫困户"],
        ["3", T_XUJIABA, C, "5206240302007", "龙小雨", LONG_XIAOYU, "之女", "建档立卡贫困户"],
        ["4", T_TANGTOU, B, "5206240102011", "冉启兵", RAN_QIBING, "户主", "脱贫户"],
        ["5", T_TANGTOU, A, "5206240101019", "安德胜", AN_DESHENG, "户主", "监测户"],
        ["6", T_TANGTOU, A, "5206240101023", "田某", SHORT_ID, "户主", "脱贫户"],
        ["7", T_TANGTOU, B, "5206240102030", "", NO_NAME, "之子", "脱贫户"],
    ]
    with (HERE / "fupin_jdlk.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)


def youfu_xlsx() -> None:
    """退役军人事务局 优抚 roster: the 优抚类别 column and its words need mapping.yaml."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "优抚对象"
    ws["A1"] = "思南县2021年度优抚对象参保资助名册"
    ws.merge_cells("A1:F1")
    ws.append(["序号", "姓名", "公民身份号码", "优抚类别", "乡镇", "村（社区）"])
    ws.append([1, "刘桂兰", LIU_GUILAN, "三属", T_XUJIABA, C])
    ws.append([2, "陈志军", CHEN_ZHIJUN, "在乡复员军人", T_TANGTOU, A])
    ws.append([3, "邓国华", DENG_GUOHUA, "带病回乡退伍军人", T_TANGTOU, B])
    ws.append([4, "杨木生", YANG_MUSHENG, "参战退役人员", T_SITANG, D])
    ws.append([5, "彭某", JUNSHU, "军属", T_SITANG, D])
    for r in range(3, ws.max_row + 1):
        ws.cell(r, 3).number_format = "@"
    _save(wb, "tuiyi_youfu.xlsx")


def jisheng_csv() -> None:
    """卫健局 计生 roster, UTF-8 without BOM; 特扶 is a word of mapping.yaml."""
    rows = [
        ["姓名", "身份证号", "乡镇", "村", "对象类型"],
        ["杨光荣", YANG_GUANGRONG, T_XUJIABA, C, "农村计生两户"],
        ["蒋淑芬", JIANG_SHUFEN, T_SITANG, D, "计生特殊家庭"],
        ["蒋红", JIANG_HONG, T_SITANG, D, "两户"],
        ["谢长青", XIE_CHANGQING, T_TANGTOU, B, "特扶"],
    ]
    with (HERE / "weijian_jisheng.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


FILES = (
    "minzheng_dibao.csv",
    "minzheng_tekun.xlsx",
    "canlian.xlsx",
    "fupin_jdlk.csv",
    "tuiyi_youfu.xlsx",
    "weijian_jisheng.csv",
)


def main() -> None:
    dibao_csv()
    tekun_xlsx()
    canlian_xlsx()
    fupin_csv()
    youfu_xlsx()
    jisheng_csv()


if __name__ == "__main__":
    main()
