-- name = "foreign_tech_sources"
-- title = "Foreign technology sources of a region's firms"
-- title_zh = "地区企业的国外技术来源"
-- description = "Foreign companies and universities ranked by their international technology input relations to the firms of a region, with the number of distinct firms they supply."
-- description_zh = "按对该地区企业的国际技术输入关系数排名的国外企业和高校，附其输入的不同企业数。"
--
-- [params.region]
-- type = "region"
-- help = "where the receiving firms are: a province, city or circle"
-- example = "北京市"
--
-- [params.limit]
-- type = "int"
-- default = 10
-- help = "last rank shown"
SELECT rank() OVER (ORDER BY count(*) DESC) AS rank,
       p.id                     AS partner_id,
       p.name                   AS partner,
       p.name_en                AS partner_en,
       p.country,
       p.kind,
       count(*)                 AS relations,
       count(DISTINCT e.target) AS firms
FROM intl_tech_input e
JOIN firm f ON f.id = e.target
JOIN foreign_partner p ON p.id = e.source
WHERE in_region(f.province_code, f.city_code, $region)
GROUP BY p.id, p.name, p.name_en, p.country, p.kind
QUALIFY rank <= $limit
ORDER BY rank, firms DESC, partner, partner_id
