"""The interactive network page: a pyvis page made self-contained, safe and usable at size.

pyvis (0.3.x) builds the vis-network page; this module then fixes what pyvis leaves open:

* **Offline.** pyvis links vis-network and Bootstrap from CDNs even in its ``local`` and
  ``in_line`` modes (pyvis issues #228, #229). Every ``http(s)://`` script and stylesheet tag
  is removed and the vis-network build vendored in ``graphkit/assets/`` (9.1.2, dual
  Apache-2.0/MIT, notices kept there) is inlined; a Content-Security-Policy forbids any
  network load, and :func:`external_references` checks the result.
* **UTF-8.** The page declares ``<meta charset="utf-8">`` and is written as UTF-8 whatever the
  locale (pyvis writes with the platform encoding, #222).
* **Legend, search, region filter** (pyvis has no legend, #50), built with DOM text nodes.
* **Text, never markup.** Names come from data files. Tooltips are plain strings, which
  vis-network ≥ 9 shows with ``innerText``; they are kept out of pyvis's ``title`` key
  because pyvis switches to an ``innerHTML`` popup when a title contains "href". Data reach
  the page as JSON with ``<``, ``>`` and ``&`` escaped, so no name can close a script tag.
* **Size.** At most :data:`MAX_NODES` nodes and :data:`MAX_EDGES` edges are drawn, the most
  important by the size measure (PageRank by default); the page states what was left out.
  Physics runs a bounded stabilisation and is then switched off (1,500 nodes with physics on
  keep the browser busy for minutes, #204).
"""
from __future__ import annotations

import html as _html
import json
import re
from pathlib import Path

import numpy as np

__all__ = [
    "MAX_NODES",
    "MAX_EDGES",
    "LABELS_MAX",
    "TYPE_COLORS",
    "COMMUNITY_COLORS",
    "render",
    "write",
    "iframe",
    "external_references",
    "select_nodes",
]

#: Default cap on drawn nodes (the most important are kept).
MAX_NODES = 1_500
#: Default cap on drawn edges (the heaviest among the kept nodes).
MAX_EDGES = 6_000
#: Above this many nodes only the most important carry a visible label (all stay searchable).
LABELS_MAX = 200

ASSETS = Path(__file__).with_name("assets")

TYPE_COLORS = {
    "center": ("#f2b134", "中心 centre"),
    "investor": ("#e4572e", "投资机构 investor"),
    "firm": ("#4c72b0", "企业 firm"),
    "province": ("#2a9d8f", "省份 province"),
}
COMMUNITY_COLORS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860",
                    "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd", "#1b9e77"]
OTHER_COLOR = "#c8c8c8"

# Everything is inline; nothing may be fetched. 'unsafe-inline' is needed for the inline
# scripts themselves, and data: for the images vis-network's stylesheet embeds.
CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
       "img-src data:; font-src data:; connect-src 'none'")

FONT_STACK = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif'

_MARKER = "network = new vis.Network(container, data, options);"

_EXTERNAL = [
    re.compile(r"""<(?:script|img|iframe|audio|video|source|embed)\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//[^\s"'>]*""", re.I),
    re.compile(r"""<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//[^\s"'>]*""", re.I),
    re.compile(r"""url\(\s*["']?\s*(?:https?:)?//[^)]*\)""", re.I),
    re.compile(r"""@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//[^;]*""", re.I),
]


def external_references(html: str) -> list[str]:
    """Return every reference in ``html`` that would load a script, stylesheet, font or image over the network.

    Looks at ``src=`` and ``<link href=>`` attributes, CSS ``url(...)`` and ``@import`` with
    ``http://``, ``https://`` or protocol-relative ``//`` targets. An offline page gives [].
    """
    return [m.group(0)[:200] for rx in _EXTERNAL for m in rx.finditer(html)]


