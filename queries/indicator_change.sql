-- name = "indicator_change"
-- title = "Where a count changed most between two dates"
-- title_zh = "两个时点间变化最大的地区"
-- description = "The number of nodes or edges of one type located in each region as of two dates, and the change, largest first: e.g. type=firm is the index's firm_count, type=financing its financing_relations. Rows dated after a date are not yet counted at it; undated rows count at both (as evaluate(as_of=...) does)."
-- description_zh = "各地区在两个时点的某类节点或关系数量及其变化，按变化绝对值从大到小：如 type=firm 即指数的企业数，type=financing 即融资关系数。晚于时点的记录在该时点不计；无日期记录两个时点都计（与 evaluate(as_of=...) 一致）。"
--
-- [params.type]
-- type = "text"
-- choices = ["firm", "investor", "university", "institute", "company", "conference", "alliance", "policy", "park", "financing", "round", "investment", "tech_enablement", "intl_tech_input", "intl_tech_enablement", "study_experience", "work_experience"]
-- help = "the node or edge type counted (edges are counted where the schema locates them)"
-- example = "firm"
--
-- [params.date1]
-- type = "date"
-- help = "the earlier date (YYYY-MM-DD; YYYY and YYYY-MM mean the first day)"
-- example = "2019-12-31"
--
-- [params.date2]
-- type = "date"
-- help = "the later date"
-- example = "2020-12-31"
--
-- [params.level]
-- type = "text"
-- default = "province"
-- choices = ["province", "city", "circle"]
-- help = "province, city (municipalities included) or circle"
--
-- [params.region]
-- type = "region"
-- default = ""
-- help = "only regions inside this province, city or circle (empty: all)"
--
-- [params.limit]
-- type = "int"
-- default = 10
-- help = "number of regions shown"
WITH l AS (
    SELECT CASE $level WHEN 'province' THEN x.province_code
                       WHEN 'city' THEN x.city_code
                       ELSE m.circle_code END AS code,
           x.date, x.year
    FROM located x
    LEFT JOIN circle_member m ON m.province_code = x.province_code
    WHERE x.type = $type
      AND in_region(x.province_code, x.city_code, $region)
), counts AS (
    SELECT code,
           count(*) FILTER (WHERE alive(date, year, $date1)) AS count_1,
           count(*) FILTER (WHERE alive(date, year, $date2)) AS count_2
    FROM l
    WHERE code IS NOT NULL
    GROUP BY code
)
SELECT c.code,
       coalesce(p.zh, ci.zh, cc.zh) AS region,
       coalesce(p.en, ci.en, cc.en) AS region_en,
       c.count_1,
       c.count_2,
       c.count_2 - c.count_1 AS change,
       CASE WHEN c.count_1 > 0 THEN round(100.0 * (c.count_2 - c.count_1) / c.count_1, 1) END AS change_pct
FROM counts c
LEFT JOIN province p ON $level = 'province' AND p.code = c.code
LEFT JOIN city ci    ON $level = 'city' AND ci.code = c.code
LEFT JOIN circle cc  ON $level = 'circle' AND cc.code = c.code
WHERE c.count_1 > 0 OR c.count_2 > 0
ORDER BY abs(change) DESC, change DESC, c.count_2 DESC, c.code
LIMIT $limit
