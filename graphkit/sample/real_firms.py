"""Firms and investors the report names, with the roles it gives them.

The synthetic sample uses the real names of the firms and investors that the report's
narrative singles out, so that the sample tells the same story (Suning.com is Jiangsu's
most active investor, IDG Capital invested in 82 Beijing AI firms, Haier holds Shandong's
most patents …). Everything else about them — their other attributes, their rounds,
amounts and counterparties — is synthetic, like the rest of the sample.

``REAL_FIRMS`` rows are ``(name_zh, name_en, city_code, layer, roles)``. ``layer`` is the
layer the report states (None if it does not). ``roles`` maps a per-firm quantity to what
the report says about it:

- ``("top", indicator, k)``: the firm ranks ``k``-th in its city on ``indicator``
  (``financing_relations``, ``financing_amount`` or ``investment_relations``).

Figures the report prints about a named firm (its patents, the number of firms it invested
in) are read from published_counts.csv by matching ``name_en`` with the ``subject`` column,
never written here. ``NAMED_INVESTORS`` are the investment institutions whose portfolio sizes per province the
report prints (published_counts.csv, ``investor_portfolio_count``); the builder reads the
sizes from that file and uses this table only for names and home cities.
"""
from __future__ import annotations

__all__ = ["REAL_FIRMS", "NAMED_INVESTORS"]

_T = "top"