def _safe_json(obj) -> str:
    """JSON that is safe inside a <script> element: no '<', '>' or '&' survives literally."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, default=_jsonable)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
               .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _jsonable(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return str(value)


def _attr(g, name, default=None) -> list:
    return g.vs[name] if name in g.vs.attributes() else [default] * g.vcount()


def select_nodes(g, max_nodes: int = MAX_NODES, measure: str = "pagerank") -> list[int]:
    """Return the vertex indices to draw: all if there are at most ``max_nodes``, else the most important.

    Importance is the vertex attribute ``measure`` (PageRank unless told), computed if
    missing; a vertex of type ``center`` is always kept. Ties break by index, so the choice
    is deterministic.
    """
    n = g.vcount()
    if n <= max_nodes:
        return list(range(n))
    score = np.asarray(_importance(g, measure), dtype=float)
    center = np.array([t == "center" for t in _attr(g, "type", "")])
    order = np.lexsort((np.arange(n), -score, ~center))  # centre first, then by score
    return sorted(order[:max_nodes].tolist())


def _importance(g, measure: str) -> list[float]:
    if measure in g.vs.attributes():
        return [float(x) if x is not None else 0.0 for x in g.vs[measure]]
    w = "weight" if "weight" in g.es.attributes() else None
    return g.pagerank(weights=w, directed=g.is_directed())


def _fmt(x) -> str:
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}"
    if isinstance(x, float):
        return f"{x:.4g}"
    return str(x)


def _tooltip(v: dict) -> str:
    """Plain text (newline-separated) describing one vertex: name, type, region and key figures."""
    lines = [str(v.get("name") or v.get("id"))]
    if v.get("name_en"):
        lines.append(str(v["name_en"]))
    kind = TYPE_COLORS.get(v.get("type"), (None, v.get("type") or ""))[1]
    place = " ".join(x for x in (v.get("region"), v.get("region_en")) if x)
    lines.append(" · ".join(x for x in (kind, place) if x))
    t = v.get("node_type") or v.get("type")  # an ego centre is still an investor or a firm
    labels = {
        "portfolio": "portfolio (firms)" if t == "investor" or v.get("kind") == "coinvest" else "links",
        "distance": "steps from centre",
        "community": "community",
        "degree": "degree",
        "weighted_degree": "weighted degree",
        "pagerank": "PageRank",
        "betweenness": "betweenness",
        "outflow": "invests in other provinces",
        "inflow": "receives from other provinces",
        "local": "within the province",
    }
    if t == "firm":
        labels["portfolio"] = "investors"
    for key, label in labels.items():
        if v.get(key) is not None:
            val = v[key] + 1 if key == "community" else v[key]
            lines.append(f"{label}: {_fmt(val)}")
    return "\n".join(lines)


def _colors(g, color_by: str, keep: list[int]) -> tuple[list[str], list[dict]]:
    """Colour of each kept vertex and the legend entries that explain them."""
    if color_by == "community" and "community" in g.vs.attributes():
        comm = [g.vs[i]["community"] for i in keep]
        sizes = {}
        for c in comm:
            sizes[c] = sizes.get(c, 0) + 1
        ranked = sorted(sizes, key=lambda c: (-sizes[c], c))
        colour = {c: COMMUNITY_COLORS[k] for k, c in enumerate(ranked[: len(COMMUNITY_COLORS)])}
        legend = [{"label": f"社区 community {c + 1} ({sizes[c]:,} shown)", "color": colour[c]} for c in colour]
        rest = [c for c in ranked if c not in colour]
        if rest:
            legend.append({"label": f"其他 {len(rest):,} smaller communities ({sum(sizes[c] for c in rest):,} shown)",
                           "color": OTHER_COLOR})
        return [colour.get(c, OTHER_COLOR) for c in comm], legend
    types = [g.vs[i]["type"] if "type" in g.vs.attributes() else "node" for i in keep]
    seen = [t for t in TYPE_COLORS if t in set(types)] + sorted(set(types) - set(TYPE_COLORS))
    legend = [{"label": TYPE_COLORS.get(t, (OTHER_COLOR, t))[1] + f" ({types.count(t):,} shown)",
               "color": TYPE_COLORS.get(t, (OTHER_COLOR, t))[0]} for t in seen]
    return [TYPE_COLORS.get(t, (OTHER_COLOR, t))[0] for t in types], legend


def _options(n: int, directed: bool, physics: bool) -> dict:
    """vis-network options: bounded stabilisation sized to the graph, then physics goes off (see _hook)."""
    iterations = 1000 if n <= 150 else 400 if n <= 600 else 200 if n <= 1000 else 150
    return {
        "autoResize": True,
        "layout": {"improvedLayout": n <= 150, "randomSeed": 7},
        "nodes": {"shape": "dot", "scaling": {"min": 6, "max": 42, "label": {"enabled": True, "min": 11, "max": 24}},
                  "font": {"face": FONT_STACK, "size": 13, "strokeWidth": 3, "strokeColor": "#ffffff"}},
        "edges": {"smooth": False, "color": {"color": "#9aa5b1", "highlight": "#333333", "opacity": 0.45},
                  "scaling": {"min": 1, "max": 8}, "arrows": {"to": {"enabled": directed, "scaleFactor": 0.6}}},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": n > 400, "hideEdgesOnZoom": n > 800},
        "physics": {"enabled": physics, "solver": "forceAtlas2Based",
                    "forceAtlas2Based": {"gravitationalConstant": -60, "centralGravity": 0.01, "springLength": 110,
                                         "springConstant": 0.08, "avoidOverlap": 0.1},
                    "minVelocity": 1.0, "timestep": 0.5,
                    "stabilization": {"enabled": True, "iterations": iterations, "updateInterval": 25, "fit": True}},
    }


def _build_pyvis(g, keep, edges_kept, colors, size_by, directed, physics, labels_for):
    from pyvis.network import Network

    net = Network(height="78vh", width="100%", directed=directed, cdn_resources="remote", heading="")
    attrs = g.vs.attributes()
    size = _importance(g, size_by)
    kind = g["kind"] if "kind" in g.attributes() else ""
    for pos, i in enumerate(keep):
        v = {a: g.vs[i][a] for a in attrs}
        v["kind"] = kind
        name = str(v.get("name") or v.get("id"))
        search = " ".join(str(x) for x in (name, v.get("name_en") or "", v.get("id") or "")).casefold()
        # 'tip' not 'title': pyvis switches to an innerHTML popup for titles containing "href";
        # the page copies 'tip' into vis-network's 'title', which it renders as text.
        net.add_node(str(v.get("id", i)), label=name if i in labels_for else " ", color=colors[pos],
                     value=float(size[i]) + 1e-9, tip=_tooltip(v), name=name, searchKey=search,
                     region=str(v.get("region") or ""), gkType=str(v.get("type") or ""))
    ids = g.vs["id"] if "id" in attrs else [str(i) for i in range(g.vcount())]
    weighted = "weight" in g.es.attributes()
    for e in edges_kept:
        s, t = g.es[e].tuple
        w = g.es[e]["weight"] if weighted else 1
        a, b = _attr_name(g, s), _attr_name(g, t)
        tip = f"{a} {'→' if directed else '—'} {b}\nweight: {_fmt(w)}"
        # Appended directly: pyvis's add_edge scans every existing edge (quadratic); igraph
        # edges are already unique.
        net.edges.append({"from": str(ids[s]), "to": str(ids[t]), "value": float(w), "tip": tip})
    net.options = _options(len(keep), directed, physics)
    return net


def _attr_name(g, v) -> str:
    return str(g.vs[v]["name"]) if "name" in g.vs.attributes() else str(v)


def _select_edges(g, keep: list[int], max_edges: int) -> tuple[list[int], int]:
    """Edges among the kept vertices (heaviest first when over ``max_edges``); and how many there were."""
    kept = set(keep)
    es = [e.index for e in g.es if e.source in kept and e.target in kept]
    total = len(es)
    if total > max_edges:
        w = np.asarray(g.es["weight"], dtype=float) if "weight" in g.es.attributes() else np.ones(g.ecount())
        es = sorted(sorted(es, key=lambda e: (-w[e], e))[:max_edges])
    return es, total


_STYLE = """
body { margin: 0; font-family: %(font)s; color: #222; background: #fafafa; }
#gk-header { padding: 10px 16px 4px 16px; }
#gk-title { font-size: 19px; font-weight: 600; margin: 0 0 4px 0; }
.gk-note { font-size: 13px; color: #555; margin: 1px 0; }
#gk-omitted { font-size: 13px; color: #8a4b00; margin: 3px 0; }
#gk-controls { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; padding: 6px 16px; font-size: 14px; }
#gk-controls input[type=search] { width: 260px; padding: 4px 6px; font: inherit; }
#gk-controls select, #gk-controls button { font: inherit; padding: 3px 8px; }
#gk-status { font-size: 13px; color: #1b5e20; min-height: 1.2em; padding: 0 16px; }
#gk-main { position: relative; margin: 0 16px 16px 16px; }
#gk-legend { position: absolute; right: 8px; top: 8px; z-index: 5; background: rgba(255,255,255,0.93);
  border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px; font-size: 13px; max-width: 320px; }
#gk-legend h2 { font-size: 13px; margin: 0 0 4px 0; }
.gk-legend-row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.gk-swatch { display: inline-block; width: 12px; height: 12px; border-radius: 50%%; border: 1px solid #0003; flex: none; }
.card { border: 0 !important; }
#mynetwork { background: #ffffff; border: 1px solid #ddd !important; float: none !important; }
div.vis-tooltip { white-space: pre-line; font-family: %(font)s; font-size: 13px; max-width: 420px; }
"""

_BODY_TOP = """
<div id="gk-header">
  <h1 id="gk-title"></h1>
  <div id="gk-notes"></div>
  <div id="gk-omitted"></div>
</div>
<div id="gk-controls">
  <label for="gk-search">搜索 Search</label>
  <input type="search" id="gk-search" list="gk-names" placeholder="name / 名称" autocomplete="off">
  <datalist id="gk-names"></datalist>
  <button type="button" id="gk-search-go">Find</button>
  <label for="gk-region">地区 Region</label>
  <select id="gk-region"><option value="">全部 all</option></select>
  <label><input type="checkbox" id="gk-neighbours" checked> with linked nodes</label>
  <button type="button" id="gk-reset">Reset</button>
</div>
<div id="gk-status" role="status"></div>
<div id="gk-main">
  <div id="gk-legend"><h2>图例 Legend</h2><div id="gk-legend-rows"></div><div id="gk-legend-notes" class="gk-note"></div></div>
"""

_CONTROLLER = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("gk-data").textContent);
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  document.getElementById("gk-title").textContent = data.title;
  var notes = document.getElementById("gk-notes");
  data.notes.forEach(function (n) { notes.appendChild(el("div", n, "gk-note")); });
  document.getElementById("gk-omitted").textContent = data.omitted_text;
  var rows = document.getElementById("gk-legend-rows");
  data.legend.forEach(function (item) {
    var row = el("div", null, "gk-legend-row");
    var sw = el("span", null, "gk-swatch");
    sw.style.background = item.color;
    row.appendChild(sw);
    row.appendChild(el("span", item.label));
    rows.appendChild(row);
  });
  var lnotes = document.getElementById("gk-legend-notes");
  data.legend_notes.forEach(function (n) { lnotes.appendChild(el("div", n)); });

  var all = nodes.get();
  var status = document.getElementById("gk-status");
  var datalist = document.getElementById("gk-names");
  all.forEach(function (n) { var o = document.createElement("option"); o.value = n.name; datalist.appendChild(o); });
  var regionSelect = document.getElementById("gk-region");
  data.regions.forEach(function (r) { var o = el("option", r); o.value = r; regionSelect.appendChild(o); });

  function search(query) {
    var q = String(query || "").trim().toLowerCase();
    if (!q) { status.textContent = ""; return null; }
    var exact = null, part = null;
    for (var i = 0; i < all.length; i++) {
      var n = all[i];
      if (String(n.name).toLowerCase() === q || String(n.id).toLowerCase() === q) { exact = n; break; }
      if (part === null && String(n.searchKey).indexOf(q) !== -1) { part = n; }
    }
    var hit = exact || part;
    if (!hit) { status.textContent = "没有找到 No node matches \u201c" + query + "\u201d"; return null; }
    if (nodes.get(hit.id).hidden) { nodes.update({id: hit.id, hidden: false}); }
    network.selectNodes([hit.id]);
    network.focus(hit.id, {scale: 1.2, animation: false});
    status.textContent = "找到 Found: " + hit.name + (hit.region ? " \u00b7 " + hit.region : "");
    return hit.id;
  }

  function filterRegion(region, withNeighbours) {
    var keep = {}, count = 0;
    if (!region) {
      all.forEach(function (n) { keep[n.id] = true; });
    } else {
      all.forEach(function (n) { if (n.region === region) { keep[n.id] = true; } });
      if (withNeighbours) {
        var core = Object.assign({}, keep);
        edges.get().forEach(function (e) {
          if (core[e.from]) { keep[e.to] = true; }
          if (core[e.to]) { keep[e.from] = true; }
        });
      }
    }
    nodes.update(all.map(function (n) { if (keep[n.id]) { count++; } return {id: n.id, hidden: !keep[n.id]}; }));
    status.textContent = region ? ("地区 Region " + region + ": " + count + " nodes shown") : "";
    return count;
  }

  function applyFilter() {
    filterRegion(regionSelect.value, document.getElementById("gk-neighbours").checked);
  }
  var box = document.getElementById("gk-search");
  box.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { search(box.value); } });
  box.addEventListener("change", function () { search(box.value); });
  document.getElementById("gk-search-go").addEventListener("click", function () { search(box.value); });
  regionSelect.addEventListener("change", applyFilter);
  document.getElementById("gk-neighbours").addEventListener("change", applyFilter);
  document.getElementById("gk-reset").addEventListener("click", function () {
    regionSelect.value = ""; box.value = ""; filterRegion("", false); network.unselectAll(); network.fit();
  });

  window.graphkit = {
    data: data,
    search: search,
    filterRegion: filterRegion,
    nodeCount: function () { return nodes.length; },
    edgeCount: function () { return edges.length; },
    visibleCount: function () { return nodes.get({filter: function (n) { return !n.hidden; }}).length; },
    selected: function () { return network.getSelectedNodes(); },
    stabilized: function () { return window.gkStabilized === true; }
  };
})();
"""

_PRELUDE = (
    "// graphkit: tooltips are plain text (vis-network renders string titles with innerText)\n"
    "                  nodes.update(nodes.get().map(function (n) { return {id: n.id, title: n.tip}; }));\n"
    "                  edges.update(edges.get().map(function (e) { return {id: e.id, title: e.tip}; }));\n"
)

_HOOK = (
    "\n                  // graphkit: stabilise once, then stop the physics (pyvis #204)\n"
    "                  window.gkStabilized = false;\n"
    "                  if (options.physics && options.physics.enabled === false) { window.gkStabilized = true; }\n"
    "                  network.once(\"stabilizationIterationsDone\", function () {\n"
    "                      network.setOptions({physics: {enabled: false}});\n"
    "                      window.gkStabilized = true;\n"
    "                      document.body.setAttribute(\"data-stabilized\", \"true\");\n"
    "                  });\n"
)


def _postprocess(html: str, title: str, data: dict) -> str:
    """Make pyvis's page offline, safe and ours: strip CDN tags, inline assets, add controls."""
    html = re.sub(r"<script\b[^>]*\bsrc\s*=\s*[\"']?\s*(?:https?:)?//[^>]*>\s*</script>", "", html, flags=re.I | re.S)
    html = re.sub(r"<link\b[^>]*\bhref\s*=\s*[\"']?\s*(?:https?:)?//[^>]*>", "", html, flags=re.I | re.S)
    html = re.sub(r"<!--.*?-->", "", html, flags=re.S)
    html = re.sub(r"<center>\s*<h1>\s*</h1>\s*</center>", "", html)
    if _MARKER not in html:  # pyvis changed its template: fail loudly rather than ship a page without the fixes
        raise RuntimeError("pyvis template not recognised: cannot find the vis.Network constructor call")
    html = html.replace(_MARKER, _PRELUDE + "                  " + _MARKER + _HOOK, 1)
    if "innerHTML = nodeData" in html:
        raise RuntimeError("pyvis produced its HTML-tooltip popup; graphkit pages show tooltips as text only")
    js = (ASSETS / "vis-network.min.js").read_text(encoding="utf-8")
    css = (ASSETS / "vis-network.min.css").read_text(encoding="utf-8")
    head = (
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_html.escape(title)}</title>\n"
        "<!-- vis-network 9.1.2 (c) Almende B.V. and visjs contributors; Apache-2.0 OR MIT; "
        "see graphkit/assets/LICENSE-MIT and LICENSE-APACHE-2.0 -->\n"
        f"<style>{css}</style>\n<style>{_STYLE % {'font': FONT_STACK}}</style>\n"
        f"<script>{js}</script>\n"
    )
    # Anchor on pyvis's own tags before the (large) assets go in, so that no text inside
    # them can be mistaken for an anchor.
    for tag in ("<html>", '<meta charset="utf-8">', "<body>", "</body>"):
        if html.count(tag) != 1:
            raise RuntimeError(f"pyvis template not recognised: expected one {tag}")
    tail = (f'</div>\n<script type="application/json" id="gk-data">{_safe_json(data)}</script>\n'
            f"<script>{_CONTROLLER}</script>\n")
    html = html.replace("<body>", "<body>" + _BODY_TOP, 1).replace("</body>", tail + "</body>", 1)
    html = html.replace("<html>", '<!DOCTYPE html>\n<html lang="zh-Hans">', 1)
    return html.replace('<meta charset="utf-8">', '<meta charset="utf-8">\n' + head, 1)


def render(g, title: str = "", color_by: str = "type", size_by: str = "pagerank", notes: list[str] | None = None,
           max_nodes: int = MAX_NODES, max_edges: int = MAX_EDGES, physics: bool = True) -> str:
    """Return a self-contained offline HTML page drawing igraph graph ``g``.

    Vertices may carry ``id``, ``name``, ``name_en``, ``type``, ``region`` and any measures
    (``portfolio``, ``pagerank``, ``community`` …), which appear in tooltips; ``color_by`` is
    ``"type"`` or ``"community"``; ``size_by`` names the measure behind node size and
    importance. At most ``max_nodes`` nodes and ``max_edges`` edges are drawn; what was left
    out is stated on the page. Raises RuntimeError if the result would reach the network.
    """
    if color_by not in ("type", "community"):
        from graphkit.errors import UsageError

        raise UsageError(f"color_by must be one of type, community; got {color_by!r} instead.")
    keep = select_nodes(g, max_nodes, size_by)
    edges_kept, edges_total = _select_edges(g, keep, max_edges)
    colors, legend = _colors(g, color_by, keep)
    size = np.asarray(_importance(g, size_by), dtype=float)
    labels_for = set(keep) if len(keep) <= LABELS_MAX else set(sorted(keep, key=lambda i: (-size[i], i))[:LABELS_MAX])
    net = _build_pyvis(g, keep, edges_kept, colors, size_by, g.is_directed(), physics, labels_for)
    omitted_nodes = g.vcount() - len(keep)
    omitted_text = ""
    if omitted_nodes:
        omitted_text = (f"显示 Showing {len(keep):,} of {g.vcount():,} nodes, the most important by {size_by}; "
                        f"{omitted_nodes:,} nodes and {g.ecount() - edges_total:,} links are left out "
                        "(narrow with --region, --top or --min-weight).")
    if len(edges_kept) < edges_total:
        omitted_text += (" " if omitted_text else "") + (
            f"Of the {edges_total:,} links among the shown nodes, the {len(edges_kept):,} heaviest are drawn.")
    legend_notes = [f"node size: {size_by}"]
    if len(keep) > LABELS_MAX:
        legend_notes.append(f"labels on the {LABELS_MAX} largest nodes; search finds every node")
    regions = sorted({str(g.vs[i]["region"]) for i in keep if "region" in g.vs.attributes() and g.vs[i]["region"]})
    data = {
        "title": title or "graphkit network",
        "notes": list(notes or []),
        "legend": legend,
        "legend_notes": legend_notes,
        "regions": regions,
        "omitted_text": omitted_text,
        "shown": {"nodes": len(keep), "edges": len(edges_kept)},
        "total": {"nodes": g.vcount(), "edges": g.ecount()},
    }
    html = _postprocess(net.generate_html(), data["title"], data)
    leaks = external_references(html)
    if leaks:
        raise RuntimeError(f"page would load from the network: {leaks[:3]}")
    return html


def write(html: str, path: str | Path) -> Path:
    """Write page ``html`` to ``path`` as UTF-8 (whatever the locale), atomically; returns the path."""
    from graphkit.atomic import atomic_write

    path = Path(path)
    with atomic_write(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(html)
    return path


def iframe(html: str, height: int = 820) -> str:
    """Return an ``<iframe srcdoc=…>`` embedding ``html`` (for notebooks); the page stays self-contained."""
    return (f'<div><iframe srcdoc="{_html.escape(html, quote=True)}" style="width:100%;height:{int(height)}px;border:0" '
            'sandbox="allow-scripts"></iframe></div>')
