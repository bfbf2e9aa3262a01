"""Word lists and patterns the rule parser is built from.

The lists are general Chinese address vocabulary (GB/T 39609 terms and everyday suffixes);
none is copied from an evaluation set. Alternations list longer words first so that a regex
picks 工业园区 over 园区 and 路口 over 路.
"""

from __future__ import annotations

import re

NUMERAL = "零〇一二三四五六七八九十百千两"
# A number as addresses write it: digits or letters with hyphens (12-3, A3), or Chinese numerals.
NUM = rf"(?:[0-9A-Z]+(?:-[0-9A-Z]+)*|[{NUMERAL}]+)"

ROAD_TAILS = ("路", "街", "大街", "大道", "巷", "弄", "胡同")


def _alt(words: tuple[str, ...]) -> str:
    return "|".join(sorted(set(words), key=len, reverse=True))


def _lead(chars: str) -> str:
    """A lookahead on the characters a match can start with.

    It changes no match, but ``re`` tries every alternative at every position; with it, a
    position whose character starts none of them fails after one test. A third of the
    parser's regex time went to positions where nothing could start.
    """
    return "(?=[" + "".join(sorted(set(chars))) + "])"


def _words(*lists: tuple[str, ...]) -> str:
    """:func:`_lead` for alternations of plain words."""
    return _lead("".join(word[0] for words in lists for word in words))


# Numbered parts: one pass of this pattern splits an address into numbered tokens and the
# named chunks between them. Group names are the token kinds the parser resolves by context.
NUMBERED = re.compile(
    rf"{_lead('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ' + NUMERAL + '负地')}"
    rf"(?:(?P<distance>{NUM}(?:米|公里|千米))"
    rf"|(?P<house>{NUM}(?:号楼|号馆|幢|栋|座|撞|懂|搂|号厂房))"
    rf"|(?P<cell>{NUM}(?:单元|梯))"
    rf"|(?P<floor>(?:负|地下)?{NUM}(?:楼|层|F)(?![路街道]))"
    rf"|(?P<room>{NUM}(?:室|房间|房|户))"
    rf"|(?P<group>{NUM}(?:组|队|社)(?![区会]))"
    rf"|(?P<hao>{NUM}号(?!路|街|大街|大道|巷|弄|线|院|门|桥))"
    rf"|(?P<lane>{NUM}(?:弄|巷))"
    rf"|(?P<part>{NUM}(?:号门|号院|区|期|门)(?![路街域诊面洞市]))"
    rf"|(?P<bare>(?<![0-9A-Z])[A-Z]?[0-9][0-9A-Z]*(?:-[0-9A-Z]+)*(?![0-9A-Z号路街巷弄道区期栋幢楼层室单元国省县高])))"
)

INTERSECTION = (
    "交叉路口", "十字路口", "交叉口", "交汇处", "交界处", "交界口", "岔路口", "交口", "路口",
)  # fmt: skip
TOWN = ("街道办事处", "街办事处", "街道", "办事处", "镇", "乡")
COMMUNITY = ("社区居委会", "居委会", "村委会", "村委", "村民委员会", "社区", "村", "嘎查")
DEVZONE = (
    "经济技术开发区", "经济开发区", "高新技术产业开发区", "开发区", "工业园区", "工业区",
    "工业园", "产业园区", "产业园", "科技园区", "科技园", "软件园", "创业园", "物流园",
    "园区", "高新区", "保税区", "新区", "商务区", "工业功能区", "创意园", "电商园", "科创园",
    "工业城", "经济园", "孵化园", "创新园", "实验区",
)  # fmt: skip
ROAD = (
    "大街", "大道", "公路", "国道", "省道", "县道", "高速", "胡同", "路", "街", "巷", "弄",
    "道", "线",
)  # fmt: skip
# Strong POI endings: a name that ends here is a complete place (split after it).
POI_STRONG = (
    "小区", "花园", "大厦", "公司", "中心", "市场", "广场", "公寓", "家园", "酒店", "宾馆",
    "医院", "大楼", "大学", "学院", "学校", "中学", "小学", "幼儿园", "超市", "集团", "商城",
    "新村", "花苑", "银行", "支行", "分行", "工厂", "卫生院", "派出所", "政府", "委员会",
    "写字楼", "商厦", "商场", "山庄", "别墅", "公园", "景区", "车站", "农场", "林场",
    "加油站", "服务区", "机场", "码头", "校区", "院区", "厂", "店", "馆", "局", "城", "苑", "府",
    "庭", "湾", "寓",
)  # fmt: skip

