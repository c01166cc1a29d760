-- name = "firms_by_layer"
-- title = "Firms of a region by layer"
-- title_zh = "地区企业（按基础层、技术层、应用层）"
-- description = "The firms of a region grouped by industry layer (basic, technology, application; unknown last), most valuable first within a layer."
-- description_zh = "地区人工智能企业按产业层级（基础层、技术层、应用层，未知列最后）列出，层内按估值从高到低。"
--
-- [params.region]
-- type = "region"
-- help = "a province, city or circle"
-- example = "北京市"
--
-- [params.layer]
-- type = "text"
-- default = ""
-- choices = ["basic", "technology", "application"]
-- help = "only this layer (empty: every layer)"
SELECT f.layer,
       CASE f.layer WHEN 'basic' THEN '基础层' WHEN 'technology' THEN '技术层'
                    WHEN 'application' THEN '应用层' END AS layer_zh,
       f.id      AS firm_id,
       f.name    AS firm,
       f.name_en AS firm_en,
       c.zh      AS city,
       f.founded,
       f.valuation,
       f.patents
FROM firm f
LEFT JOIN city c ON c.code = f.city_code
WHERE in_region(f.province_code, f.city_code, $region)
  AND ($layer = '' OR f.layer = $layer)
ORDER BY CASE f.layer WHEN 'basic' THEN 1 WHEN 'technology' THEN 2 WHEN 'application' THEN 3 ELSE 4 END,
         f.valuation DESC NULLS LAST, f.name, f.id
