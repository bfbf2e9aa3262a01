"""Name pools for the synthetic parts of the city: roads, compounds, facilities and people.

The words are ones that Jiaxing and its neighbours really use in road and compound names, so
the generated addresses read like the city's own (中山路, 禾兴南路, 梅湾新村, 锦绣苑). People are
only ever shown masked, the way a public grid notice board shows them (王*明, 138****1234).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "COMPOUND_OLD_SUFFIXES",
    "FACILITY_TYPES",
    "compound_names",
    "facility_name",
    "masked_person",
    "masked_phone",
    "road_names",
    "stem",
]


def _words(text: str) -> tuple[str, ...]:
    """Space-separated words: keeps long Chinese word lists readable, several to a line."""
    return tuple(text.split())


# Stems of road names (中山路, 槜李路, 禾兴南路, 由拳路, 纺工路, 常秀街 ...).
_ROAD_STEMS = _words(
    "中山 槜李 禾兴 东升 由拳 纺工 常秀 勤俭 建国 少年 环城 南湖 凌公塘 中环 广益 解放 秀洲 洪兴 "
    "城南 南溪 越秀 江南 长水 嘉杭 昌盛 东栅 花园 友谊 梅湾 月河 三水湾 烟雨 鸳鸯湖 百福 瓶山 斜西 "
    "子城 天星湖 亚太 文昌 学院 经济 科技 创业 工业 人民 和平 新华 光明 胜利 健康 幸福 兴业 振兴 "
    "富强 明珠 凤凰 翠柏 紫阳 桂花 香樟 银杏 玉兰 海棠 芙蓉 茶园 桑园 丝绸 运河 塘河 长纤塘 杭州塘 "
    "平湖塘 苏州塘 禾平 禾源 嘉北 嘉善 嘉兴 秀园 秀水 清河 新气象 双溪 金穗 稻乡 鱼乡 菱香 湘家荡 "
    "南江 北京 上海 岳阳 庆丰 东进 西环 北郊 南郊 市泾 民主 建设 双桥 永红 三星 五星 长盛 "
    "常乐 兴平 港城 乍浦 当湖 武原 硖石 梧桐 魏塘 钟埭 长安 盐官 崇德 乌镇 濮院"
)
_ROAD_DIRECTIONS = ("东", "西", "南", "北")

# Compound (小区) names: a place-like prefix and a housing suffix (锦绣苑, 阳光花园, 嘉禾新村).
_COMPOUND_PREFIXES = _words(
    "锦绣 阳光 南湖 嘉禾 金色 翡翠 香樟 梅湾 湖滨 紫金 凯旋 书香 华庭 江南 水岸 明珠 东方 世纪 "
    "天鸿 绿洲 金都 银河 丽景 紫薇 月河 秀湖 景湖 清河 运河 樱花 玫瑰 桂花 兰亭 翠苑 碧水 春晓 "
    "秋水 晓月 星海 海悦 悦湖 润园 博雅 雅居 怡景 馨苑 福邸 瑞丰 嘉和 和美 长安 平安 康乐 永安 "
    "常青 青云 白云 云栖 钱江 之江 菱湖 禾城 梅园 竹林 枫林 杨柳 荷花 莲花 麒麟 凤凰 龙湖 紫荆 "
    "金桥 银杏 新港 滨江 湖畔 澜庭 御园 泰和 盛世 嘉苑 文苑 学府 香榭 蓝湾 天元 华府 东湖 西湖 "
    "南园 北苑 朝阳 旭日 明月 清风 晓风 揽月 听澜 观澜 湖光 山水 桃源 兰溪 玉泉 金湾 银湾 "
    "中央 城市 未来 现代 国际 金茂 万科 绿城 滨湖 湘湖 双溪 菱香 秀水 禾源 嘉北 嘉城 梧桐 "
    "建设 解放 胜利 红旗 东风 向阳 工农 跃进 前进 友谊 团结 新华 光明 人民 幸福"
)
_COMPOUND_SUFFIXES = _words(
    "苑 花园 新村 小区 公寓 家园 府 名邸 华府 雅苑 园 里 坊 新城 嘉园 公馆 佳苑 庭 湾 大厦 广场"
)
# Suffix weights: most compounds are 苑/花园/新村/小区; towers and squares are commercial.
_COMPOUND_WEIGHTS = np.array(
    [9, 9, 8, 7, 4, 5, 2, 2, 2, 3, 3, 2, 1, 1, 2, 1, 2, 1, 2, 2, 1], dtype=np.float64
)
COMPOUND_OLD_SUFFIXES = ("新村", "小区")
"""What a renamed compound was called before: 梅湾新村 became 梅湾花园."""

FACILITY_TYPES = ("学校", "医院", "公园", "工业园")

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严武戴莫孔汤屠褚费俞"
)
# Jiaxing's most frequent surnames appear more often (沈, 徐, 陆, 朱, 钱, 顾, 姚, 吴, 张, 王).
_SURNAME_BOOST = "沈徐陆朱钱顾姚吴张王"
_GIVEN = "明华建国伟芳英军平文丽红强敏杰静涛勇燕林霞峰刚辉鹏磊娟萍斌云丹玲春秋宇晨浩洁琴雪梅"
_MOBILE_PREFIXES = _words(
    "133 135 136 137 138 139 150 151 152 157 158 159 177 180 181 182 187 188 189 199"
)


def stem(place_name: str) -> str:
    """A place name without its administrative suffix: 百福弄社区 → 百福弄, 凤桥镇 → 凤桥."""
    for suffix in ("社区", "街道", "村", "镇", "乡"):
        if place_name.endswith(suffix) and len(place_name) > len(suffix) + 1:
            return place_name[: -len(suffix)]
    return place_name


def road_names(rng: np.random.Generator, n: int, *, local: list[str]) -> list[str]:
    """``n`` distinct road names for one town, some built on its own place names.

    Suffixes follow the usual mix: mostly 路, then 街, 大道, 巷 and 弄, and some long roads
    split by direction (禾兴南路, 东升东路).
    """
    stems = list(_ROAD_STEMS) + [s for s in local if 2 <= len(s) <= 3]
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        s = stems[int(rng.integers(len(stems)))]
        roll = rng.random()
        if roll < 0.55:
            name = f"{s}路"
        elif roll < 0.70:
            name = f"{s}{_ROAD_DIRECTIONS[int(rng.integers(4))]}路"
        elif roll < 0.80:
            name = f"{s}街"
        elif roll < 0.87:
            name = f"{s}大道"
        elif roll < 0.94:
            name = f"{s}巷"
        else:
            name = f"{s}弄"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def compound_names(rng: np.random.Generator, n: int) -> list[tuple[str, str]]:
    """``n`` distinct compound names as (prefix, suffix) pairs, drawn without replacement."""
    pairs = [(p, s) for p in _COMPOUND_PREFIXES for s in _COMPOUND_SUFFIXES]
    weights = np.tile(_COMPOUND_WEIGHTS, len(_COMPOUND_PREFIXES))
    if n > len(pairs):
        raise ValueError(f"cannot draw {n} distinct compound names from {len(pairs)}")
    order = rng.choice(len(pairs), size=n, replace=False, p=weights / weights.sum())
    return [pairs[int(i)] for i in order]


def facility_name(
    rng: np.random.Generator, facility: str, *, town: str, town_type: str, community: str
) -> str:
    """A realistic name for a school, hospital, park or industrial park in this community."""
    town_stem, place = stem(town), stem(community)
    if facility == "学校":
        if town_type == "镇" and rng.random() < 0.5:
            return f"{town}{('中心小学', '中学', '中心幼儿园')[int(rng.integers(3))]}"
        kind = ("小学", "实验小学", "中学", "幼儿园", "实验学校")[int(rng.integers(5))]
        return f"嘉兴市{place}{kind}"
    if facility == "医院":
        if town_type == "街道":
            return f"{town}社区卫生服务中心"
        return f"{town}卫生院" if rng.random() < 0.6 else f"{community}卫生室"
    if facility == "公园":
        return f"{place}{('公园', '湿地公园', '体育公园', '口袋公园')[int(rng.integers(4))]}"
    return f"{town_stem}{('工业园区', '工业功能区', '小微企业园', '科创园')[int(rng.integers(4))]}"


def masked_person(rng: np.random.Generator) -> str:
    """A masked Chinese name: the surname, a star, the last character (王*明)."""
    if rng.random() < 0.3:
        surname = _SURNAME_BOOST[int(rng.integers(len(_SURNAME_BOOST)))]
    else:
        surname = _SURNAMES[int(rng.integers(len(_SURNAMES)))]
    if rng.random() < 0.2:
        return f"{surname}*"
    return f"{surname}*{_GIVEN[int(rng.integers(len(_GIVEN)))]}"


def masked_phone(rng: np.random.Generator) -> str:
    """A masked mobile number (138****1234): the public form of a grid worker's phone."""
    prefix = _MOBILE_PREFIXES[int(rng.integers(len(_MOBILE_PREFIXES)))]
    return f"{prefix}****{int(rng.integers(10_000)):04d}"
