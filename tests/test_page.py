"""The offline network page: no network references, UTF-8, names as text, size caps — and in a real browser.

The browser tests (``@pytest.mark.browser``) open pages from files in headless Chromium with
every request blocked (tests/browser.py); they skip without /usr/bin/chromium, except under CI.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from graphkit import network as gn
from graphkit import page
from tests.browser import open_page, require_browser
from tests.test_network import XSS, make_ds

ROOT = Path(__file__).resolve().parent.parent
SCRIPT_BREAK = "</script><script>alert(2)</script>"

# Independent of graphkit.page.external_references: any src/href/url()/@import aimed at the web.
WEB_REF = re.compile(r"""(?:\bsrc|\bhref)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import\s+[^;]*//""", re.I)


def page_nodes(html: str) -> list[dict]:
    """The node list pyvis embedded in the page (``nodes = new vis.DataSet([...]);``)."""
    m = re.search(r"nodes = new vis\.DataSet\((\[.*?\])\);\n", html, re.S)
    assert m, "no node data in the page"
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def xss_ds():
    return make_ds(firm5_name=XSS)


@pytest.fixture(scope="module")
def investors_html(xss_ds):
    return gn.investors(xss_ds).to_html()


def big_graph(n: int = 2000):
    import igraph as ig

    g = ig.Graph.Barabasi(n, 2)
    g.vs["id"] = [f"N{i}" for i in range(n)]
    g.vs["name"] = [f"节点{i}" for i in range(n)]
    g.vs["type"] = ["investor" if i % 3 == 0 else "firm" for i in range(n)]
    g.vs["region"] = ["北京市" if i % 2 else "上海市" for i in range(n)]
    g.es["weight"] = [1 + i % 4 for i in range(g.ecount())]
    return g


# ----------------------------------------------------------------- static checks

def test_page_is_offline(investors_html):
    assert WEB_REF.findall(investors_html) == []
    assert page.external_references(investors_html) == []
    for cdn in ("cdn.jsdelivr", "cdnjs.cloudflare", "bootstrap.min", "unpkg.com"):
        assert cdn not in investors_html
    assert 'http-equiv="Content-Security-Policy"' in investors_html and "default-src 'none'" in investors_html
    assert "vis-network" in investors_html and "Apache-2.0 OR MIT" in investors_html


def test_external_reference_check_catches_cdn_links():
    bad = ('<link rel="stylesheet" href="https://cdn.example/x.css"><script src="//cdn.example/x.js"></script>'
           '<style>@font-face{src:url(http://f.example/a.woff)}</style>')
    assert len(page.external_references(bad)) == 3
    assert page.external_references('<a href="https://example.org">docs</a>') == []  # a link, not a load


def test_names_never_appear_as_markup(xss_ds):
    html = gn.investors(make_ds(firm5_name=SCRIPT_BREAK)).to_html()
    assert SCRIPT_BREAK not in html
    html = gn.investors(xss_ds).to_html()
    assert XSS not in html and "<img" not in html
    tips = {n["id"]: n["tip"] for n in page_nodes(html)}
    assert tips["F5"].splitlines()[0] == XSS  # the JSON decodes back to the literal text
    assert not any("title" in n for n in page_nodes(html))  # pyvis never sees a title (its href popup is innerHTML)


def test_tooltips_carry_name_region_figures(xss_ds):
    nodes = {n["id"]: n for n in page_nodes(gn.investors(xss_ds).to_html())}
    tip = nodes["V1"]["tip"]
    assert "IDG资本" in tip and "IDG Capital" in tip and "北京市" in tip and "portfolio (firms): 2" in tip
    assert nodes["F2"]["tip"].count("investors: 3") == 1
    assert nodes["V1"]["region"] == "北京市" and nodes["F5"]["region"] == "广东省"


def test_legend_and_notes(xss_ds):
    html = gn.coinvest(xss_ds).to_html()
    data = json.loads(re.search(r'<script type="application/json" id="gk-data">(.*?)</script>', html, re.S).group(1))
    assert data["legend"] and all(re.fullmatch(r"#[0-9a-f]{6}", x["color"]) for x in data["legend"])
    assert data["legend"][0]["label"].startswith("社区 community 1")
    assert any("modularity" in n for n in data["notes"])
    assert data["regions"] == ["北京市", "广东省"]
    assert data["omitted_text"] == ""


