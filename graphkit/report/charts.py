"""The report's charts as PNG files, drawn with matplotlib's object API on the Agg canvas.

No pyplot and no global backend switch: each chart is a :class:`matplotlib.figure.Figure`
drawn by ``FigureCanvasAgg``, so building a report never opens a window or changes the
caller's matplotlib state (rc settings are applied in a context that is restored after).
The radar figure is built once and only its data is replaced per region, which keeps 31
province and 5 city radars well under a second each.
"""
from __future__ import annotations

import math
import struct
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

__all__ = ["Charts", "PALETTE", "ECHELON_COLOURS", "png_size", "chart_style"]

#: Segment colours (tier-2 parts, circles); colour-blind-safe (Okabe–Ito), grey last.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
#: Bar colours by echelon: first, second, third, … (the rest reuse the last).
ECHELON_COLOURS = ("#08519c", "#3182bd", "#6baed6", "#9ecae1", "#c6dbef")
_OTHER = "#b0b0b0"


def _text_width(label: str) -> float:
    """Approximate width of a (possibly multi-line) label in ems: CJK characters 1, others 0.58."""
    return max((sum(1.0 if ord(c) > 0x2E80 else 0.58 for c in line) for line in str(label).split("\n")), default=0.0)


def png_size(path: str | Path) -> tuple[int, int]:
    """Return (width, height) in pixels from a PNG file's header."""
    with open(path, "rb") as fh:
        head = fh.read(24)
    return struct.unpack(">II", head[16:24])


@contextmanager
def chart_style(font: str | None) -> Iterator[None]:
    """Apply the report's matplotlib settings (and CJK ``font`` if given) for the duration."""
    import matplotlib

    rc = {
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 11,
        "axes.unicode_minus": False,  # CJK fonts often lack U+2212
        "savefig.facecolor": "white",
        "figure.facecolor": "white",
    }
    if font:
        rc["font.family"] = [font, "DejaVu Sans"]
    with matplotlib.rc_context(rc):
        yield


