"""Finding a font that draws Chinese, for the report's charts.

matplotlib's default font (DejaVu Sans) has no CJK glyphs and draws Chinese as empty boxes,
warning "Glyph … missing from font(s)". The report looks for an installed CJK font at run
time — Debian's ``fonts-noto-cjk`` or ``fonts-wqy-microhei`` on Linux, the system fonts on
macOS and Windows — and registers it with matplotlib. Nothing is downloaded.
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CJK_FAMILIES", "CJK_FILE_HINTS", "find_cjk_font", "probe_font"]

#: Font family names that cover simplified Chinese, in order of preference.
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK JP",  # the Pan-CJK collection: every face covers the full character set
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "SimHei",
    "Heiti SC",
    "Arial Unicode MS",
)

#: File-name fragments of CJK fonts, used when matplotlib's cached font list predates the
#: font's installation (the cache is not refreshed by itself).
CJK_FILE_HINTS: tuple[str, ...] = ("notosanscjk", "notosanssc", "sourcehansans", "wqy-microhei", "wqy-zenhei", "msyh", "simhei", "pingfang")

# Characters a usable font must contain: common hanzi of the report plus full-width punctuation.
_PROBE = "企业能力学术生态资本环境国际开放度链接政府响应综合排名省市，（）"


def probe_font(path: str | os.PathLike, text: str = _PROBE) -> bool:
    """Return True if the font file at ``path`` has a glyph for every character of ``text``."""
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(str(path))
    except Exception:  # unreadable or unsupported font file
        return False
    cmap = font.get_charmap()
    return all(ord(ch) in cmap for ch in text)


def find_cjk_font() -> str | None:
    """Return the family name of an installed font that draws Chinese, or None.

    Looks first among the fonts matplotlib knows, then scans the system font folders for
    known CJK files and registers the first one that has the needed glyphs.
    """
    from matplotlib import font_manager as fm

    known = {f.name: f.fname for f in fm.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known and probe_font(known[family]):
            return family
    for path in sorted(fm.findSystemFonts()):
        name = Path(path).name.lower().replace(" ", "")
        if not any(h in name for h in CJK_FILE_HINTS):
            continue
        if not probe_font(path):
            continue
        fm.fontManager.addfont(path)
        return fm.FontProperties(fname=path).get_name()
    return None
