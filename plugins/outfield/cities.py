"""Store address -> city, for the 数据校准 ``store_city`` check (pure functions, no warehouse).

**Naming convention.** A calibrated city is written the way the source writes it (``'北京'``,
``'深圳'``): the official name of the prefecture-level division *without a trailing 市*. Divisions
that are not a 市 keep their full official name, so that no two cities share a spelling and no name
is cut into something else: ``'延边朝鲜族自治州'``, ``'恩施土家族苗族自治州'``, ``'阿里地区'``,
``'锡林郭勒盟'``. The four municipalities are cities (``'北京'``, ``'上海'``, ``'天津'``, ``'重庆'``),
and so are Hong Kong and Macau (``'香港'``, ``'澳门'``) and the county-level divisions directly
under a province (省直辖: ``'仙桃'``, ``'济源'``, ``'石河子'``, ``'定安县'``).

**Reference.** ``include/reference/china_admin_divisions.csv``: every province-, prefecture- and
county-level division with its code, derived from the 民政部 county-and-above administrative division
codes (GB/T 2260 code system) as compiled in JioNLP 1.5.31 (changes up to 2023-04-03); see
``include/reference/README.md``.

**Rules** (an address is read from its start; nothing is guessed):

1. ``广东省深圳市南山区…`` / ``深圳市福田区…``: a full official name (深圳市, 延边朝鲜族自治州) or a
   common short form of an autonomous prefecture (恩施州, 克州) at the start, after an optional
   province, is the city. With a province, the city must belong to it (吉林省吉林市 -> 吉林; a city
   of another province leaves the address unresolved).
2. ``北京朝阳区…`` / ``上海浦东新区…`` / ``广东深圳南山区…``: a name without 市 counts only when it
   cannot be something else: a municipality (or 香港/澳门) not followed by a road (``北京路`` is a
   street in Guangzhou), or any city after its province, or any city followed by one of its own
   districts (``杭州西湖区``). Never when followed by 区/县/旗 (``朝阳区`` is not 朝阳市).
3. ``江苏省昆山市…``: a province followed by one of its county-level divisions whose name is unique
   in that province gives the county's city (昆山 -> 苏州); so does a county-level division whose
   name starts with its city's (``苏州工业园区…``).
4. ``朝阳区建国路88号``: a district without a province or city is **unresolved** (朝阳区 exists in
   Beijing and in Changchun; even a district whose name is unique nationwide is not looked up, so
   that the rule stays "a city must be named"). An address that reads two ways with different
   results is unresolved too.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from outfield.config import INCLUDE_DIR

REFERENCE_FILE = INCLUDE_DIR / "reference" / "china_admin_divisions.csv"

#: Values some sources write instead of leaving the city empty.
PLACEHOLDERS = frozenset({"null", "none", "nan", "n/a", "na", "-", "--", "未知", "无", "暂无", "其他", "其它"})
_MUNICIPAL_LIKE = frozenset({"北京", "上海", "天津", "重庆", "香港", "澳门"})
#: After a short name: the start of a street, not a district (北京路, 中山东路, 天津大道).
_ROAD = re.compile(r"[东西南北中]?(?:路|街|大街|大道|道|巷|里|胡同|弄|门)")
_COUNTY_SUFFIX = frozenset("区县旗")
_LEADING_JUNK = re.compile(r"^(?:[\d\W_]+|中华人民共和国|中国)+")


@dataclass(frozen=True)
class _Entry:
    city: str
    province: str
    kind: str  # "full" (official name), "alias" (恩施州, 克州), "bare" (深圳, 延边)


def _normalize(text: object) -> str:
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = "".join(s.split())
    return _LEADING_JUNK.sub("", s)


class CityResolver:
    """Address -> city against the reference divisions (build once, resolve many)."""

    def __init__(self, rows: Iterable[Mapping[str, str]]):
        self.provinces: dict[str, tuple[str, bool]] = {}  # token -> (province, is_full_name)
        self.cities: dict[str, list[_Entry]] = {}
        self.counties: dict[str, list[_Entry]] = {}
        self.known_cities: set[str] = set()
        for r in rows:
            level, name, province, city = r["level"], r["name"], r["province"], r["city"]
            aliases = [a for a in (r.get("aliases") or "").split("|") if a]
            if level == "province":
                self.provinces[name] = (name, True)
                for a in aliases:
                    self.provinces.setdefault(a, (name, False))
            elif level == "prefecture":
                self.known_cities.add(city)
                self._add(self.cities, name, _Entry(city, province, "full"))
                if city != name:
                    self._add(self.cities, city, _Entry(city, province, "bare"))
                for a in aliases:
                    kind = "alias" if a.endswith(("州", "盟", "地区")) else "bare"
                    self._add(self.cities, a, _Entry(city, province, kind))
            elif level == "county":
                self._add(self.counties, name, _Entry(city, province, "full"))
                if len(name) >= 3 and name[-1] in "区县市旗":
                    self._add(self.counties, name[:-1], _Entry(city, province, "bare"))
        self._max_city = max(map(len, self.cities), default=1)
        self._max_province = max(map(len, self.provinces), default=1)
        self._max_county = max(map(len, self.counties), default=1)

    @staticmethod
    def _add(index: dict[str, list[_Entry]], token: str, entry: _Entry) -> None:
        entries = index.setdefault(token, [])
        if entry not in entries:
            entries.append(entry)

    @staticmethod
    def _prefixes(text: str, pos: int, index: Mapping[str, object], longest: int) -> list[str]:
        """Tokens of ``index`` that ``text`` has at ``pos``, longest first."""
        return [text[pos:pos + n] for n in range(min(longest, len(text) - pos), 0, -1)
                if text[pos:pos + n] in index]

    # ------------------------------------------------------------------------------------------
    def resolve(self, address: object) -> str | None:
        """The city an address names (convention above), or None when it names none or is ambiguous."""
        text = _normalize(address)
        if not text:
            return None
        found: set[str] = set()
        without_province = self._city_at(text, 0, None)
        if without_province:
            found.add(without_province)
        for token in self._prefixes(text, 0, self.provinces, self._max_province)[:1]:
            province, _ = self.provinces[token]
            with_province = self._city_at(text, len(token), province)
            if with_province:
                found.add(with_province)
        return found.pop() if len(found) == 1 else None

    def _city_at(self, text: str, pos: int, province: str | None) -> str | None:
        for token in self._prefixes(text, pos, self.cities, self._max_city):
            rest = text[pos + len(token):]
            accepted = {
                e.city for e in self.cities[token]
                if (province is None or e.province == province) and self._accept(e, rest, province)
            }
            if len(accepted) == 1:
                return accepted.pop()
            if accepted:
                return None  # one spelling, two cities: do not guess
        for token in self._prefixes(text, pos, self.counties, self._max_county):
            # 江苏省昆山市: a county-level division, unique in its province; 苏州工业园区: a division
            # whose own name starts with its city's name
            cities = {e.city for e in self.counties[token] if e.kind == "full" and (
                e.province == province if province is not None else token.startswith(e.city))}
            if cities:
                return cities.pop() if len(cities) == 1 else None
        return None

    def _accept(self, e: _Entry, rest: str, province: str | None) -> bool:
        if e.kind == "full":
            return True
        if rest[:1] in _COUNTY_SUFFIX:
            return False  # 朝阳区 is not 朝阳(市); 巴州区 is not 巴州
        if e.kind == "alias":
            return True
        if _ROAD.match(rest) or rest.startswith("省"):
            return False
        return province is not None or e.city in _MUNICIPAL_LIKE or self._own_district_follows(rest, e.city)

    def _own_district_follows(self, rest: str, city: str) -> bool:
        return any(
            any(e.city == city for e in self.counties[token])
            for token in self._prefixes(rest, 0, self.counties, self._max_county)
        )

    def canonical(self, city: object) -> str | None:
        """A city written another way (``北京市``, ``恩施州``, ``延边``) in the convention, else None."""
        text = _normalize(city)
        entries = self.cities.get(text, [])
        names = {e.city for e in entries}
        return names.pop() if len(names) == 1 else None


def load_reference(path: Path = REFERENCE_FILE) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@functools.lru_cache(maxsize=1)
def resolver() -> CityResolver:
    return CityResolver(load_reference())


def city_from_address(address: object) -> str | None:
    """``'广东省深圳市南山区…'`` -> ``'深圳'``; ``'朝阳区建国路88号'`` -> None (see module rules)."""
    return resolver().resolve(address)


def clean_source_city(city: object) -> str | None:
    """A source city as calibrated: None when missing, blank or a placeholder (``'未知'``, ``'null'``);
    a known city written another way in the convention (``'北京市'`` -> ``'北京'``); else the trimmed
    source text unchanged (an unknown spelling is kept, not dropped)."""
    if city is None:
        return None
    text = unicodedata.normalize("NFKC", str(city)).strip()
    if not text or text.lower() in PLACEHOLDERS:
        return None
    return resolver().canonical(text) or text


def calibrate(city: object, address: object) -> tuple[str | None, str]:
    """(city, city_source) of one store: ``'source'``, ``'address'`` or ``'unresolved'``."""
    source = clean_source_city(city)
    if source is not None:
        return source, "source"
    found = city_from_address(address)
    if found is not None:
        return found, "address"
    return None, "unresolved"
