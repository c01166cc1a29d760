"""Real foreign partners of the synthetic sample, and which of them the report names as a
region's leading source or destination.

The report names the foreign companies and universities that matter most to several
regions (section 3 and the city chapters): Intel is the largest source of technology input
for Beijing, Stanford the most frequent place of prior study of Beijing's AI talent,
Microsoft the most frequent prior employer, and so on. The builder gives these partners the
largest numbers of relations in those regions, in the order listed here; the relation
counts themselves come from the calibration, never from this file.

``popularity`` is a rough prior weight for regions the report says nothing about.
"""
from __future__ import annotations

__all__ = ["FOREIGN_COMPANIES", "FOREIGN_UNIVERSITIES", "FAVOURITES"]

# (key, name_zh, name_en, country, popularity)
FOREIGN_COMPANIES: tuple[tuple[str, str, str, str, float], ...] = (
    ("intel", "英特尔", "Intel", "United States", 10.0),
    ("microsoft", "微软", "Microsoft", "United States", 10.0),
    ("qualcomm", "高通", "Qualcomm", "United States", 7.0),
    ("nvidia", "英伟达", "NVIDIA", "United States", 8.0),
    ("ibm", "国际商业机器公司", "IBM", "United States", 7.0),
    ("google", "谷歌", "Google", "United States", 7.0),
    ("samsung", "三星集团", "Samsung Group", "South Korea", 4.0),
    ("amazon", "亚马逊", "Amazon", "United States", 4.0),
    ("apple", "苹果", "Apple", "United States", 3.0),
    ("oracle", "甲骨文", "Oracle", "United States", 3.0),
    ("motorola", "摩托罗拉", "Motorola", "United States", 2.5),
    ("pg", "宝洁", "Procter & Gamble", "United States", 2.0),
    ("jpmorgan", "摩根大通", "JPMorgan Chase", "United States", 2.0),
    ("mckinsey", "麦肯锡", "McKinsey & Company", "United States", 2.5),
    ("morganstanley", "摩根士丹利", "Morgan Stanley", "United States", 2.0),
    ("ubs", "瑞士银行", "UBS", "Switzerland", 1.5),
    ("hp", "惠普", "HP", "United States", 2.0),
    ("siemens", "西门子", "Siemens", "Germany", 3.0),
    ("renesas", "瑞萨电子", "Renesas Electronics", "Japan", 1.5),
    ("pwc", "普华永道", "PwC", "United States", 1.5),
    ("citi", "花旗集团", "Citigroup", "United States", 1.5),
    ("iteamax", "易腾迈科技", "ITEAMAX", "United States", 0.8),
    ("cisco", "思科", "Cisco", "United States", 2.0),
    ("amd", "超威半导体", "AMD", "United States", 2.0),
    ("ti", "德州仪器", "Texas Instruments", "United States", 1.5),
    ("arm", "安谋", "Arm", "United Kingdom", 1.5),
    ("sony", "索尼", "Sony", "Japan", 1.5),
    ("panasonic", "松下", "Panasonic", "Japan", 1.2),
    ("toyota", "丰田", "Toyota", "Japan", 1.0),
    ("bosch", "博世", "Bosch", "Germany", 1.5),
    ("sap", "思爱普", "SAP", "Germany", 1.2),
    ("nokia", "诺基亚", "Nokia", "Finland", 1.0),
    ("ericsson", "爱立信", "Ericsson", "Sweden", 1.0),
    ("philips", "飞利浦", "Philips", "Netherlands", 1.0),
    ("ge", "通用电气", "General Electric", "United States", 1.2),
    ("meta", "脸书", "Facebook", "United States", 1.5),
    ("accenture", "埃森哲", "Accenture", "Ireland", 1.0),
    ("goldman", "高盛", "Goldman Sachs", "United States", 1.2),
    ("bcg", "波士顿咨询", "Boston Consulting Group", "United States", 1.0),
    ("deloitte", "德勤", "Deloitte", "United Kingdom", 1.0),
    ("lg", "乐金电子", "LG Electronics", "South Korea", 1.0),
    ("hitachi", "日立", "Hitachi", "Japan", 0.8),
    ("abb", "ABB", "ABB", "Switzerland", 0.8),
    ("dell", "戴尔", "Dell", "United States", 1.0),
    ("vmware", "威睿", "VMware", "United States", 0.8),
    ("adobe", "奥多比", "Adobe", "United States", 0.8),
    ("yahoo", "雅虎", "Yahoo", "United States", 0.8),
    ("baxter", "百特", "Baxter", "United States", 0.5),
)