def test_written_as_utf8_under_a_c_locale(tmp_path):
    """pyvis #222: the page must be UTF-8 even when the locale's encoding is ASCII."""
    out = tmp_path / "p.html"
    code = ("import sys; sys.path.insert(0, {root!r}); sys.path.insert(0, {tests!r});"
            "from test_network import make_ds; from graphkit import network as gn;"
            "import locale; assert locale.getpreferredencoding(False).lower() in ('ansi_x3.4-1968', 'ascii', 'us-ascii'), locale.getpreferredencoding(False);"
            "gn.investors(make_ds()).to_html({out!r})").format(root=str(ROOT), tests=str(ROOT / "tests"), out=str(out))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env.update(LANG="C", LC_ALL="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0")
    res = subprocess.run([sys.executable, "-X", "utf8=0", "-c", code], env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    text = out.read_bytes().decode("utf-8")  # raises if not UTF-8
    assert '<meta charset="utf-8">' in text
    assert "投资网络" in text  # the title, literally, in UTF-8


def test_node_cap_keeps_the_most_important():
    g = big_graph(2000)
    html = page.render(g, title="big", max_nodes=1500)
    nodes = page_nodes(html)
    assert len(nodes) == 1500
    pr = g.pagerank(weights="weight")
    threshold = sorted(pr, reverse=True)[1499]
    kept = {n["id"] for n in nodes}
    assert all(pr[i] >= threshold for i in range(2000) if g.vs[i]["id"] in kept)
    assert "Showing 1,500 of 2,000 nodes" in html.replace("\\u0026", "&")
    labelled = [n for n in nodes if n["label"].strip()]
    assert len(labelled) == page.LABELS_MAX


def test_select_nodes_keeps_the_centre():
    import igraph as ig

    g = ig.Graph.Star(10)
    g.vs["type"] = ["firm"] * 9 + ["center"]  # a leaf is the ego centre: kept although least central
    keep = page.select_nodes(g, max_nodes=3)
    assert 9 in keep and 0 in keep and len(keep) == 3


def test_edge_cap_keeps_the_heaviest():
    import igraph as ig

    g = ig.Graph.Full(30)
    g.vs["id"] = [str(i) for i in range(30)]
    g.vs["name"] = [f"n{i}" for i in range(30)]
    g.es["weight"] = list(range(g.ecount()))
    html = page.render(g, max_edges=50)
    edges = json.loads(re.search(r"edges = new vis\.DataSet\((\[.*?\])\);\n", html, re.S).group(1))
    assert sorted(e["value"] for e in edges) == [float(w) for w in range(g.ecount() - 50, g.ecount())]
    assert "the 50 heaviest are drawn" in html


def test_render_rejects_unknown_colouring(xss_ds):
    from graphkit.errors import UsageError

    with pytest.raises(UsageError, match="type, community"):
        page.render(gn.coinvest(xss_ds).graph, color_by="size")


def test_empty_graph_renders():
    import igraph as ig

    html = page.render(ig.Graph(), title="empty")
    assert page_nodes(html) == [] and page.external_references(html) == []


# ----------------------------------------------------------------- in a real browser

def _canvas_ink(check, more_than: int, timeout_s: float = 10.0) -> int:
    """Number of canvas pixels that are not background, polled until it is more than
    ``more_than``: vis draws on an animation frame after it reports the layout stable, so
    under load the canvas can still be blank right after ``stabilized()`` (a CI run failed
    so). Raises TimeoutError when the canvas never gets that much ink."""
    return check.wait_for("""(() => {
        const c = document.querySelector('#mynetwork canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) { if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) n++; }
        return n > %d ? n : 0;
    })()""" % more_than, timeout_s)


@pytest.mark.browser
def test_page_in_browser_offline(tmp_path, xss_ds):
    require_browser()
    path = tmp_path / "investors.html"
    gn.investors(xss_ds).to_html(path)
    with open_page(path) as check:
        check.wait_for("window.graphkit && window.graphkit.stabilized()", 60)
        assert check.page.evaluate("graphkit.nodeCount()") == 9  # 4 investors + 5 firms
        assert check.page.evaluate("graphkit.edgeCount()") == 8  # distinct investor–firm pairs
        assert _canvas_ink(check, 200) > 200
        # Search by Chinese name, by English name, by part of a name.
        check.page.fill("#gk-search", "红杉资本中国")
        check.page.press("#gk-search", "Enter")
        assert check.page.evaluate("graphkit.selected()") == ["V2"]
        assert "红杉资本中国" in check.page.inner_text("#gk-status")
        assert check.page.evaluate("graphkit.search('tencent')") == "V3"
        assert check.page.evaluate("graphkit.search('没有这个')") is None
        # Region filter: Shanghai's nodes F3 and V4, with linked nodes V3 (invests in F3) and
        # F5 (V4's firm); without linked nodes only the two; then everything again.
        check.page.select_option("#gk-region", "上海市")
        assert check.page.evaluate("graphkit.visibleCount()") == 4
        check.page.uncheck("#gk-neighbours")
        assert check.page.evaluate("graphkit.visibleCount()") == 2
        check.page.click("#gk-reset")
        assert check.page.evaluate("graphkit.visibleCount()") == 9
        legend = check.page.inner_text("#gk-legend")
        assert "投资机构 investor (4 shown)" in legend and "企业 firm (5 shown)" in legend
        assert check.console_errors == [] and check.requests == [] and check.dialogs == []


@pytest.mark.browser
def test_injected_name_is_shown_as_text(tmp_path, xss_ds):
    require_browser()
    path = tmp_path / "xss.html"
    gn.investors(xss_ds).to_html(path)
    with open_page(path) as check:
        check.wait_for("window.graphkit && window.graphkit.stabilized()", 60)
        # Hover the firm called '<img src=x onerror=alert(1)>' so its tooltip opens.
        xy = check.page.evaluate("""() => {
            const p = network.canvasToDOM(network.getPositions(['F5'])['F5']);
            const r = document.querySelector('#mynetwork canvas').getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""")
        check.page.mouse.move(xy[0] - 30, xy[1] - 30)
        check.page.mouse.move(*xy)
        check.wait_for("(() => { const t = document.querySelector('div.vis-tooltip');"
                       " return t && t.style.visibility !== 'hidden' && t.innerText.length > 0; })()", 10)
        tip = check.page.evaluate("document.querySelector('div.vis-tooltip').innerText")
        assert tip.splitlines()[0] == XSS  # the name, as text
        assert check.page.evaluate("document.querySelectorAll('img').length") == 0
        # innerText turns newlines into <br>; nothing else may be an element
        tags = check.page.evaluate("Array.from(document.querySelector('div.vis-tooltip').children).map(c => c.tagName)")
        assert set(tags) <= {"BR"}
        # Searching for it works and shows it as text too.
        assert check.page.evaluate(f"graphkit.search({json.dumps(XSS)})") == "F5"
        assert XSS in check.page.inner_text("#gk-status")
        check.page.wait_for_timeout(300)  # give a stray onerror the chance to fire
        assert check.dialogs == [] and check.requests == [] and check.console_errors == []


@pytest.mark.browser
@pytest.mark.slow
def test_large_page_stabilises_then_stops(tmp_path):
    require_browser()
    path = tmp_path / "big.html"
    page.write(page.render(big_graph(2000), title="big"), path)
    with open_page(path) as check:
        check.wait_for("window.graphkit && window.graphkit.stabilized()", 240)
        assert check.page.evaluate("graphkit.nodeCount()") == 1500
        assert "500 nodes" in check.page.inner_text("#gk-omitted")
        before = check.page.evaluate("JSON.stringify(network.getPositions())")
        check.page.wait_for_timeout(1000)
        assert check.page.evaluate("JSON.stringify(network.getPositions())") == before  # physics is off
        assert _canvas_ink(check, 1000) > 1000
        assert check.console_errors == [] and check.requests == []


def test_browser_helper_fails_without_browser_under_ci(monkeypatch):
    """Without Chromium the browser tests skip — except under CI, where they fail."""
    import tests.browser as tb

    monkeypatch.setattr(tb, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        tb.require_browser()
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="CI"):
        tb.require_browser()
