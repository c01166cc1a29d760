-- name = "co_investors"
-- title = "An investor's co-investors"
-- title_zh = "投资者的联合投资方"
-- description = "Investors who took part in the same financing rounds as the given investor, ranked by the number of shared rounds, with the number of firms both have financed (in any round)."
-- description_zh = "与给定投资者共同参与过融资轮次的投资者，按共同轮次数排名，附双方都投资过的企业数（任一轮次）。"
--
-- [params.investor]
-- type = "text"
-- help = "the investor: its id, Chinese name or English name (case-insensitive)"
-- example = "IDG资本"
--
-- [params.limit]
-- type = "int"
-- default = 20
-- help = "last rank shown"
WITH me AS (
    SELECT id FROM investor
    WHERE lower(trim($investor)) IN (lower(id), lower(name), lower(name_en))
), my_edges AS (
    SELECT DISTINCT round_id, target FROM financing WHERE source IN (SELECT id FROM me)
), shared_rounds AS (
    SELECT e.source AS investor_id, count(DISTINCT e.round_id) AS rounds
    FROM financing e
    WHERE e.round_id IN (SELECT round_id FROM my_edges)
      AND e.source NOT IN (SELECT id FROM me)
    GROUP BY e.source
), shared_firms AS (
    SELECT e.source AS investor_id, count(DISTINCT e.target) AS firms
    FROM financing e
    WHERE e.target IN (SELECT target FROM my_edges)
      AND e.source IN (SELECT investor_id FROM shared_rounds)
    GROUP BY e.source
)
SELECT rank() OVER (ORDER BY r.rounds DESC) AS rank,
       r.investor_id,
       v.name    AS investor,
       v.name_en AS investor_en,
       p.zh      AS province,
       r.rounds  AS shared_rounds,
       f.firms   AS shared_firms
FROM shared_rounds r
JOIN shared_firms f USING (investor_id)
LEFT JOIN investor v ON v.id = r.investor_id
LEFT JOIN province p ON p.code = v.province_code
QUALIFY rank <= $limit
ORDER BY rank, shared_firms DESC, investor, r.investor_id
