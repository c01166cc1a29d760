-- name = "top_investors"
-- title = "Top investors of a region"
-- title_zh = "地区最活跃的投资者"
-- description = "Investors ranked by portfolio size: the number of distinct firms of the region they have financed, in any round. Ties share a rank."
-- description_zh = "按投资组合规模排名的投资者：所投资的该地区不同人工智能企业数（任一轮次）；并列者名次相同。"
--
-- [params.region]
-- type = "region"
-- help = "where the firms are: a province, city or circle (Chinese or English name, or code)"
-- example = "北京市"
--
-- [params.limit]
-- type = "int"
-- default = 10
-- help = "last rank shown (investors tied at it are all shown)"
WITH portfolio AS (
    SELECT e.source                 AS investor_id,
           count(DISTINCT e.target) AS firms,
           count(*)                 AS financings
    FROM financing e
    JOIN firm f ON f.id = e.target
    WHERE in_region(f.province_code, f.city_code, $region)
    GROUP BY e.source
)
SELECT rank() OVER (ORDER BY p.firms DESC) AS rank,
       p.investor_id,
       v.name        AS investor,
       v.name_en     AS investor_en,
       pr.zh         AS investor_province,
       p.firms,
       p.financings
FROM portfolio p
LEFT JOIN investor v ON v.id = p.investor_id
LEFT JOIN province pr ON pr.code = v.province_code
QUALIFY rank <= $limit
ORDER BY rank, p.financings DESC, investor, p.investor_id