SUFFIX = re.compile(
    _words(INTERSECTION, DEVZONE, POI_STRONG, TOWN, COMMUNITY, ROAD)
    + f"(?:(?P<intersection>{_alt(INTERSECTION)})"
    f"|(?P<devzone>{_alt(DEVZONE)})"
    f"|(?P<poi>{_alt(POI_STRONG)})"
    f"|(?P<town>{_alt(TOWN)})"
    f"|(?P<community>{_alt(COMMUNITY)})"
    f"|(?P<road>{_alt(ROAD)}))"
)

# A ring road: 二环, 北一环, 东四环中路, 三环东路, 内环高架. With its side a numbered ring is
# a road even without a suffix (南二环, unless a word goes on: 北三环保); without one, and
# 内环 and 外环, only before a connective, a crossing or the end of a run (三环信息苑 and
# 东外环市场 are names).
RING_HEAD = "一二三四五六七八九十内外"
RING = re.compile(
    "(?P<ring>[东西南北]{0,2}[一二三四五六七八九十]环|[东西南北]?[内外]环)"
    "(?:[东西南北中]{0,2}(?:支路|辅路|路|大道|线|高架路?|快速路|高速))?"
)
RING_NOT_BARE = frozenset("保境卫球形岛宇科集医药生电城")

