-- name = "foreign_employers"
-- title = "Foreign employers of a region's core staff"
-- title_zh = "地区企业核心人员的国外工作经历来源企业"
-- description = "Foreign companies where the core staff of a region's firms worked before (prior international work experience), ranked by experiences, with distinct people and firms."
-- description_zh = "按前期国际工作经验数排名的国外企业（该地区企业核心人员曾在此工作），附不同人员数和企业数。"
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
       p.id                     AS employer_id,
       p.name                   AS employer,
       p.name_en                AS employer_en,
       p.country,
       count(*)                 AS experiences,
       -- A person is known by name within a firm; the same name in two firms is two people.
       count(DISTINCT (e.source, e.person)) FILTER (WHERE e.person IS NOT NULL) AS people,
       count(DISTINCT e.source) AS firms
FROM work_experience e
JOIN firm f ON f.id = e.source
JOIN foreign_partner p ON p.id = e.target
WHERE in_region(f.province_code, f.city_code, $region)
GROUP BY p.id, p.name, p.name_en, p.country
QUALIFY rank <= $limit
ORDER BY rank, people DESC, employer, employer_id
