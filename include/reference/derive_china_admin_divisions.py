"""Re-derive ``china_admin_divisions.csv`` (run by hand when the administrative divisions change).

Input: JioNLP's ``dictionary/china_location.txt`` (JioNLP 1.5.31, Apache License 2.0,
https://github.com/dongrixinyu/JioNLP): the county-and-above administrative divisions of the
Ministry of Civil Affairs (民政部 县级以上行政区划代码, the GB/T 2260 code system) with towns and
villages below them, as a tab-indented tree, and a change log up to 2023-04-03
(``china_location_change.txt``). JioNLP is not a dependency of outfield: install it in a throwaway
virtualenv, point this script at the file, commit the CSV.

    python include/reference/derive_china_admin_divisions.py \\
        /tmp/evalvenv/lib/python3.11/site-packages/jionlp/dictionary/china_location.txt \\
        > include/reference/china_admin_divisions.csv

Output rows (one per province, prefecture-level division and county-level division; towns dropped;
Taiwan's placeholder entries dropped):
    level        province | prefecture | county
    code         6-digit division code
    name         official name (广东省, 深圳市, 延边朝鲜族自治州, 南山区)
    province     official name of the province-level division it belongs to
    city         the calibrated city (outfield's naming convention, see README.md): for a
                 prefecture the official name without a trailing 市; for a county the city of its
                 prefecture; for a county-level division directly under a province (省直辖, e.g.
                 仙桃市, 石河子市) it is its own city. Empty for provinces.
    aliases      '|'-separated other spellings of the same division that addresses use
                 (provinces: 广东, 内蒙古; autonomous prefectures: 恩施州, 克州); the bare name
                 without 市 is implied for every 市 and is not listed.
"""

from __future__ import annotations

import csv
import sys

MUNICIPALITIES = {"北京市", "天津市", "上海市", "重庆市"}
SARS = {"香港特别行政区": "香港", "澳门特别行政区": "澳门"}
SKIP_PROVINCES = {"台湾省"}
DIRECT = "省直辖行政区划"


def city_name(official: str) -> str:
    return official[:-1] if official.endswith("市") and len(official) > 2 else official


def main(path: str) -> None:
    rows: list[list[str]] = []
    province = prefecture = None
    prefecture_city = None
    skip = False
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.rstrip("\r\n")
            depth = len(line) - len(line.lstrip("\t"))
            parts = line.strip("\t").split("\t")
            if depth > 2 or len(parts) < 2 or not parts[1].isdigit():
                continue
            if depth == 2 and ("直辖" in parts[0] or parts[0] == "市辖区"):
                continue  # placeholders (东莞/中山 have no county level)
            name, code = parts[0], parts[1]
            short = parts[2] if len(parts) > 2 else ""
            if depth == 0:
                skip = name in SKIP_PROVINCES
                province = name
                if skip:
                    continue
                if name in SARS:
                    rows.append(["prefecture", code, name, name, SARS[name], ""])
                    continue
                if name in MUNICIPALITIES:
                    continue  # written as its own prefecture at depth 1
                aliases = [a for a in short.split("/") if a and a != name]
                rows.append(["province", code, name, name, "", "|".join(aliases)])
            elif skip:
                continue
            elif depth == 1:
                prefecture = name
                if name == DIRECT:
                    prefecture_city = None
                    continue
                if name in SARS.values():
                    prefecture_city = name
                    continue
                prefecture_city = city_name(name)
                aliases = []
                for a in short.split("/"):
                    if not a or a in (name, prefecture_city):
                        continue
                    aliases.append(a)
                if "自治州" in name:
                    base = short.split("/")[0]
                    if base and not base.endswith("州"):
                        aliases.append(base + "州")
                rows.append(["prefecture", code, name, province, prefecture_city,
                              "|".join(dict.fromkeys(aliases))])
            else:
                if prefecture == DIRECT:
                    rows.append(["prefecture", code, name, province, city_name(name), ""])
                elif prefecture_city:
                    rows.append(["county", code, name, province, prefecture_city, ""])
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["level", "code", "name", "province", "city", "aliases"])
    level_order = {"province": 0, "prefecture": 1, "county": 2}
    out.writerows(sorted(rows, key=lambda r: (r[1], level_order[r[0]])))


if __name__ == "__main__":
    main(sys.argv[1])
