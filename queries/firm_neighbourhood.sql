-- name = "firm_neighbourhood"
-- title = "A firm's one-hop neighbourhood"
-- title_zh = "企业的一度关系网络"
-- description = "Every relation of one firm, of every edge type, in both directions: its investors (with the round), investees, technology clients and suppliers, foreign technology partners and the foreign universities and employers of its core staff."
-- description_zh = "一家企业的全部一度关系（所有关系类型、两个方向）：投资者（含轮次）、被投资企业、技术赋能对象与来源、国外技术合作方，以及核心人员的国外学习和工作单位。"
--
-- [params.firm]
-- type = "text"
-- help = "the firm: its id, Chinese name or English name (case-insensitive)"
-- example = "车和家"
WITH me AS (
    SELECT id FROM firm
    WHERE lower(trim($firm)) IN (lower(id), lower(name), lower(name_en))
), rel AS (
    SELECT 1 AS ord, 'financing' AS relation, 'in' AS direction, e.source AS neighbour_id,
           CAST(e.date AS VARCHAR) AS date,
           concat_ws(' ', r.round, e.round_id) AS detail, e.target AS firm_id
    FROM financing e LEFT JOIN "round" r ON r.id = e.round_id
    UNION ALL
    SELECT 2, 'investment', 'out', target, CAST(date AS VARCHAR), CAST(amount AS VARCHAR), source FROM investment
    UNION ALL
    SELECT 2, 'investment', 'in', source, CAST(date AS VARCHAR), CAST(amount AS VARCHAR), target FROM investment
    UNION ALL
    SELECT 3, 'tech_enablement', 'out', target, CAST(date AS VARCHAR), NULL, source FROM tech_enablement
    UNION ALL
    SELECT 3, 'tech_enablement', 'in', source, CAST(date AS VARCHAR), NULL, target FROM tech_enablement
    UNION ALL
    SELECT 4, 'intl_tech_input', 'in', source, CAST(date AS VARCHAR), NULL, target FROM intl_tech_input
    UNION ALL
    SELECT 5, 'intl_tech_enablement', 'out', target, CAST(date AS VARCHAR), NULL, source FROM intl_tech_enablement
    UNION ALL
    SELECT 6, 'study_experience', 'out', target, CAST(year AS VARCHAR), person, source FROM study_experience
    UNION ALL
    SELECT 7, 'work_experience', 'out', target, CAST(year AS VARCHAR), person, source FROM work_experience
)
SELECT r.relation,
       r.direction,
       n.type    AS neighbour_type,
       r.neighbour_id,
       n.name    AS neighbour,
       n.name_en AS neighbour_en,
       coalesce(p.zh, n.country) AS place,
       r.date,
       r.detail
FROM rel r
LEFT JOIN node n ON n.id = r.neighbour_id
LEFT JOIN city p ON p.code = n.city_code
WHERE r.firm_id IN (SELECT id FROM me)
ORDER BY r.ord, r.direction, r.date NULLS LAST, r.neighbour_id, r.detail
