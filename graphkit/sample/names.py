"""Word lists and deterministic name generators for the synthetic sample.

Every generated entity of the sample gets a plausible Chinese name (and an English one where
the schema has ``name_en``), built from the syllable and word lists below. The generators
take a :class:`numpy.random.Generator`, so the same seed gives the same names; uniqueness
inside one table is enforced by :class:`NamePool`, which redraws on a clash and, after a
bounded number of tries, appends a distinguishing suffix (never a random one).

Lists hold ``(hanzi, pinyin)`` pairs so that English names need no transliteration library
at build time.
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "BRAND_SYLLABLES",
    "FIRM_INDUSTRIES",
    "SURNAMES",
    "GIVEN_CHARS",
    "NamePool",
    "brand",
    "firm_name",
    "company_name",
    "investor_name",
    "person_name",
    "university_name",
    "institute_name",
    "conference_name",
    "alliance_name",
    "policy_name",
    "park_name",
]

# Syllables that Chinese technology brands are typically built from (智, 云, 芯, 瞳 …).
BRAND_SYLLABLES: tuple[tuple[str, str], ...] = (
    ("智", "Zhi"), ("云", "Yun"), ("芯", "Xin"), ("瞳", "Tong"), ("灵", "Ling"), ("视", "Shi"),
    ("思", "Si"), ("语", "Yu"), ("擎", "Qing"), ("深", "Shen"), ("度", "Du"), ("锐", "Rui"),
    ("达", "Da"), ("博", "Bo"), ("睿", "Rui"), ("数", "Shu"), ("联", "Lian"), ("创", "Chuang"),
    ("新", "Xin"), ("华", "Hua"), ("泰", "Tai"), ("极", "Ji"), ("光", "Guang"), ("易", "Yi"),
    ("晶", "Jing"), ("天", "Tian"), ("启", "Qi"), ("星", "Xing"), ("辰", "Chen"), ("驰", "Chi"),
    ("翼", "Yi"), ("卓", "Zhuo"), ("凌", "Ling"), ("腾", "Teng"), ("飞", "Fei"), ("汇", "Hui"),
    ("讯", "Xun"), ("格", "Ge"), ("物", "Wu"), ("元", "Yuan"), ("量", "Liang"), ("象", "Xiang"),
    ("未", "Wei"), ("来", "Lai"), ("宇", "Yu"), ("航", "Hang"), ("微", "Wei"), ("图", "Tu"),
    ("影", "Ying"), ("鲸", "Jing"), ("鹰", "Ying"), ("狐", "Hu"), ("蓝", "Lan"), ("青", "Qing"),
    ("朗", "Lang"), ("明", "Ming"), ("昊", "Hao"), ("安", "An"), ("恒", "Heng"), ("远", "Yuan"),
    ("拓", "Tuo"), ("维", "Wei"), ("码", "Ma"), ("算", "Suan"), ("脉", "Mai"), ("途", "Tu"),
    ("望", "Wang"), ("观", "Guan"), ("曜", "Yao"), ("澜", "Lan"), ("峰", "Feng"), ("源", "Yuan"),
    ("禾", "He"), ("川", "Chuan"), ("商", "Shang"), ("行", "Xing"), ("佳", "Jia"), ("信", "Xin"),
    ("和", "He"), ("捷", "Jie"), ("迅", "Xun"), ("聚", "Ju"), ("合", "He"), ("鼎", "Ding"),
    ("盛", "Sheng"), ("越", "Yue"), ("玄", "Xuan"), ("穹", "Qiong"), ("纬", "Wei"),
)

# (Chinese industry words, English rendering) for AI firms' registered names.
FIRM_INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("科技", "Technology"), ("智能科技", "Intelligent Technology"), ("信息技术", "Information Technology"),
    ("网络科技", "Network Technology"), ("机器人", "Robotics"), ("数据科技", "Data Technology"),
    ("软件", "Software"), ("视觉科技", "Vision Technology"), ("医疗科技", "Medical Technology"),
    ("半导体", "Semiconductor"), ("智能装备", "Intelligent Equipment"), ("语音科技", "Speech Technology"),
    ("自动驾驶科技", "Autonomous Driving Technology"), ("智慧城市科技", "Smart City Technology"),
    ("金融科技", "Fintech"), ("教育科技", "Education Technology"), ("物联网科技", "IoT Technology"),
    ("云计算", "Cloud Computing"), ("微电子", "Microelectronics"), ("智能制造", "Intelligent Manufacturing"),
)

FIRM_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("有限公司", "Co., Ltd."), ("股份有限公司", "Co., Ltd."),
)

# Domestic counterparties (investees, clients of technology enablement) are ordinary firms.
COMPANY_INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("贸易", "Trading"), ("实业", "Industrial"), ("电子", "Electronics"), ("物流", "Logistics"),
    ("传媒", "Media"), ("制造", "Manufacturing"), ("商贸", "Commerce"), ("能源", "Energy"),
    ("医药", "Pharmaceutical"), ("汽车部件", "Auto Parts"), ("电气", "Electric"), ("建设", "Construction"),
    ("零售", "Retail"), ("文化", "Culture"), ("通信", "Communications"), ("环保科技", "Environmental Technology"),
    ("农业科技", "Agricultural Technology"), ("安防科技", "Security Technology"), ("家居", "Home Furnishing"),
    ("服饰", "Apparel"),
)

INVESTOR_WORDS: tuple[tuple[str, str], ...] = (
    ("资本", "Capital"), ("创投", "Venture Capital"), ("投资", "Investment"), ("基金", "Fund"),
    ("资产管理", "Asset Management"), ("股权投资", "Equity Investment"), ("产业投资", "Industrial Investment"),
    ("天使投资", "Angel Investment"), ("创业投资", "Venture Investment"),
)

# The hundred commonest surnames cover most of the population; weights follow their rough order.
SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
    ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"),
    ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"), ("郭", "Guo"), ("何", "He"), ("高", "Gao"),
    ("林", "Lin"), ("罗", "Luo"), ("郑", "Zheng"), ("梁", "Liang"), ("谢", "Xie"), ("宋", "Song"),
    ("唐", "Tang"), ("许", "Xu"), ("韩", "Han"), ("冯", "Feng"), ("邓", "Deng"), ("曹", "Cao"),
    ("彭", "Peng"), ("曾", "Zeng"), ("肖", "Xiao"), ("田", "Tian"), ("董", "Dong"), ("袁", "Yuan"),
    ("潘", "Pan"), ("于", "Yu"), ("蒋", "Jiang"), ("蔡", "Cai"), ("余", "Yu"), ("杜", "Du"),
    ("叶", "Ye"), ("程", "Cheng"), ("苏", "Su"), ("魏", "Wei"), ("吕", "Lyu"), ("丁", "Ding"),
    ("任", "Ren"), ("沈", "Shen"),
)

GIVEN_CHARS: tuple[tuple[str, str], ...] = (
    ("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"), ("丽", "Li"),
    ("强", "Qiang"), ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"), ("勇", "Yong"), ("艳", "Yan"),
    ("杰", "Jie"), ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"), ("秀", "Xiu"), ("霞", "Xia"),
    ("平", "Ping"), ("刚", "Gang"), ("桂", "Gui"), ("文", "Wen"), ("华", "Hua"), ("鹏", "Peng"),
    ("宇", "Yu"), ("浩", "Hao"), ("晨", "Chen"), ("博", "Bo"), ("昊", "Hao"), ("欣", "Xin"),
    ("婷", "Ting"), ("思", "Si"), ("远", "Yuan"), ("帆", "Fan"), ("楠", "Nan"), ("琳", "Lin"),
    ("凯", "Kai"), ("嘉", "Jia"), ("宁", "Ning"), ("晓", "Xiao"), ("峰", "Feng"), ("斌", "Bin"),
)

UNIVERSITY_PATTERNS: tuple[tuple[str, str], ...] = (
    ("{c}理工大学", "{C} University of Technology"), ("{c}科技大学", "{C} University of Science and Technology"),
    ("{c}大学", "{C} University"), ("{c}师范大学", "{C} Normal University"),
    ("{c}工业大学", "{C} Polytechnic University"), ("{c}信息工程学院", "{C} Institute of Information Engineering"),
    ("{c}电子科技学院", "{C} Institute of Electronic Technology"), ("{c}工程大学", "{C} Engineering University"),
    ("{c}学院", "{C} College"), ("{c}财经大学", "{C} University of Finance and Economics"),
    ("{c}交通大学", "{C} Jiaotong University"), ("{c}工学院", "{C} Institute of Technology"),
    ("{c}科技学院", "{C} College of Science and Technology"), ("{c}航空学院", "{C} Aeronautical College"),
    ("{c}城市学院", "{C} City College"), ("{c}农业大学", "{C} Agricultural University"),
)

INSTITUTE_FIELDS: tuple[tuple[str, str], ...] = (
    ("人工智能研究院", "Institute of Artificial Intelligence"), ("智能技术研究院", "Institute of Intelligent Technology"),
    ("大数据研究院", "Big Data Research Institute"), ("机器人研究所", "Robotics Research Institute"),
    ("智能制造研究院", "Intelligent Manufacturing Research Institute"),
    ("信息技术研究所", "Institute of Information Technology"), ("先进技术研究院", "Institute of Advanced Technology"),
    ("智能感知实验室", "Intelligent Perception Laboratory"), ("计算科学研究中心", "Computational Science Research Center"),
    ("工业技术研究院", "Industrial Technology Research Institute"),
)

# Fields and event types of AI conferences and alliances ("智能语音" + "产业联盟").
AI_FIELDS: tuple[str, ...] = (
    "人工智能", "机器人", "智能制造", "机器视觉", "自然语言处理", "智能语音", "自动驾驶", "智慧医疗",
    "智能芯片", "大数据与人工智能", "智慧城市", "服务机器人", "工业机器人", "类脑智能", "人机交互",
    "知识图谱", "深度学习", "智能安防", "智慧教育", "智能金融",
)

CONFERENCE_KINDS: tuple[str, ...] = (
    "大会", "峰会", "论坛", "高峰论坛", "研讨会", "博览会", "创新大赛", "开发者大会", "产业对接会",
    "学术年会", "技术交流会", "应用大会",
)

CONFERENCE_SCOPES: tuple[str, ...] = ("中国", "全球", "国际", "亚太", "世界", "全国", "青年", "产学研")

ALLIANCE_KINDS: tuple[str, ...] = (
    "产业联盟", "产业技术创新战略联盟", "产业协会", "行业协会", "学会", "创新联盟", "产学研联盟",
    "产业发展促进会", "开源联盟", "应用联盟",
)

POLICY_TITLES: tuple[str, ...] = (
    "关于加快新一代人工智能产业发展的实施意见", "新一代人工智能发展规划", "人工智能产业发展三年行动计划",
    "关于促进人工智能和实体经济深度融合的实施意见", "机器人产业发展规划", "关于推动智能制造发展的若干措施",
    "人工智能创新发展试验区建设方案", "关于支持人工智能产业发展的若干政策", "智能产业发展行动方案",
    "关于加快大数据与人工智能产业发展的指导意见", "人工智能人才引进专项计划", "新型智慧城市建设实施方案",
    "关于推进工业机器人应用的实施意见", "人工智能产业专项资金管理办法", "关于加快培育人工智能产业集群的意见",
    "智能网联汽车道路测试管理办法", "关于促进新一代人工智能与产业融合发展的若干措施",
    "人工智能应用场景建设行动计划", "数字经济发展规划", "关于支持智能机器人产业创新发展的政策措施",
)

PARK_WORDS: tuple[str, ...] = (
    "人工智能产业园", "智能制造产业园", "机器人产业园", "人工智能小镇", "智能科技园", "大数据产业园",
    "人工智能创新中心", "智能产业基地", "机器人产业基地", "人工智能产业集聚区", "智谷", "数字经济产业园",
)

PARK_PLACES: tuple[str, ...] = (
    "高新区", "经开区", "科学城", "新区", "软件园", "科技城", "未来城", "智慧谷", "滨江", "东湖", "光谷",
    "西部", "南湖", "北岸", "临港", "湾区", "云谷", "中关村", "国际", "创新港",
)


class NamePool:
    """Hands out names unique within one table.

    ``take(candidates)`` is called with a function producing one candidate ``(zh, en)`` pair
    per call; clashes are redrawn up to ``tries`` times, then numbered ("…二号" / " II"),
    so the result is always unique and depends only on the random stream.
    """

    _NUMERALS = ("二", "三", "四", "五", "六", "七", "八", "九", "十")

    def __init__(self, taken: set[str] | None = None, tries: int = 20):
        self.taken: set[str] = set(taken or ())
        self.tries = tries

    def take(self, draw) -> tuple[str, str]:
        """Return a ``(zh, en)`` pair from ``draw()`` whose Chinese name is not taken yet."""
        for _ in range(self.tries):
            zh, en = draw()
            if zh not in self.taken:
                self.taken.add(zh)
                return zh, en
        for i, num in enumerate(self._NUMERALS, start=2):
            cand = f"{zh}（{num}）"
            if cand not in self.taken:
                self.taken.add(cand)
                return cand, f"{en} ({i})" if en else ""
        i = len(self._NUMERALS) + 2
        while f"{zh}（{i}）" in self.taken:
            i += 1
        self.taken.add(f"{zh}（{i}）")
        return f"{zh}（{i}）", f"{en} ({i})" if en else ""


_CN_NUMBERS = ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")


def _pick(rng: np.random.Generator, items):
    return items[int(rng.integers(len(items)))]


def brand(rng: np.random.Generator, syllables: int = 2) -> tuple[str, str]:
    """Return a brand word of ``syllables`` syllables, e.g. ``("智瞳", "Zhitong")``."""
    parts = [_pick(rng, BRAND_SYLLABLES) for _ in range(syllables)]
    while syllables > 1 and parts[0][0] == parts[1][0]:  # "智智" reads wrong
        parts[1] = _pick(rng, BRAND_SYLLABLES)
    zh = "".join(p[0] for p in parts)
    en = parts[0][1] + "".join(p[1].lower() for p in parts[1:])
    return zh, en


def firm_name(rng: np.random.Generator, city_zh: str, city_en: str) -> tuple[str, str]:
    """A registered AI-firm name: ``("杭州智瞳科技有限公司", "Hangzhou Zhitong Technology Co., Ltd.")``."""
    b = brand(rng, 2 if rng.random() < 0.85 else 3)
    ind = _pick(rng, FIRM_INDUSTRIES)
    suf = FIRM_SUFFIXES[0] if rng.random() < 0.8 else FIRM_SUFFIXES[1]
    return f"{city_zh}{b[0]}{ind[0]}{suf[0]}", f"{city_en} {b[1]} {ind[1]} {suf[1]}"


def company_name(rng: np.random.Generator, city_zh: str, city_en: str) -> tuple[str, str]:
    """A domestic counterparty's name: ``("苏州恒远电子有限公司", "Suzhou Hengyuan Electronics Co., Ltd.")``."""
    b = brand(rng, 2)
    ind = _pick(rng, COMPANY_INDUSTRIES)
    return f"{city_zh}{b[0]}{ind[0]}有限公司", f"{city_en} {b[1]} {ind[1]} Co., Ltd."