class Charts:
    """Writes the report's charts into ``folder`` and returns their file names.

    Parameters
    ----------
    folder : the figures folder (created if missing).
    dpi : resolution of the PNGs; 110 keeps 60 charts fast and legible.
    """

    def __init__(self, folder: str | Path, dpi: int = 110):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.dpi = dpi
        self._radar = None  # (figure, axes, line, fill, texts, labels) reused across radars
        self.written: list[str] = []

    # -- plumbing -------------------------------------------------------------------------
    def _save(self, fig, name: str) -> str:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
        fig.savefig(self.folder / name, dpi=self.dpi)
        self.written.append(name)
        return name

    @staticmethod
    def _figure(width: float, height: float):
        from matplotlib.figure import Figure

        # Fixed margins (see _margins) rather than a layout engine: constrained layout draws
        # every chart twice, and 60 charts are a noticeable wait on a busy machine.
        return Figure(figsize=(width, height))

    @staticmethod
    def _margins(fig, labels: Sequence[str], top: float = 0.15, bottom: float = 0.45, right: float = 0.25) -> None:
        """Set margins in inches: the left one wide enough for the longest y label."""
        size = 9.0
        widest = max((_text_width(lab) for lab in labels), default=1.0) * size / 72 + 0.2
        w, h = fig.get_size_inches()
        fig.subplots_adjust(left=min(widest / w, 0.5), right=1 - right / w, top=1 - top / h, bottom=min(bottom / h, 0.45))

    # -- ranking bars ---------------------------------------------------------------------
    def ranking(self, name: str, labels: Sequence[str], values: Sequence[float], title: str,
                groups: Sequence[int] | None = None, group_labels: dict[int, str] | None = None,
                xlabel: str = "") -> str:
        """Horizontal bar chart, first item on top, each bar labelled with its value.

        ``groups`` (e.g. echelons, 1 = first) colour the bars, with ``group_labels`` in the legend.
        """
        n = len(labels)
        fig = self._figure(7.2, 0.9 + 0.24 * max(n, 3))
        self._margins(fig, labels, top=0.4 if title else 0.15, bottom=0.55 if xlabel else 0.35)
        ax = fig.add_subplot()
        y = list(range(n))[::-1]
        colours = [ECHELON_COLOURS[min(g, len(ECHELON_COLOURS)) - 1] for g in groups] if groups else [PALETTE[0]] * n
        ax.barh(y, values, color=colours, height=0.7)
        ax.set_yticks(y, labels)
        ax.tick_params(axis="y", length=0)
        top = max([v for v in values if v == v] + [0.0])
        for yi, v in zip(y, values):
            ax.text(v + top * 0.01, yi, f"{v:.2f}", va="center", fontsize=7.5)
        ax.set_xlim(0, top * 1.12 if top > 0 else 1)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_title(title)
        if xlabel:
            ax.set_xlabel(xlabel)
        if groups and group_labels:
            from matplotlib.patches import Patch

            seen = sorted(set(groups))
            handles = [Patch(color=ECHELON_COLOURS[min(g, len(ECHELON_COLOURS)) - 1], label=group_labels.get(g, str(g))) for g in seen]
            ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=8)
        return self._save(fig, name)

    def stacked(self, name: str, labels: Sequence[str], parts: dict[str, Sequence[float]], title: str) -> str:
        """Horizontal stacked bars (e.g. a tier-1 score split into its tier-2 scores), first on top."""
        n = len(labels)
        fig = self._figure(7.2, 1.1 + 0.24 * max(n, 3))
        self._margins(fig, labels, top=0.4 if title else 0.15, bottom=0.35)
        ax = fig.add_subplot()
        y = list(range(n))[::-1]
        left = [0.0] * n
        for (part, vals), colour in zip(parts.items(), PALETTE):
            vals = [0.0 if v != v else float(v) for v in vals]
            ax.barh(y, vals, left=left, color=colour, height=0.7, label=part)
            left = [a + b for a, b in zip(left, vals)]
        top = max(left + [0.0])
        for yi, v in zip(y, left):
            ax.text(v + top * 0.01, yi, f"{v:.2f}", va="center", fontsize=7.5)
        ax.set_xlim(0, top * 1.12 if top > 0 else 1)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_yticks(y, labels)
        ax.tick_params(axis="y", length=0)
        ax.set_title(title)
        ax.legend(loc="lower right", frameon=False, fontsize=8)
        return self._save(fig, name)

    # -- composition ----------------------------------------------------------------------
    def composition(self, name: str, rows: Sequence[str], segments: Sequence[str],
                    values: Sequence[Sequence[float]], title: str) -> str:
        """100 % stacked bars: one bar per row, split into ``segments`` by share of the row total.

        ``values[i][j]`` is the amount of segment j in row i; shares of 4 % or more are labelled.
        """
        import textwrap

        n = len(rows)
        rows = [textwrap.fill(r, 30) if _text_width(r) > 20 else r for r in rows]
        ncol = 5 if sum(_text_width(sg) + 3 for sg in segments) < 60 else 3
        legend_rows = -(-len(segments) // ncol)
        fig = self._figure(7.2, 0.9 + 0.2 * legend_rows + 0.42 * max(n, 1.5))
        self._margins(fig, rows, top=0.4 if title else 0.15, bottom=0.6 + 0.2 * legend_rows)
        ax = fig.add_subplot()
        y = list(range(n))[::-1]
        left = [0.0] * n
        for j, seg in enumerate(segments):
            colour = _OTHER if j == len(segments) - 1 and len(segments) > 4 else PALETTE[j % len(PALETTE)]
            shares = []
            for i in range(n):
                tot = sum(v for v in values[i] if v == v)
                v = values[i][j]
                shares.append(100.0 * v / tot if tot > 0 and v == v else 0.0)
            ax.barh(y, shares, left=left, color=colour, height=0.6 if n > 1 else 0.45, label=seg)
            for yi, l, s in zip(y, left, shares):
                if s >= 4:
                    ax.text(l + s / 2, yi, f"{s:.1f}%", ha="center", va="center", fontsize=7, color="white" if j < 4 else "black")
            left = [a + b for a, b in zip(left, shares)]
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xticks([0, 20, 40, 60, 80, 100], ["0", "20%", "40%", "60%", "80%", "100%"])
        ax.set_yticks(y, rows)
        ax.tick_params(axis="y", length=0)
        ax.set_title(title)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3 / (0.42 * max(n, 1.5))), ncol=ncol, frameon=False, fontsize=8)
        return self._save(fig, name)

    # -- radar ----------------------------------------------------------------------------
    def radar(self, name: str, axes: Sequence[str], ranks: Sequence[int], title: str) -> str:
        """Radar of the reciprocal of each rank (1 = first place, the outer ring), as the report
        draws its province radars; each vertex is labelled with the rank itself."""
        values = [1.0 / r if r and r == r and r > 0 else 0.0 for r in ranks]
        k = len(axes)
        angles = [2 * math.pi * i / k for i in range(k)]  # clockwise from the top (set in _new_radar)
        closed_a = angles + angles[:1]
        closed_v = values + values[:1]
        if self._radar is None or self._radar[-1] != tuple(axes):
            self._radar = self._new_radar(axes, angles)
        fig, ax, line, fill, labels, _ = self._radar
        line.set_data(closed_a, closed_v)
        fill.set_xy(list(zip(closed_a, closed_v)))
        for t, a, v, r in zip(labels, angles, values, ranks):
            t.set_position((a, v + 0.11 if v < 0.8 else v - 0.13))
            t.set_text(str(int(r)) if r == r else "–")
        ax.set_title(title, pad=18)
        return self._save(fig, name)

    def _new_radar(self, axes: Sequence[str], angles: list[float]):
        from matplotlib.patches import Polygon

        fig = self._figure(4.8, 4.6)
        ax = fig.add_axes((0.2, 0.12, 0.6, 0.68), projection="polar")
        ax.set_theta_offset(math.pi / 2)
        ax.set_theta_direction(-1)
        ax.set_ylim(0, 1.15)
        ax.set_xticks(angles, list(axes))
        ax.tick_params(axis="x", pad=11)
        ax.set_yticks([0.2, 0.5, 1.0], ["1/5", "1/2", "1"], fontsize=7, color="#666666")
        ax.set_rlabel_position(180 / len(axes))
        ax.grid(color="#cccccc", linewidth=0.6)
        ax.spines["polar"].set_color("#cccccc")
        (line,) = ax.plot([], [], color=PALETTE[0], linewidth=1.8, marker="o", markersize=3.5)
        fill = Polygon([(0, 0)], closed=True, facecolor=PALETTE[0], alpha=0.22, edgecolor="none")
        ax.add_patch(fill)
        labels = [ax.text(a, 0, "", ha="center", va="center", fontsize=8, color="#333333") for a in angles]
        return fig, ax, line, fill, labels, tuple(axes)