FOREIGN_UNIVERSITIES: tuple[tuple[str, str, str, str, float], ...] = (
    ("stanford", "斯坦福大学", "Stanford University", "United States", 10.0),
    ("mit", "麻省理工学院", "Massachusetts Institute of Technology", "United States", 8.0),
    ("cmu", "卡内基梅隆大学", "Carnegie Mellon University", "United States", 6.0),
    ("berkeley", "加州大学伯克利分校", "University of California, Berkeley", "United States", 6.0),
    ("uc", "加利福尼亚大学", "University of California", "United States", 5.0),
    ("harvard", "哈佛大学", "Harvard University", "United States", 5.0),
    ("northwestern", "西北大学", "Northwestern University", "United States", 3.0),
    ("wustl", "圣路易斯华盛顿大学", "Washington University in St. Louis", "United States", 2.5),
    ("columbia", "哥伦比亚大学", "Columbia University", "United States", 4.0),
    ("pitt", "匹兹堡大学", "University of Pittsburgh", "United States", 2.0),
    ("rutgers", "罗格斯大学", "Rutgers University", "United States", 2.0),
    ("uiuc", "伊利诺伊大学", "University of Illinois", "United States", 3.5),
    ("cornell", "康奈尔大学", "Cornell University", "United States", 3.0),
    ("princeton", "普林斯顿大学", "Princeton University", "United States", 2.0),
    ("yale", "耶鲁大学", "Yale University", "United States", 1.5),
    ("upenn", "宾夕法尼亚大学", "University of Pennsylvania", "United States", 2.0),
    ("umich", "密歇根大学", "University of Michigan", "United States", 2.5),
    ("gatech", "佐治亚理工学院", "Georgia Institute of Technology", "United States", 2.0),
    ("usc", "南加州大学", "University of Southern California", "United States", 2.5),
    ("suny", "纽约州立大学", "State University of New York", "United States", 1.5),
    ("nus", "新加坡国立大学", "National University of Singapore", "Singapore", 4.0),
    ("ntu", "南洋理工大学", "Nanyang Technological University", "Singapore", 3.0),
    ("manchester", "曼彻斯特大学", "University of Manchester", "United Kingdom", 2.0),
    ("cambridge", "剑桥大学", "University of Cambridge", "United Kingdom", 2.5),
    ("oxford", "牛津大学", "University of Oxford", "United Kingdom", 2.0),
    ("imperial", "帝国理工学院", "Imperial College London", "United Kingdom", 2.0),
    ("ucl", "伦敦大学学院", "University College London", "United Kingdom", 1.5),
    ("warwick", "华威大学", "University of Warwick", "United Kingdom", 1.2),
    ("edinburgh", "爱丁堡大学", "University of Edinburgh", "United Kingdom", 1.0),
    ("toronto", "多伦多大学", "University of Toronto", "Canada", 2.0),
    ("waterloo", "滑铁卢大学", "University of Waterloo", "Canada", 1.5),
    ("sfu", "西蒙菲莎大学", "Simon Fraser University", "Canada", 1.0),
    ("eth", "苏黎世联邦理工学院", "ETH Zurich", "Switzerland", 1.2),
    ("tokyo", "东京大学", "University of Tokyo", "Japan", 1.5),
    ("kyoto", "京都大学", "Kyoto University", "Japan", 1.0),
    ("kaist", "韩国科学技术院", "KAIST", "South Korea", 1.0),
    ("melbourne", "墨尔本大学", "University of Melbourne", "Australia", 1.5),
    ("sydney", "悉尼大学", "University of Sydney", "Australia", 1.5),
    ("queensland", "昆士兰大学", "University of Queensland", "Australia", 1.2),
    ("monash", "莫纳什大学", "Monash University", "Australia", 1.0),
    ("tum", "慕尼黑工业大学", "Technical University of Munich", "Germany", 1.0),
)