DIRECTION = "东西南北"
ASSIST = (
    "附近", "旁边", "对面", "斜对面", "正对面", "对过", "隔壁", "边上", "旁", "内", "里面",
    "后面", "前面", "楼下", "楼上", "后门", "以东", "以西", "以南", "以北", "东侧", "西侧",
    "南侧", "北侧", "东面", "西面", "南面", "北面", "东边", "西边", "南边", "北边", "东北",
    "东南", "西北", "西南", "左边", "右边", "左侧", "右侧", "往东", "往西", "往南", "往北",
    "东", "西", "南", "北", "口", "旁的", "处", "前", "后", "东段", "西段", "南段", "北段",
    "向东", "向西", "向南", "向北",
)  # fmt: skip
ASSIST_TAIL = re.compile(f"{_words(ASSIST)}(?:{_alt(ASSIST)})$")
ASSIST_HEAD = re.compile("(?:附近|旁边|对面|斜对面|隔壁|[往向][东西南北])")
# Locating words safe to cut out of the middle of a named run (never part of a name).
ASSIST_INNER = re.compile(
    _lead("斜正附旁对隔楼边后以东西南北")
    + "(?:斜对面|正对面|附近|旁边|对面|隔壁|楼下|边上|对过|后面|以[东西南北]"
    "|[东西南北]侧旁?|旁)"
)
# A section of the road just named (川大路 + 二段, 含光路 + 南段): the guideline labels
# 路南段 and 路段 as one road. 段 heading a name (东段村, 段塘) is no section.
SECTION = re.compile(
    "(?:[东西南北中][一二三四五六七八九十]?|[一二三四五六七八九十]{1,2}|[0-9]{1,2}|上|下)段"
    "(?![村路街道巷弄桥塘])"
)
DEVZONE_TAIL = re.compile(f"{_words(DEVZONE)}(?:{_alt(DEVZONE)})$")
# What completes a POI name rather than naming a second place: legal-form and branch words.
POI_COMPLETION = re.compile(
    r"(?:[^0-9]{0,4}(?:支行|分行|分公司|分店|营业部|校区|院区)"
    r"|(?:股份|集团|有限|购物|商务|商业|总|分|大)*(?:公司|中心|店|大厦|酒店|小区|广场|市场))$"
)
POI_END = re.compile(f"{_words(POI_STRONG)}(?:{_alt(POI_STRONG)})$")
SUBPOI_TAIL = re.compile(
    rf"(?:[{DIRECTION}中](?:大门|门|区|苑|楼)|[{DIRECTION}]门口|门口|办公室|项目部|门卫室?|"
    r"仓库|前台|宿舍|售楼处|财务部|销售部|住院部|门诊部?|食堂|车间|专柜|收发室|传达室|"
    r"裙楼|主楼|副楼|综合楼|行政楼|办公楼|研发楼|教学楼|实验楼|地下室|架空层|快递柜|"
    r"丰巢|菜鸟驿站|驿站|[0-9A-Z]+区|[0-9A-Z]+期)$"
)
# Parts of a place that may sit between two names (医院北门报刊亭, 公寓00幢架空层丰巢).
SUBPOI_INNER = re.compile(
    f"(?:[{DIRECTION}](?:大门|门)|门口|架空层|裙楼|收发室|门卫室|办公室|传达室|地下室)"
)
# Words that carry no address information: contact notes, country name, filler.
NOISE_TAIL = re.compile(
    r"(?:电联|电话联系|打电话|联系|收件|收|谢谢|转|代收"
    r"|[^0-9A-Z]{1,2}(?:经理|先生|小姐|女士|老师|师傅)|[^0-9A-Z]某某?)+$"
)
# The last characters of those words: a text ending otherwise has no noise tail (cheap test).
NOISE_TAIL_END = frozenset("联系话件收谢转理生姐士师傅某")
# Filler words around a place that name no part of it (附近, 对面): a matcher drops them.
FILLER = re.compile(r"(?:斜对面|对面|附近|旁边|隔壁|门口|周边|里面|边上|旁)")
# Letting words after a door, building or room: the whole flat, floor or building (整套,
# 整栋, 全层), or which part of it (一层 stays: it is a floor). They name no place.
WHOLE = re.compile("(?<=..)(?:整套|整栋|整幢|整层|整间|整户|全套|全栋|全层|整租|合租)$")
WHOLE_END = frozenset("套栋幢层间户租")
NOISE_HEAD = re.compile(r"^(?:中国|中华人民共和国)")
# Words that start a note to the courier or caller (到了打电话, 放门口, 送到楼下); the note
# runs to the end of the text and, like the words above, is no part of the address (the
# CCKS guideline's redundant: 配送提示、配送要求). Pick-up points (代收点, 自提点) are places.
_NOTE_WORDS = (
    "到了", "到时", "到后", "货到", "来之前", "来前", "送前", "提前", "打电话", "打我",
    "给我打", "电联", "致电", "联系", "短信", "麻烦", "请", "谢谢", "辛苦", "务必", "尽快",
    "有问题", "有疑问", "疑问", "如有", "同意", "送到", "送至", "送货", "送上", "快递员",
    "快递哥", "快递小哥", "直接放", "帮忙放", "开箱", "验货", "收件人", "寄件人", "工作日",
)  # fmt: skip
NOTE = re.compile(
    _words(_NOTE_WORDS, ("自", "代", "签", "放", "电", "微"))
    + f"(?:{_alt(_NOTE_WORDS)}|(?:自取|自提|代收|代签|签收)(?![点处站柜])"
    # 电话手表, 公用电话服务点, 微信公寓 are names.
    "|电话(?![手服亭局机卡线厂])|微信(?:联系|通知|告知|同号|号)"
    "|(?<![解开发投存播释排])放(?:在|到|家门口|门口|门卫|快递|物业|驿站|丰巢|前台|传达|收发|保安))"
)
# Brackets people write around an aside (a branch, a gate, a status, another name).
BRACKET_OPEN = "(（【[［〔"
BRACKET_CLOSE = ")）】]］〕"
# A gate or entrance of a place, named by its side or number: 西北门, 东南2门, 南大门, 3号门,
# 出入口. A bare number before 门 is a stairwell (17栋1门), and 前门, 宣武门 are place names.
GATE = (
    "(?:[东南西北正侧]{1,2}[0-9A-Z一二三四五六七八九十]?大?门|[0-9A-Z一二三四五六七八九十]+号门)"
    "口?|[东南西北0-9A-Z]*号?(?:出入口|出口|入口)"
)
# The ending of a branch of a chain or institution: 新街口店, 湖南路支行, 仙林校区.
BRANCH_END = "(?:店|支行|分行|营业厅|营业部|营业所|校区|分院|分公司)"
CONNECTIVE = ("与", "和", "及", "跟", "至")
ROAD_TAIL = re.compile(f"{_words(ROAD)}(?:{_alt(ROAD)})$")
