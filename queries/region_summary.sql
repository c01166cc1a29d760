-- name = "region_summary"
-- title = "What a region holds"
-- title_zh = "地区概况"
-- description = "The number of nodes and edges of every type located in a region (edges where the schema locates them, e.g. financing at the financed firm)."
-- description_zh = "地区内各类节点和关系的数量（关系按模式规定的端点定位，如融资关系计入被投资企业所在地）。"
--
-- [params.region]
-- type = "region"
-- help = "a province, city or circle"
-- example = "北京市"
SELECT x.kind,
       x.type,
       count(*) AS count
FROM located x
WHERE in_region(x.province_code, x.city_code, $region)
GROUP BY x.kind, x.type
ORDER BY x.kind DESC, count DESC, x.type
