-- name = "most_financed_firms"
-- title = "Most-financed firms of a region"
-- title_zh = "地区融资关系数最多的企业"
-- description = "Firms of a region ranked by financing relations (investor-round participations), with their rounds, distinct investors and total disclosed round amount (CNY 10k; each round counted once)."
-- description_zh = "按融资关系数（投资者参与轮次数）排名的地区企业，附融资轮次数、不同投资者数和已披露融资总额（万元，每轮只计一次）。"
--
-- [params.region]
-- type = "region"
-- help = "where the firms are: a province, city or circle (Chinese or English name, or code)"
-- example = "北京市"
--
-- [params.limit]
-- type = "int"
-- default = 10
-- help = "last rank shown (firms tied at it are all shown)"
WITH f AS (
    -- The region's firms first, so only their edges are aggregated.
    SELECT * FROM firm WHERE in_region(province_code, city_code, $region)
), fin AS (
    SELECT e.target                   AS firm_id,
           count(*)                   AS financings,
           count(DISTINCT e.round_id) AS rounds,
           count(DISTINCT e.source)   AS investors
    FROM financing e
    JOIN f ON f.id = e.target
    GROUP BY e.target
), amt AS (
    -- Amounts live on the round, once, never on the investor edges.
    SELECT r.firm AS firm_id, sum(r.amount) AS amount
    FROM "round" r
    JOIN f ON f.id = r.firm
    GROUP BY r.firm
)
SELECT rank() OVER (ORDER BY fin.financings DESC) AS rank,
       f.id      AS firm_id,
       f.name    AS firm,
       f.name_en AS firm_en,
       c.zh      AS city,
       fin.financings,
       fin.rounds,
       fin.investors,
       amt.amount
FROM f
JOIN fin ON fin.firm_id = f.id
LEFT JOIN amt ON amt.firm_id = f.id
LEFT JOIN city c ON c.code = f.city_code
QUALIFY rank <= $limit
ORDER BY rank, amt.amount DESC NULLS LAST, firm, firm_id