# Leading partners the report names, per region and relation, most frequent first.
# Keys: (region code, relation) with relation one of study_experience, work_experience,
# intl_tech_input, intl_tech_enablement. A city code applies to that city's firms; a
# province code to the whole province (used only where no city of it has its own list).
FAVOURITES: dict[tuple[str, str], tuple[str, ...]] = {
    # Beijing (report lines 754-756): top-10 study destinations are nine US universities and NUS.
    ("110000", "study_experience"): ("stanford", "northwestern", "berkeley", "wustl", "cmu", "mit",
                                     "columbia", "uiuc", "cornell", "nus"),
    ("110000", "work_experience"): ("microsoft", "google", "ibm", "motorola", "pg", "jpmorgan"),
    ("110000", "intl_tech_input"): ("intel", "qualcomm", "microsoft", "nvidia", "ibm"),
    ("110000", "intl_tech_enablement"): ("intel", "microsoft", "qualcomm", "nvidia", "samsung", "ibm"),
    # Shanghai (line 863)
    ("310000", "study_experience"): ("harvard", "nus", "mit", "manchester"),
    ("310000", "work_experience"): ("microsoft", "google", "mckinsey", "morganstanley", "oracle"),
    ("310000", "intl_tech_input"): ("microsoft", "intel", "qualcomm", "nvidia", "amazon"),
    ("310000", "intl_tech_enablement"): ("microsoft", "intel", "nvidia", "qualcomm"),
    # Zhejiang (lines 910-912) via Hangzhou (line 2469), its dominant city.
    ("330100", "study_experience"): ("mit", "columbia", "cambridge", "stanford", "pitt", "rutgers"),
    ("330100", "work_experience"): ("google", "microsoft", "mckinsey", "ubs"),
    ("330100", "intl_tech_input"): ("intel", "nvidia", "microsoft", "ibm", "hp", "ntu"),
    ("330100", "intl_tech_enablement"): ("intel", "microsoft", "ibm"),
    # Guangdong (lines 809-811) via Shenzhen (line 2416) and Guangzhou (line 2522).
    ("440300", "study_experience"): ("stanford", "uc", "mit", "nus"),
    ("440300", "work_experience"): ("microsoft", "ibm", "google"),
    ("440300", "intl_tech_input"): ("intel", "qualcomm", "nvidia", "microsoft", "ibm"),
    ("440300", "intl_tech_enablement"): ("intel", "qualcomm", "nvidia"),
    ("440100", "study_experience"): ("uiuc", "nus", "harvard"),
    ("440100", "work_experience"): ("ibm", "iteamax", "citi"),
    ("440100", "intl_tech_input"): ("intel", "siemens", "nvidia"),
    ("440100", "intl_tech_enablement"): ("siemens", "intel"),
    # Nanjing (line 2578)
    ("320100", "study_experience"): ("berkeley", "sfu", "northwestern"),
    ("320100", "work_experience"): ("pwc", "microsoft", "google"),
    ("320100", "intl_tech_input"): ("intel", "ibm", "renesas"),
    ("320100", "intl_tech_enablement"): ("intel", "qualcomm", "renesas"),
    # Chengdu (line 2630)
    ("510100", "study_experience"): ("queensland", "harvard", "suny"),
    ("510100", "work_experience"): ("microsoft", "intel"),
    ("510100", "intl_tech_input"): ("intel", "google", "samsung"),
    ("510100", "intl_tech_enablement"): ("intel", "google", "samsung"),
}