def person_name(rng: np.random.Generator) -> tuple[str, str]:
    """A person's name, surname first: ``("李思远", "Li Siyuan")``."""
    s = _pick(rng, SURNAMES)
    n = 1 if rng.random() < 0.3 else 2
    g = [_pick(rng, GIVEN_CHARS) for _ in range(n)]
    return s[0] + "".join(x[0] for x in g), f"{s[1]} {g[0][1]}{''.join(x[1].lower() for x in g[1:])}"


def investor_name(rng: np.random.Generator, city_zh: str, city_en: str, institutional: bool) -> tuple[str, str]:
    """An investor: an investment institution (``"深圳前瞻创投"``) or, for the report's
    "non-investment-institution investors", a person or an ordinary company."""
    if institutional:
        b = brand(rng, 2)
        w = _pick(rng, INVESTOR_WORDS)
        if rng.random() < 0.5:
            return f"{b[0]}{w[0]}", f"{b[1]} {w[1]}"
        return f"{city_zh}{b[0]}{w[0]}", f"{city_en} {b[1]} {w[1]}"
    if rng.random() < 0.5:
        return person_name(rng)
    return company_name(rng, city_zh, city_en)


def university_name(rng: np.random.Generator, city_zh: str, city_en: str) -> tuple[str, str]:
    """A university named after its city: ``("徐州理工大学", "Xuzhou University of Technology")``."""
    zh, en = _pick(rng, UNIVERSITY_PATTERNS)
    return zh.format(c=city_zh), en.format(C=city_en)


