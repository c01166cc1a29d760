"""A tiny hand-made dataset whose every indicator is worked out by hand in tests/test_core.py.

Five non-municipal cities (Shenzhen and Guangzhou in Guangdong, Hangzhou in Zhejiang, Nanjing
in Jiangsu, Chengdu in Sichuan) and Beijing. Shared by other tests that need a small graph.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["TABLES", "write_handmade"]

TABLES: dict[str, str] = {
    "nodes/firm.csv": """id,name,name_en,province,city,founded,layer,valuation,patents
F1,深圳甲科技,Shenzhen A Tech,广东省,深圳市,2015-03-01,basic,100,10
F2,深圳乙智能,Shenzhen B AI,Guangdong,Shenzhen,2016,technology,300,
F3,广州丙数据,Guangzhou C Data,440000,440100,2017-06,application,,4
F4,杭州丁视觉,Hangzhou D Vision,浙江省,杭州市,2014-01-01,application,50,2
F5,北京戊芯片,Beijing E Chips,北京市,北京市,2012-05-05,basic,200,6
""",
    "nodes/investor.csv": """id,name,name_en,province,city,kind
V1,北京资本,Beijing Capital,北京市,北京市,institutional
V2,深圳创投,Shenzhen Ventures,广东省,深圳市,institutional
""",
    "nodes/university.csv": """id,name,name_en,province,city,domestic_papers,intl_papers,patents
U1,南京甲大学,Nanjing Univ A,江苏省,南京市,10,4,3
U2,南京乙大学,Nanjing Univ B,江苏省,南京市,20,,5
U3,成都大学,Chengdu Univ,四川省,成都市,6,2,1
""",
    "nodes/institute.csv": """id,name,name_en,province,city,domestic_papers,intl_papers,patents
I1,北京研究院,Beijing Institute,北京市,北京市,4,4,4
I2,杭州研究院,Hangzhou Institute,浙江省,杭州市,8,8,8
""",
    "nodes/company.csv": """id,name,name_en,province,city
C1,成都客户,Chengdu Client,四川省,成都市
""",
    "nodes/foreign_partner.csv": """id,name,name_en,country,kind
P1,英特尔,Intel,United States,company
P2,斯坦福大学,Stanford University,United States,university
""",
    "nodes/conference.csv": """id,name,province,city,date
M1,杭州AI大会,浙江省,杭州市,2019-05-01
M2,杭州机器人会,浙江省,杭州市,2019-08-01
M3,深圳论坛,广东省,深圳市,2018
""",
    "nodes/alliance.csv": """id,name,province,city,founded
A1,广州联盟,广东省,广州市,2018-01-01
""",
    "nodes/policy.csv": """id,name,province,city,date
L1,成都政策,四川省,成都市,2019-01-01
L2,杭州政策,浙江省,杭州市,2018-01-01
""",
    "nodes/park.csv": """id,name,province,city,founded
K1,南京园区,江苏省,南京市,2017
""",
    "edges/round.csv": """id,firm,round,date,amount
R1,F1,A,2018-01-01,1000
R2,F2,B,2019-01-01,
R3,F4,A,2020-06-01,500
""",
    "edges/financing.csv": """source,target,round_id,date
V1,F1,R1,2018-01-01
V2,F1,R1,2018-01-01
V1,F2,R2,2019-01-01
V2,F4,R3,2020-06-01
""",
    "edges/investment.csv": """source,target,date,amount
F1,C1,2019-01-01,10
F3,F4,2019-01-01,
""",
    "edges/tech_enablement.csv": """source,target,date
F1,C1,2019-01-01
F1,F3,2019-01-01
F4,C1,2020-01-01
""",
    "edges/intl_tech_input.csv": """source,target,date
P1,F1,2019-01-01
P1,F4,2019-01-01
""",
    "edges/intl_tech_enablement.csv": """source,target,date
F2,P1,2019-01-01
""",
    "edges/study_experience.csv": """source,target,person,year
F1,P2,张三,2010
F4,P2,李四,2011
F4,P2,王五,2012
""",
    "edges/work_experience.csv": """source,target,person,year
F3,P1,赵六,2013
""",
}


def write_handmade(root: Path, overrides: dict[str, str | None] | None = None, encoding: str = "utf-8") -> Path:
    """Write the hand-made dataset under ``root`` (``overrides`` replaces or, with None,
    removes files) and return ``root``."""
    files = {**TABLES, **(overrides or {})}
    for rel, text in files.items():
        if text is None:
            continue
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode(encoding))
    return root