REAL_FIRMS: tuple[tuple[str, str, str, str | None, tuple], ...] = (
    # Beijing (report line 752)
    ("车和家", "CHJ Automotive", "110000", None, ((_T, "financing_relations", 1),)),
    ("滴滴出行", "Didi Chuxing", "110000", None, ((_T, "financing_relations", 2),)),
    ("乐视体育", "LeSports", "110000", None, ((_T, "financing_relations", 3),)),
    ("中国电信", "China Telecom", "110000", None, ((_T, "investment_relations", 1),)),
    ("新东方", "New Oriental", "110000", None, ((_T, "investment_relations", 2),)),
    # Shanghai (lines 855, 861)
    ("展讯通信", "Spreadtrum Communications", "310000", "basic", ()),
    ("联影医疗", "United Imaging Healthcare", "310000", "technology", ()),
    ("饿了么", "Ele.me", "310000", None, ((_T, "financing_amount", 1),)),
    ("蔚来汽车", "NIO", "310000", None, ((_T, "financing_amount", 2), (_T, "financing_relations", 1))),
    ("陆金所", "Lufax", "310000", None, ((_T, "financing_amount", 3),)),
    ("紫光展锐", "UNISOC", "310000", "basic", ((_T, "financing_amount", 4),)),
    ("思路迪", "3D Medicines", "310000", None, ((_T, "financing_relations", 2),)),
    ("星环科技", "Transwarp", "310000", "technology", ((_T, "financing_relations", 3),)),
    ("璧仞科技", "Biren Technology", "310000", "basic", ((_T, "financing_relations", 4),)),
    # Zhejiang / Hangzhou (lines 904-908, 2433, 2467)
    ("阿里巴巴（中国）有限公司", "Alibaba (China) Co., Ltd.", "330100", "basic", ((_T, "investment_relations", 4),)),
    ("阿里云", "Alibaba Cloud", "330100", "basic", ((_T, "financing_amount", 4),)),
    ("杭州中天微系统有限公司", "Hangzhou C-SKY Microsystems", "330100", "basic", ()),
    ("杭州海康威视数字技术股份有限公司", "Hikvision", "330100", "technology",
     ((_T, "investment_relations", 1),)),
    ("新华三技术有限公司", "New H3C Technologies", "330100", "technology", ()),
    ("才云科技", "Caicloud", "330100", "technology", ()),
    ("恒生电子股份有限公司", "Hundsun Technologies", "330100", None, ((_T, "investment_relations", 2),)),
    ("浙江大华技术股份有限公司", "Dahua Technology", "330100", None, ((_T, "investment_relations", 3),)),
    ("口碑", "Koubei", "330100", None, ((_T, "financing_amount", 1),)),
    ("网易云音乐", "NetEase Cloud Music", "330100", None, ((_T, "financing_amount", 2),)),
    ("合众汽车", "Hozon Auto", "330100", None, ((_T, "financing_amount", 3),)),
    # Jiangsu / Nanjing (lines 958-964, 2541, 2574)
    ("苏宁易购集团股份有限公司", "Suning.com", "320100", None,
     ((_T, "investment_relations", 1),)),
    ("江苏保千里视像科技集团股份有限公司", "Jiangsu Baoqianli Video Technology", "320100", None,
     ((_T, "investment_relations", 2),)),
    ("浩鲸云计算科技股份有限公司", "Whale Cloud Technology", "320100", "basic", ((_T, "investment_relations", 3),)),
    ("紫光云数科技有限公司", "Unisplendour Cloud Data Technology", "320100", "basic", ()),
    ("南京科远智慧科技集团股份有限公司", "Nanjing Sciyon Wisdom Technology", "320100", "technology", ()),
    ("南京云思创智信息科技有限公司", "Nanjing Yunsi Chuangzhi Information Technology", "320100", "technology", ()),
    ("南京硅基智能科技有限公司", "Nanjing Silicon Intelligence Technology", "320100", "technology", ()),
    ("江苏满运软件科技有限公司", "Jiangsu Manyun Software Technology", "320100", None, ((_T, "financing_relations", 1),)),
    ("南京芯驰半导体科技有限公司", "Nanjing SemiDrive Technology", "320100", None, ((_T, "financing_relations", 2),)),
    ("南京安元科技有限公司", "Nanjing Anyuan Technology", "320100", None, ((_T, "financing_relations", 3),)),
    ("思必驰", "AISpeech", "320500", "technology", ()),
    # Guangdong / Shenzhen / Guangzhou (lines 803, 2410, 2414, 2520)
    ("深圳市腾讯计算机系统有限公司", "Shenzhen Tencent Computer Systems", "440300", "basic", ()),
    ("华为技术有限公司", "Huawei Technologies", "440300", "basic", ()),
    ("深信服科技股份有限公司", "Sangfor Technologies", "440300", "basic", ()),
    ("深圳云天励飞技术有限公司", "Intellifusion", "440300", "technology", ((_T, "financing_relations", 3),)),
    ("深圳市大疆创新科技有限公司", "DJI", "440300", "technology", ()),
    ("深圳市华大基因股份有限公司", "BGI Genomics", "440300", None, ((_T, "financing_relations", 1),)),
    ("深圳市柔宇科技有限公司", "Royole", "440300", None, ((_T, "financing_relations", 2),)),
    ("深圳市彩生活服务集团有限公司", "Colour Life Services Group", "440300", None, ((_T, "investment_relations", 1),)),
    ("中国平安人寿保险股份有限公司", "Ping An Life Insurance", "440300", None, ((_T, "investment_relations", 2),)),
    ("中兴通讯股份有限公司", "ZTE", "440300", None, ((_T, "investment_relations", 3),)),
    ("云从科技股份有限公司", "CloudWalk Technology", "440100", "technology", ((_T, "financing_relations", 1),)),
    ("有米科技股份有限公司", "Youmi Technology", "440100", None, ((_T, "financing_relations", 2),)),
    ("广州明珞装备股份有限公司", "Guangzhou Mino Equipment", "440100", None, ((_T, "financing_relations", 3),)),
    ("广州金域医学检验集团股份有限公司", "KingMed Diagnostics", "440100", None, ((_T, "investment_relations", 1),)),
    ("高新兴科技股份有限公司", "Gosuncn Technology", "440100", None, ((_T, "investment_relations", 2),)),
    ("广州视源电子科技股份有限公司", "Guangzhou Shiyuan Electronic Technology (CVTE)", "440100", None,
     ((_T, "investment_relations", 3),)),
    # Shandong (line 1012)
    ("海尔集团", "Haier Group", "370200", None, ()),
    ("山东新北洋信息技术股份有限公司", "Shandong New Beiyang Information Technology", "371000", None,
     ()),
    ("浪潮软件集团有限公司", "Inspur Software Group", "370100", None, ()),
    ("山东健康医疗大数据有限公司", "Shandong Health and Medical Big Data Co.", "370100", None, ()),
    ("青岛慧拓智能机器有限公司", "Qingdao Huituo Intelligent Machine Co.", "370200", None, ()),
    # Anhui (lines 1086, 1119)
    ("科大讯飞股份有限公司", "iFLYTEK", "340100", "technology", ((_T, "investment_relations", 1),)),
    # Chengdu (line 2628)
    ("成都极米科技股份有限公司", "Chengdu XGIMI Technology", "510100", None, ((_T, "financing_relations", 1),)),
    ("成都数之联科技有限公司", "Chengdu Shuzhilian Technology", "510100", None, ((_T, "financing_relations", 2),)),
    ("成都国星宇航科技有限公司", "Chengdu Guoxing Aerospace Technology", "510100", None,
     ((_T, "financing_relations", 3),)),
    ("四川川大智胜软件股份有限公司", "Sichuan Wisesoft", "510100", None, ((_T, "investment_relations", 1),)),
    ("成都智元汇信息技术股份有限公司", "Chengdu Zhiyuanhui Information Technology", "510100", None,
     ((_T, "investment_relations", 2),)),
    ("成都四方伟业软件股份有限公司", "Chengdu Sefon Software", "510100", None, ((_T, "investment_relations", 3),)),
)

# Report names -> (name_zh, name_en, home city). The names match the ``subject`` column of
# published_counts.csv up to the bracketed Chinese name.
NAMED_INVESTORS: dict[str, tuple[str, str, str]] = {
    "IDG Capital": ("IDG资本", "IDG Capital", "110000"),
    "Sequoia Capital China": ("红杉资本中国", "Sequoia Capital China", "110000"),
    "Tencent Investment": ("腾讯投资", "Tencent Investment", "440300"),
}
