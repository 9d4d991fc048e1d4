"""Static reference data of the demo world: merchants, their scenes, and the cities stores stand in.

Everything here is plain data (no randomness); ``generator.py`` draws from it with the seed.

City convention (the ``city`` column of ``dim_store``), the same as the calibration reference
``include/reference/china_admin_divisions.csv``: the official name of the prefecture-level division
the store is in, without a trailing ``市`` (``深圳市`` -> ``深圳``; the municipalities are ``北京``,
``上海``, ``天津``, ``重庆``); an autonomous prefecture keeps its full name (``延边朝鲜族自治州``,
``凉山彝族自治州``, ``大理白族自治州``). A county-level city is never the store's city: a store at
``江苏省苏州市昆山市...`` is in ``苏州``, one at ``四川省凉山彝族自治州西昌市...`` in ``凉山彝族自治州``.

Addresses are written ``<province><city><district><street><n>号``: ``北京市朝阳区三里屯路19号``,
``广东省深圳市南山区深南大道9668号``, ``广西壮族自治区南宁市青秀区民族大道136号``; some municipal
addresses omit the ``市`` (``上海黄浦区南京东路300号``); a few are district-only
(``朝阳区建国路88号``), from which no city can be recovered (``朝阳区`` is in 北京 and in 长春).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    name: str
    weight: float
    lo: float  # amount range in yuan (log-uniform draw)
    hi: float


@dataclass(frozen=True)
class Merchant:
    merchant_id: str
    name: str               # merchant_name in dim_store
    brand: str              # the store-name prefix
    offline_stores: int
    online_stores: int
    offline_share: float    # share of all shopping sessions at its offline stores
    online_share: float
    categories: tuple[Category, ...]
    hard_reject: float      # share of sessions whose every trial risk rejects
    churn: float            # share of passing sessions that do not convert (willingness churn)
    margin_mean: float      # gross margin as a fraction of the order amount
    margin_sd: float
    code_share: float       # share of its offline stores with a red-packet code
    packet_weights: tuple[float, float, float]  # weights of red packets of 10 / 20 / 50 yuan
    cities: tuple[str, ...] | None = None       # restrict stores to these cities (None: all)


RED_PACKET_AMOUNTS = (10, 20, 50)

MERCHANTS: tuple[Merchant, ...] = (
    Merchant("M_APPLE", "Apple", "Apple", 171, 0, 0.30, 0.0,
             (Category("手机", 0.48, 4000, 13000), Category("电脑", 0.22, 7000, 15000),
              Category("平板", 0.18, 3000, 9000), Category("配件", 0.12, 3000, 4500)),
             hard_reject=0.060, churn=0.12, margin_mean=0.020, margin_sd=0.012,
             code_share=0.60, packet_weights=(0.2, 0.4, 0.4)),
    Merchant("M_LENOVO", "联想", "联想", 64, 0, 0.11, 0.0,
             (Category("电脑", 0.8, 3000, 12000), Category("配件", 0.2, 2000, 4000)),
             hard_reject=0.060, churn=0.14, margin_mean=0.035, margin_sd=0.015,
             code_share=0.25, packet_weights=(0.5, 0.35, 0.15)),
    Merchant("M_ZIROOM", "自如", "自如", 38, 0, 0.05, 0.0,
             (Category("租房", 1.0, 1500, 8000),),
             hard_reject=0.070, churn=0.15, margin_mean=0.050, margin_sd=0.020,
             code_share=0.25, packet_weights=(0.5, 0.35, 0.15),
             cities=("北京", "上海", "深圳", "广州", "杭州", "南京", "成都", "武汉", "天津")),
    Merchant("M_DJI", "大疆", "大疆", 42, 0, 0.07, 0.0,
             (Category("无人机", 0.6, 2500, 12000), Category("相机", 0.4, 1500, 6000)),
             hard_reject=0.060, churn=0.13, margin_mean=0.040, margin_sd=0.015,
             code_share=0.25, packet_weights=(0.5, 0.35, 0.15)),
    Merchant("M_VIVO", "vivo", "vivo", 56, 0, 0.15, 0.0,
             (Category("手机", 1.0, 1000, 6000),),
             hard_reject=0.050, churn=0.11, margin_mean=0.030, margin_sd=0.015,
             code_share=0.25, packet_weights=(0.5, 0.35, 0.15)),
    Merchant("M_7FRESH", "七鲜", "七鲜", 24, 16, 0.09, 0.05,
             (Category("生鲜", 0.7, 50, 600), Category("日用", 0.3, 50, 800)),
             hard_reject=0.040, churn=0.10, margin_mean=0.080, margin_sd=0.030,
             code_share=0.25, packet_weights=(0.5, 0.35, 0.15),
             cities=("北京", "天津", "广州", "深圳", "成都", "上海")),
    Merchant("M_DAOJIA", "到家", "到家", 0, 20, 0.0, 0.18,
             (Category("生鲜", 0.5, 30, 300), Category("日用", 0.3, 30, 500), Category("数码", 0.2, 200, 3000)),
             hard_reject=0.040, churn=0.08, margin_mean=0.060, margin_sd=0.030,
             code_share=0.0, packet_weights=(0.5, 0.35, 0.15)),
)

#: Every category name, in a fixed order (the generator's category codes index this).
CATEGORY_NAMES: tuple[str, ...] = tuple(dict.fromkeys(c.name for m in MERCHANTS for c in m.categories))

REJECT_REASONS: tuple[str, ...] = ("额度不足", "风控拦截", "逾期记录", "多头借贷")
#: Reasons of a session whose every trial is rejected, and of an earlier (too high) trial.
HARD_REJECT_REASON_WEIGHTS = (0.35, 0.35, 0.20, 0.10)
EARLY_REJECT_REASON_WEIGHTS = (0.85, 0.15, 0.0, 0.0)


@dataclass(frozen=True)
class District:
    name: str
    places: tuple[tuple[str, str], ...]  # (street, landmark)


@dataclass(frozen=True)
class City:
    province: str      # '' for a municipality
    full: str          # 北京市, 深圳市, 延边朝鲜族自治州
    city: str          # the dim_store.city convention: 北京, 深圳, 延边朝鲜族自治州
    weight: float      # relative number of stores
    districts: tuple[District, ...]

    @property
    def municipality(self) -> bool:
        return not self.province


def _city(province: str, full: str, city: str, weight: float, spec: str) -> City:
    """``spec``: ``district:street/landmark,street/landmark;district2:...``."""
    districts = []
    for part in spec.split(";"):
        name, places = part.split(":")
        districts.append(District(name, tuple(tuple(p.split("/")) for p in places.split(","))))
    return City(province, full, city, weight, tuple(districts))


CITIES: tuple[City, ...] = (
    _city("", "北京市", "北京", 10,
          "朝阳区:三里屯路/三里屯,建国路/国贸,朝阳北路/朝阳大悦城,朝阳公园路/蓝色港湾,酒仙桥路/颐堤港,望京街/望京;"
          "海淀区:中关村大街/中关村,成府路/五道口,复兴路/五棵松;东城区:王府井大街/王府井,东直门外大街/东直门;"
          "西城区:西单北大街/西单,金融大街/金融街;丰台区:丽泽路/丽泽;通州区:新华大街/通州万达;昌平区:回龙观西大街/回龙观"),
    _city("", "上海市", "上海", 10,
          "黄浦区:南京东路/南京东路,淮海中路/环贸,西藏中路/人民广场;浦东新区:陆家嘴环路/陆家嘴,世纪大道/世纪汇,张杨路/八佰伴;"
          "静安区:南京西路/静安寺,共和新路/大宁;徐汇区:漕溪北路/徐家汇,天钥桥路/美罗城;长宁区:长宁路/中山公园;"
          "闵行区:七莘路/七宝;杨浦区:淞沪路/五角场"),
    _city("", "天津市", "天津", 4, "和平区:南京路/天津恒隆,滨江道/滨江道;南开区:南马路/鼓楼;河西区:友谊路/友谊路"),
    _city("", "重庆市", "重庆", 5,
          "渝中区:民族路/解放碑,邹容路/重庆时代广场;江北区:建新北路/观音桥;九龙坡区:杨家坪正街/杨家坪;沙坪坝区:三峡广场/三峡广场"),
    _city("广东省", "深圳市", "深圳", 8,
          "南山区:深南大道/万象天地,文心五路/海岸城,科技南路/科技园;福田区:福华三路/会展中心,中心四路/福田中心;"
          "罗湖区:宝安南路/罗湖万象城,东门中路/东门;宝安区:新湖路/宝安中心;龙岗区:龙翔大道/龙岗万达"),
    _city("广东省", "广州市", "广州", 8,
          "天河区:天河路/天环广场,天河路/正佳广场,花城大道/花城汇;越秀区:北京路/北京路;海珠区:江南西路/江南西;白云区:云城东路/白云万达"),
    _city("广东省", "佛山市", "佛山", 2, "禅城区:季华五路/岭南站;南海区:南海大道/千灯湖"),
    _city("广东省", "东莞市", "东莞", 2, "南城街道:鸿福路/鸿福路;东城街道:东纵大道/东城万达"),
    _city("浙江省", "杭州市", "杭州", 6,
          "上城区:延安路/湖滨,解放东路/钱江新城;西湖区:文三路/文三路;拱墅区:上塘路/拱墅大悦城;滨江区:江南大道/星光大道;余杭区:文一西路/未来科技城"),
    _city("浙江省", "宁波市", "宁波", 2, "鄞州区:天童南路/鄞州万达;海曙区:中山西路/天一广场"),
    _city("江苏省", "南京市", "南京", 5,
          "秦淮区:中山南路/新街口;建邺区:江东中路/河西万达;鼓楼区:中山北路/湖南路;玄武区:珠江路/珠江路"),
    _city("江苏省", "苏州市", "苏州", 4, "姑苏区:观前街/观前街;吴中区:东吴北路/吴中万达;昆山市:前进中路/昆山万达"),
    _city("江苏省", "无锡市", "无锡", 2, "梁溪区:中山路/无锡恒隆;滨湖区:梁溪路/滨湖万达"),
    _city("四川省", "成都市", "成都", 7,
          "锦江区:中纱帽街/太古里,红星路三段/春熙路;武侯区:人民南路四段/来福士;成华区:双庆路/成华万象城;"
          "金牛区:一环路北三段/金牛凯德;青羊区:顺城大街/骡马市"),
    _city("湖北省", "武汉市", "武汉", 5,
          "江汉区:解放大道/武汉国际广场,江汉路/江汉路;武昌区:中南路/中南;洪山区:珞喻路/光谷;江岸区:中山大道/江岸天地"),
    _city("陕西省", "西安市", "西安", 4, "雁塔区:长安中路/小寨;碑林区:南大街/钟楼;新城区:解放路/民乐园"),
    _city("湖南省", "长沙市", "长沙", 3, "芙蓉区:五一大道/五一广场;天心区:黄兴南路/黄兴路"),
    _city("山东省", "青岛市", "青岛", 2, "市南区:香港中路/香港中路;崂山区:海尔路/崂山金狮"),
    _city("山东省", "济南市", "济南", 2, "历下区:泉城路/泉城路;槐荫区:经十路/济南万达"),
    _city("福建省", "厦门市", "厦门", 2, "思明区:中山路/中山路,湖滨南路/湖滨南路"),
    _city("福建省", "福州市", "福州", 2, "鼓楼区:八一七北路/东街口;仓山区:浦上大道/仓山万达"),
    _city("辽宁省", "沈阳市", "沈阳", 3, "和平区:太原北街/太原街;沈河区:中街路/中街"),
    _city("辽宁省", "大连市", "大连", 2, "中山区:友好路/青泥洼桥;沙河口区:西安路/西安路"),
    _city("河南省", "郑州市", "郑州", 3, "金水区:花园路/花园路;二七区:大同路/二七广场"),
    _city("安徽省", "合肥市", "合肥", 2, "蜀山区:长江西路/三里庵;庐阳区:淮河路/淮河路"),
    _city("吉林省", "长春市", "长春", 2, "朝阳区:重庆路/重庆路;南关区:人民大街/南关欧亚"),
    _city("吉林省", "吉林市", "吉林", 1, "船营区:解放北路/吉林财富广场;昌邑区:重庆街/昌邑万达"),
    _city("吉林省", "延边朝鲜族自治州", "延边朝鲜族自治州", 1, "延吉市:光明街/延吉百货"),
    _city("四川省", "凉山彝族自治州", "凉山彝族自治州", 1, "西昌市:航天大道/西昌万达"),
    _city("云南省", "昆明市", "昆明", 2, "五华区:南屏街/南屏街;官渡区:春城路/官渡万达"),
    _city("云南省", "大理白族自治州", "大理白族自治州", 1, "大理市:人民路/大理古城"),
    _city("黑龙江省", "哈尔滨市", "哈尔滨", 2, "道里区:中央大街/中央大街;南岗区:西大直街/南岗秋林"),
    _city("广西壮族自治区", "南宁市", "南宁", 2, "青秀区:民族大道/南宁万象城"),
    _city("新疆维吾尔自治区", "乌鲁木齐市", "乌鲁木齐", 1, "天山区:解放北路/天山大巴扎"),
    _city("内蒙古自治区", "呼和浩特市", "呼和浩特", 1, "新城区:中山东路/维多利"),
)

#: Districts that exist in several reference cities (a district-only address there is ambiguous).
AMBIGUOUS_DISTRICTS: tuple[str, ...] = tuple(sorted(
    name for name in {d.name for c in CITIES for d in c.districts}
    if sum(d.name == name for c in CITIES for d in c.districts) > 1
))