def institute_name(rng: np.random.Generator, city_zh: str, city_en: str) -> tuple[str, str]:
    """A research institute: ``("苏州智源人工智能研究院", "Suzhou Zhiyuan Institute of Artificial Intelligence")``."""
    b = brand(rng, 2)
    f = _pick(rng, INSTITUTE_FIELDS)
    return f"{city_zh}{b[0]}{f[0]}", f"{city_en} {b[1]} {f[1]}"


def conference_name(rng: np.random.Generator, city_zh: str, year: int) -> tuple[str, str]:
    """A conference held in ``year`` in a city, in one of the usual forms:
    ``"2019成都智能语音峰会"``, ``"第五届杭州机器人大会"``, ``"2018全球人工智能论坛（深圳）"``
    (no English name: the schema's ``name_en`` stays empty)."""
    field, kind = _pick(rng, AI_FIELDS), _pick(rng, CONFERENCE_KINDS)
    form = rng.random()
    if form < 0.45:
        return f"{year}{city_zh}{field}{kind}", ""
    if form < 0.75:
        return f"第{_CN_NUMBERS[int(rng.integers(1, 12))]}届{city_zh}{field}{kind}", ""
    return f"{year}{_pick(rng, CONFERENCE_SCOPES)}{field}{kind}（{city_zh}）", ""


def alliance_name(rng: np.random.Generator, place_zh: str) -> tuple[str, str]:
    """An industrial alliance or association of a province or city: ``("广东省机器人产业联盟", "")``."""
    return f"{place_zh}{_pick(rng, AI_FIELDS)}{_pick(rng, ALLIANCE_KINDS)}", ""


def policy_name(rng: np.random.Generator, issuer_zh: str, year: int) -> tuple[str, str]:
    """A policy document: ``("浙江省人工智能产业发展三年行动计划（2018—2020年）", "")``."""
    title = _pick(rng, POLICY_TITLES)
    if "规划" in title or "计划" in title or "方案" in title:
        return f"{issuer_zh}{title}（{year}—{year + 2}年）", ""
    return f"{issuer_zh}{title}", ""


def park_name(rng: np.random.Generator, city_zh: str) -> tuple[str, str]:
    """An industrial park: ``("合肥高新区人工智能产业园", "")``."""
    return f"{city_zh}{_pick(rng, PARK_PLACES)}{_pick(rng, PARK_WORDS)}", ""
