-- name = "investment_flows"
-- title = "Cross-province investment flows"
-- title_zh = "跨省投资流向"
-- description = "Capital flows between provinces: financing relations from an investor's province to the financed firm's province (or, with relation=investment, the investment relations of firms to their investees), largest first."
-- description_zh = "省际资本流向：从投资者所在省份到被投资企业所在省份的融资关系数（relation=investment 时为企业对外投资关系），从大到小。"
--
-- [params.relation]
-- type = "text"
-- default = "financing"
-- choices = ["financing", "investment"]
-- help = "financing: investor -> firm; investment: firm -> investee"
--
-- [params.from_region]
-- type = "region"
-- default = ""
-- help = "only flows out of this province, city or circle (empty: any)"
--
-- [params.to_region]
-- type = "region"
-- default = ""
-- help = "only flows into this province, city or circle (empty: any)"
--
-- [params.include_internal]
-- type = "bool"
-- default = false
-- help = "also show flows within one province"
--
-- [params.limit]
-- type = "int"
-- default = 20
-- help = "number of flows shown"
WITH e AS (
    SELECT 'financing' AS relation, source, target FROM financing
    UNION ALL
    SELECT 'investment', source, target FROM investment
), flows AS (
    SELECT s.province_code            AS from_code,
           t.province_code            AS to_code,
           count(*)                   AS relations,
           count(DISTINCT e.source)   AS sources,
           count(DISTINCT e.target)   AS targets
    FROM e
    JOIN node s ON s.id = e.source
    JOIN node t ON t.id = e.target
    WHERE e.relation = $relation
      AND s.province_code IS NOT NULL AND t.province_code IS NOT NULL
      AND in_region(s.province_code, s.city_code, $from_region)
      AND in_region(t.province_code, t.city_code, $to_region)
      AND ($include_internal OR s.province_code <> t.province_code)
    GROUP BY ALL
)
SELECT pf.zh AS from_province, pf.en AS from_province_en,
       pt.zh AS to_province, pt.en AS to_province_en,
       f.relations, f.sources, f.targets,
       f.from_code, f.to_code
FROM flows f
LEFT JOIN province pf ON pf.code = f.from_code
LEFT JOIN province pt ON pt.code = f.to_code
ORDER BY f.relations DESC, f.from_code, f.to_code
LIMIT $limit
