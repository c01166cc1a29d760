-- name = "layers_by_region"
-- title = "Firms per layer, by region"
-- title_zh = "各地区各层级企业数"
-- description = "For every province, city or circle: the number of firms in the basic, technology and application layers, basic + technology (the index's basic_tech_firm_count) and all firms. Regions with no firm are left out."
-- description_zh = "各省、城市或经济圈的基础层、技术层、应用层企业数，基础层与技术层之和（指数的“基础层和技术层企业数”）及企业总数；没有企业的地区不列出。"
--
-- [params.level]
-- type = "text"
-- default = "province"
-- choices = ["province", "city", "circle"]
-- help = "province, city (municipalities included, as their own city) or circle"
--
-- [params.region]
-- type = "region"
-- default = ""
-- help = "only regions inside this province, city or circle (empty: all)"
--
-- [params.limit]
-- type = "int"
-- default = 40
-- help = "number of regions shown"
WITH f AS (
    SELECT CASE $level WHEN 'province' THEN x.province_code
                       WHEN 'city' THEN x.city_code
                       ELSE m.circle_code END AS code,
           x.layer
    FROM firm x
    LEFT JOIN circle_member m ON m.province_code = x.province_code
    WHERE in_region(x.province_code, x.city_code, $region)
), counts AS (
    SELECT code,
           count(*) FILTER (WHERE layer = 'basic')       AS basic,
           count(*) FILTER (WHERE layer = 'technology')  AS technology,
           count(*) FILTER (WHERE layer = 'application') AS application,
           count(*) FILTER (WHERE layer IS NULL)         AS unknown,
           count(*) FILTER (WHERE layer IN ('basic', 'technology')) AS basic_tech,
           count(*)                                      AS firms
    FROM f
    WHERE code IS NOT NULL
    GROUP BY code
)
SELECT c.code,
       coalesce(p.zh, ci.zh, cc.zh) AS region,
       coalesce(p.en, ci.en, cc.en) AS region_en,
       c.basic, c.technology, c.application, c.unknown, c.basic_tech, c.firms
FROM counts c
LEFT JOIN province p ON $level = 'province' AND p.code = c.code
LEFT JOIN city ci    ON $level = 'city' AND ci.code = c.code
LEFT JOIN circle cc  ON $level = 'circle' AND cc.code = c.code
ORDER BY c.basic_tech DESC, c.firms DESC, c.code
LIMIT $limit
