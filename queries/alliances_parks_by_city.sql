-- name = "alliances_parks_by_city"
-- title = "Alliances and parks by city"
-- title_zh = "各城市产业联盟和产业园区数"
-- description = "Where a region's industrial alliances and AI industrial parks are: their number in every city of the region, most alliances first."
-- description_zh = "地区的人工智能产业联盟和产业园区分布：该地区每个城市的联盟数和园区数，联盟多者在前。"
--
-- [params.region]
-- type = "region"
-- help = "a province, city or circle"
-- example = "浙江省"
WITH a AS (
    SELECT city_code, count(*) AS n FROM alliance
    WHERE in_region(province_code, city_code, $region) GROUP BY city_code
), k AS (
    SELECT city_code, count(*) AS n FROM park
    WHERE in_region(province_code, city_code, $region) GROUP BY city_code
)
SELECT coalesce(a.city_code, k.city_code) AS city_code,
       c.zh                               AS city,
       c.en                               AS city_en,
       p.zh                               AS province,
       coalesce(a.n, 0)                   AS alliances,
       coalesce(k.n, 0)                   AS parks
FROM a
FULL OUTER JOIN k ON k.city_code = a.city_code
LEFT JOIN city c ON c.code = coalesce(a.city_code, k.city_code)
LEFT JOIN province p ON p.code = c.province_code
ORDER BY alliances DESC, parks DESC, city_code
