"""城市部件 (city parts) class codes after GB/T 30428.2 (管理部件和事件).

A part's code starts with its 大类 (major class, two digits) followed by its 小类 (minor class,
two more): ``0101`` is 公用设施 › 上水井盖. A 部件 layer stores the four-digit 小类 code per
feature; imports refuse codes not in this table, and the API shows each code with its names.

The table holds the classes the city's departments use most (manholes, lamps, hydrants, bins,
street furniture). Extending it is adding rows to :data:`MINOR_CLASSES`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MAJOR_CLASSES", "MINOR_CLASSES", "PartClass", "part_class"]

MAJOR_CLASSES: dict[str, str] = {
    "01": "公用设施",
    "02": "道路交通",
    "03": "市容环境",
    "04": "园林绿化",
    "05": "房屋土地",
    "06": "其他设施",
}

MINOR_CLASSES: dict[str, str] = {
    # 01 公用设施
    "0101": "上水井盖",
    "0102": "污水井盖",
    "0103": "雨水井盖",
    "0104": "雨水箅子",
    "0105": "电力井盖",
    "0106": "路灯井盖",
    "0107": "通讯井盖",
    "0108": "电视井盖",
    "0109": "网络井盖",
    "0110": "热力井盖",
    "0111": "燃气井盖",
    "0112": "公安井盖",
    "0113": "无主井盖",
    "0114": "输油(气)井盖",
    "0115": "电力设施",
    "0116": "通讯交接箱",
    "0117": "消防设施",
    "0118": "路灯",
    "0119": "地灯",
    "0120": "景观灯",
    "0121": "邮筒",
    "0122": "报刊亭",
    "0123": "信息亭",
    "0124": "治安岗亭",
    "0125": "监控电子眼",
    "0126": "高压线铁塔",
    # 02 道路交通
    "0201": "公交站亭",
    "0202": "出租车站牌",
    "0203": "停车场",
    "0204": "过街天桥",
    "0205": "地下通道",
    "0206": "交通标志牌",
    "0207": "交通信号灯",
    "0208": "交通护栏",
    "0209": "隔音屏",
    "0210": "道路信息显示屏",
    "0211": "停车咪表",
    "0212": "非机动车停放点",
    # 03 市容环境
    "0301": "公共厕所",
    "0302": "垃圾间(楼)",
    "0303": "垃圾箱",
    "0304": "广告牌匾",
    "0305": "街头座椅",
    "0306": "环卫工具房",
    "0307": "垃圾转运站",
    "0308": "灯箱霓虹灯",
    # 04 园林绿化
    "0401": "古树名木",
    "0402": "行道树",
    "0403": "护树设施",
    "0404": "花架花钵",
    "0405": "绿地",
    "0406": "城市雕塑",
    "0407": "街头坐椅",
    "0408": "绿地护栏",
    # 05 房屋土地
    "0501": "宣传栏",
    "0502": "人防工事",
    "0503": "地下室出入口",
    # 06 其他设施
    "0601": "重大危险源",
    "0602": "工地",
    "0603": "水域附属设施",
    "0604": "消火栓箱",
}


@dataclass(frozen=True, slots=True)
class PartClass:
    """A 小类 with its 大类: code ``0117`` is 公用设施 › 消防设施."""

    code: str
    name: str
    major_code: str
    major_name: str

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "name": self.name,
            "major_code": self.major_code,
            "major_name": self.major_name,
        }


def part_class(code: str) -> PartClass | None:
    """The class of a four-digit 小类 code, or None when the table has no such class.

    Examples
    --------
    >>> part_class("0117").name, part_class("0117").major_name
    ('消防设施', '公用设施')
    >>> part_class("0199") is None
    True
    """
    name = MINOR_CLASSES.get(code)
    if name is None:
        return None
    return PartClass(code, name, code[:2], MAJOR_CLASSES[code[:2]])
