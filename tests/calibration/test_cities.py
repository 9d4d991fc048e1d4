"""Address -> city (outfield.cities): pure functions, the cases of the issue worked out by hand.

Convention: the official name without 市 (as the source writes '北京', '深圳'); autonomous
prefectures, 地区 and 盟 keep their full official name. District-only addresses stay unresolved.
"""

from __future__ import annotations

import pytest

from outfield import cities

ADDRESSES = [
    # municipalities, with and without 市
    ("北京市朝阳区三里屯路19号", "北京"),
    ("北京朝阳区建国路88号", "北京"),
    ("北京大兴区荣华中路", "北京"),
    ("上海浦东新区世纪大道100号", "上海"),
    ("上海市静安区南京西路1266号", "上海"),
    ("天津市和平区南京路189号", "天津"),      # 南京路 is a street, not 南京
    ("重庆渝中区解放碑步行街", "重庆"),
    # province + city
    ("广东省深圳市南山区深南大道9668号", "深圳"),
    ("广东深圳南山区科技园", "深圳"),
    ("深圳市福田区华强北路1002号", "深圳"),
    ("浙江省杭州市西湖区文三路", "杭州"),
    ("杭州西湖区文三路", "杭州"),               # bare city followed by one of its own districts
    ("新疆维吾尔自治区乌鲁木齐市天山区", "乌鲁木齐"),
    ("辽宁省朝阳市双塔区", "朝阳"),
    # a city named like its province
    ("吉林省吉林市船营区解放中路", "吉林"),
    ("吉林市船营区解放中路", "吉林"),
    # autonomous prefectures (full name kept), 地区
    ("延边朝鲜族自治州延吉市光明街", "延边朝鲜族自治州"),
    ("吉林省延边朝鲜族自治州延吉市", "延边朝鲜族自治州"),
    ("恩施土家族苗族自治州恩施市舞阳大街", "恩施土家族苗族自治州"),
    ("湖北省恩施州恩施市", "恩施土家族苗族自治州"),
    ("西藏自治区阿里地区噶尔县", "阿里地区"),
    # county-level divisions directly under a province, and a county named with its province
    ("湖北省仙桃市", "仙桃"),
    ("江苏省昆山市前进路", "苏州"),
    ("苏州工业园区星湖街", "苏州"),              # a functional zone named after its city
    # full-width spaces, a postcode, 中国 in front
    ("中国　北京市　海淀区", "北京"),
    ("518000 广东省深圳市", "深圳"),
]

UNRESOLVED = [
    "朝阳区建国路88号",          # 朝阳区: Beijing or Changchun: ambiguous
    "海淀区中关村大街1号",        # district only: not guessed, even when unique
    "南山区科技园",
    "市南区香港中路",             # 香港中路 is a street in Qingdao
    "北京路步行街",              # a street named after Beijing (Guangzhou)
    "朝阳门外大街",
    "中山公园",
    "广东省北京市",               # a city of another province: contradictory
    "线上",
    "",
    "   ",
    None,
]


@pytest.mark.parametrize(("address", "city"), ADDRESSES)
def test_address_names_its_city(address, city):
    assert cities.city_from_address(address) == city


@pytest.mark.parametrize("address", UNRESOLVED)
def test_ambiguous_or_cityless_address_stays_unresolved(address):
    assert cities.city_from_address(address) is None


@pytest.mark.parametrize(("source", "expected"), [
    ("北京", "北京"), ("北京市", "北京"), (" 深圳市 ", "深圳"), ("恩施州", "恩施土家族苗族自治州"),
    ("未知", None), ("NULL", None), ("", None), ("　", None), (None, None),
    ("Shenzhen", "Shenzhen"),  # an unknown spelling is kept as the source wrote it
])
def test_source_city_in_the_convention(source, expected):
    assert cities.clean_source_city(source) == expected


def test_calibrate_prefers_the_source_city_then_the_address():
    assert cities.calibrate("北京", "上海市静安区") == ("北京", "source")
    assert cities.calibrate(" ", "上海市静安区") == ("上海", "address")
    assert cities.calibrate(None, "朝阳区建国路88号") == (None, "unresolved")
    assert cities.calibrate(None, None) == (None, "unresolved")


def test_reference_covers_every_prefecture_level_division():
    rows = cities.load_reference()
    levels = {}
    for r in rows:
        levels[r["level"]] = levels.get(r["level"], 0) + 1
    # 27 provinces and autonomous regions; 333 prefecture-level divisions + 4 municipalities +
    # Hong Kong, Macau + 31 county-level divisions directly under a province
    assert levels["province"] == 27
    assert levels["prefecture"] == 370
    assert levels["county"] > 2800
    upper = [r["code"] for r in rows if r["level"] != "county"]
    assert len(set(upper)) == len(upper)
    prefecture_cities = [r["city"] for r in rows if r["level"] == "prefecture"]
    assert len(set(prefecture_cities)) == len(prefecture_cities)  # no two cities share a spelling
    assert not any(c.endswith("市") for c in prefecture_cities)
