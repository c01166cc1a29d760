-- name = "foreign_universities"
-- title = "Foreign universities of a region's core staff"
-- title_zh = "地区企业核心人员的国外学习经历来源高校"
-- description = "Foreign universities where the core staff of a region's firms studied (prior international study experience), ranked by experiences, with distinct people and firms."
-- description_zh = "按前期国际学习经验数排名的国外高校（该地区企业核心人员曾在此学习），附不同人员数和企业数。"
--
-- [params.region]
-- type = "region"
-- help = "where the firms are: a province, city or circle"
-- example = "北京市"
--
-- [params.limit]
-- type = "int"
-- default = 10
-- help = "last rank shown"
SELECT rank() OVER (ORDER BY count(*) DESC) AS rank,
       p.id                     AS university_id,
       p.name                   AS university,
       p.name_en                AS university_en,
       p.country,
       count(*)                 AS experiences,
       -- A person is known by name within a firm; the same name in two firms is two people.
       count(DISTINCT (e.source, e.person)) FILTER (WHERE e.person IS NOT NULL) AS people,
       count(DISTINCT e.source) AS firms
FROM study_experience e
JOIN firm f ON f.id = e.source
JOIN foreign_partner p ON p.id = e.target
WHERE in_region(f.province_code, f.city_code, $region)
GROUP BY p.id, p.name, p.name_en, p.country
QUALIFY rank <= $limit
ORDER BY rank, people DESC, university, university_id
