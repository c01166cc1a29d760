-- name = "investor_portfolio"
-- title = "An investor's portfolio"
-- title_zh = "投资者的投资组合"
-- description = "The firms one investor has financed, optionally only in one region: where they are, in how many rounds, and the first and last financing date."
-- description_zh = "某投资者投资过的企业（可限定地区）：所在城市、参与轮次数、首次和最近一次融资日期。"
--
-- [params.investor]
-- type = "text"
-- help = "the investor: its id, Chinese name or English name (case-insensitive)"
-- example = "IDG资本"
--
-- [params.region]
-- type = "region"
-- default = ""
-- help = "only firms in this province, city or circle (empty: all)"
SELECT f.id      AS firm_id,
       f.name    AS firm,
       f.name_en AS firm_en,
       p.zh      AS province,
       c.zh      AS city,
       f.layer,
       count(DISTINCT e.round_id) AS rounds,
       min(e.date) AS first_date,
       max(e.date) AS last_date
FROM financing e
JOIN investor v ON v.id = e.source
JOIN firm f ON f.id = e.target
LEFT JOIN province p ON p.code = f.province_code
LEFT JOIN city c ON c.code = f.city_code
WHERE lower(trim($investor)) IN (lower(v.id), lower(v.name), lower(v.name_en))
  AND in_region(f.province_code, f.city_code, $region)
GROUP BY f.id, f.name, f.name_en, p.zh, c.zh, f.layer
ORDER BY rounds DESC, first_date NULLS LAST, firm, firm_id
