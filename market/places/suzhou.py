"""Reference places for the demo city, Suzhou (苏州市), Jiangsu.

District and street names are real; community names are composed from common local
syllables, so they sound real without claiming to be a register of actual communities.
"""
from math import gcd

CITY = {"name": "苏州市", "code": "320500", "province": "江苏省"}

# (name, division code, kind, [(street or town, kind)])
DISTRICTS = [
    (
        "姑苏区",
        "320508",
        "district",
        ["平江街道", "沧浪街道", "金阊街道", "双塔街道", "虎丘街道", "吴门桥街道", "葑门街道", "白洋湾街道"],
    ),
    ("虎丘区", "320505", "district", ["狮山街道", "横塘街道", "枫桥街道", "东渚街道", "浒墅关镇", "通安镇"]),
    (
        "吴中区",
        "320506",
        "district",
        ["长桥街道", "越溪街道", "郭巷街道", "横泾街道", "香山街道", "城南街道", "木渎镇", "甪直镇", "胥口镇"],
    ),
    ("相城区", "320507", "district", ["元和街道", "太平街道", "黄桥街道", "北桥街道", "渭塘镇", "望亭镇", "阳澄湖镇"]),
    ("吴江区", "320509", "district", ["松陵街道", "江陵街道", "横扇街道", "八坼街道", "盛泽镇", "震泽镇", "平望镇"]),
    ("苏州工业园区", "320571", "district", ["娄葑街道", "斜塘街道", "唯亭街道", "胜浦街道", "金鸡湖街道"]),
    (
        "常熟市",
        "320581",
        "county_city",
        ["虞山街道", "琴川街道", "常福街道", "莫城街道", "碧溪街道", "东南街道", "梅李镇"],
    ),
    ("张家港市", "320582", "county_city", ["杨舍镇", "塘桥镇", "金港街道", "锦丰镇", "乐余镇", "凤凰镇"]),
    (
        "昆山市",
        "320583",
        "county_city",
        ["玉山镇", "巴城镇", "周市镇", "陆家镇", "花桥镇", "张浦镇", "千灯镇", "周庄镇"],
    ),
    ("太仓市", "320585", "county_city", ["城厢镇", "沙溪镇", "浏河镇", "璜泾镇", "双凤镇", "浮桥镇"]),
]

FIRST = "桐金新东西南北青兴和康丰盛翠玉锦虹石湖清文春荷梅竹桂枫柳福安宁华平乐润泰星阳瑞怡馨嘉"
SECOND = "芳园苑湾港塘桥浜泾坊里庭溪韵华林湖景城庄门岸泽滨汇洲坞亭"

# Department names per district (every district has these bureaus).
DISTRICT_DEPARTMENTS = ["民政局", "卫生健康委员会", "司法局", "教育局", "城市管理局", "住房和城乡建设局"]


def community_names(count: int, offset: int) -> list[str]:
    """`count` distinct two-syllable names, taken in a fixed scattered order from `offset`."""
    pairs = [a + b for a in FIRST for b in SECOND if a != b]
    step = 37  # coprime with the number of pairs, so the walk visits every pair once
    assert gcd(len(pairs), step) == 1
    return [pairs[(offset + i) * step % len(pairs)] for i in range(count)]
