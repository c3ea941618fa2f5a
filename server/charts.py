"""Pictures drawn on the server as SVG: outcome bars, a forest plot of hazard ratios, and an
entity's neighbourhood as a network.

Hand-written SVG (a few dozen elements each) rather than a charting library: the pages stay
script-free and offline, the markup is testable (each bar is a ``rect.bar`` with
``data-value``, each label a ``text``), and nothing is loaded from a CDN. Every string is
escaped; links only go to this server's pages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = ["#2f6f9f", "#d08c2d", "#5b9b5b", "#a05195", "#c8553d", "#6c757d"]
KIND_COLOURS = {"drug": "#2f6f9f", "target": "#5b9b5b", "pathway": "#d08c2d",
                "mechanism": "#c8553d", "trial": "#a05195", "entity": "#6c757d"}  # fmt: skip


def _t(text: object) -> str:
    return str(escape(str(text)))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg_open(kind: str, width: float, height: float, title: str) -> str:
    """The opening of every chart: its class, size and (for screen readers) title."""
    return (
        f'<svg class="chart {kind}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f"<title>{_t(title)}</title>"
    )


def _heading(title: str) -> str:
    return f'<text class="chart-title" x="0" y="18" font-weight="bold">{_t(title)}</text>'


@dataclass(frozen=True)
class Bar:
    label: str  # the arm (and trial, across trials)
    value: float
    href: str = ""


def bar_chart(title: str, groups: list[tuple[str, list[Bar]]], unit: str) -> Markup:
    """Horizontal bars, one group per measure (e.g. "median OS, MET-high"), one bar per arm."""
    groups = [(name, bars) for name, bars in groups if bars]
    if not groups:
        return Markup("")
    label_w, bar_w, row_h, head_h = 300, 360, 22, 24
    top = max(bar.value for _, bars in groups for bar in bars) or 1.0
    height = 30 + sum(head_h + row_h * len(bars) for _, bars in groups) + 10
    width = label_w + bar_w + 110
    parts = [_svg_open("bars", width, height, title), _heading(title)]
    y = 30
    for index, (name, bars) in enumerate(groups):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<text class="group" x="0" y="{y + 16}" font-style="italic">{_t(name)}</text>'
        )
        y += head_h
        for bar in bars:
            length = max(1.0, bar.value / top * bar_w)
            label = _t(_short(bar.label, 42))
            if bar.href:
                label = f'<a href="{_t(bar.href)}">{label}</a>'
            parts.append(
                f'<text class="bar-label" x="{label_w - 8}" y="{y + 15}" text-anchor="end">'
                f"{label}</text>"
                f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{length:.1f}" '
                f'height="{row_h - 6}" fill="{colour}" data-value="{bar.value:g}">'
                f"<title>{_t(bar.label)}: {bar.value:g} {_t(unit)}</title></rect>"
                f'<text class="bar-value" x="{label_w + length + 6:.1f}" y="{y + 15}">'
                f"{bar.value:g} {_t(unit)}</text>"
            )
            y += row_h
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Ratio:
    label: str
    value: float
    low: float | None = None  # confidence interval, when the review gives one
    high: float | None = None


def forest_plot(title: str, ratios: list[Ratio]) -> Markup:
    """Hazard ratios on a log scale with the line of no effect at 1; whiskers for the CI."""
    ratios = [r for r in ratios if r.value > 0]
    if not ratios:
        return Markup("")
    label_w, plot_w, row_h = 300, 360, 24
    values = [v for r in ratios for v in (r.value, r.low, r.high) if v and v > 0]
    lo, hi = min([*values, 0.5]), max([*values, 2.0])
    span = math.log(hi) - math.log(lo)

    def x(v: float) -> float:
        return label_w + (math.log(v) - math.log(lo)) / span * plot_w

    height = 40 + row_h * len(ratios) + 24
    width = label_w + plot_w + 80
    parts = [
        _svg_open("forest", width, height, title),
        _heading(title),
        f'<line class="no-effect" x1="{x(1):.1f}" y1="30" x2="{x(1):.1f}" '
        f'y2="{height - 20}" stroke="#888" stroke-dasharray="4 3"/>',
        f'<text x="{x(1):.1f}" y="{height - 6}" text-anchor="middle">1</text>',
    ]
    for i, ratio in enumerate(ratios):
        y = 40 + i * row_h + row_h / 2
        parts.append(
            f'<text class="ratio-label" x="{label_w - 8}" y="{y + 5:.1f}" text-anchor="end">'
            f"{_t(_short(ratio.label, 42))}</text>"
        )
        if ratio.low and ratio.high:
            parts.append(
                f'<line class="ci" x1="{x(ratio.low):.1f}" y1="{y:.1f}" x2="{x(ratio.high):.1f}"'
                f' y2="{y:.1f}" stroke="#333"/>'
            )
        ci = f" ({ratio.low:g} to {ratio.high:g})" if ratio.low and ratio.high else ""
        parts.append(
            f'<rect class="ratio" x="{x(ratio.value) - 5:.1f}" y="{y - 5:.1f}" width="10" '
            f'height="10" fill="#2f6f9f" data-value="{ratio.value:g}"><title>{_t(ratio.label)}: '
            f"HR {ratio.value:g}{ci}</title></rect>"
            f'<text x="{label_w + plot_w + 8}" y="{y + 5:.1f}">{ratio.value:g}{ci}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Neighbour:
    label: str
    href: str
    kind: str  # drug, target, pathway, mechanism, trial …
    relation: str  # the property's label, read from the centre ("inhibits", "← reverses")


def network(centre: str, kind: str, neighbours: list[Neighbour], limit: int = 24) -> Markup:
    """The entity in the middle, its neighbours on a circle around it, coloured by kind."""
    seen: set[str] = set()
    unique = []
    for n in neighbours:
        if n.href not in seen:
            seen.add(n.href)
            unique.append(n)
    shown = sorted(unique, key=lambda n: (n.kind, n.label))[:limit]
    if not shown:
        return Markup("")
    width, height = 900, 520
    cx, cy, radius = width / 2, height / 2, 200
    parts = [_svg_open("network", width, height, f"{centre} and its neighbours")]
    places = []
    for i in range(len(shown)):
        angle = 2 * math.pi * i / len(shown) - math.pi / 2
        places.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    for n, (x, y) in zip(shown, places, strict=True):
        parts.append(
            f'<line class="edge" x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
            f'stroke="#b8c4d0"><title>{_t(n.relation)}</title></line>'
        )
    for n, (x, y) in zip(shown, places, strict=True):
        colour = KIND_COLOURS.get(n.kind, KIND_COLOURS["entity"])
        anchor = "start" if x > cx + 1 else "end" if x < cx - 1 else "middle"
        dx = 10 if anchor == "start" else -10 if anchor == "end" else 0
        parts.append(
            f'<a href="{_t(n.href)}"><circle class="node kind-{_t(n.kind)}" cx="{x:.1f}" '
            f'cy="{y:.1f}" r="7" fill="{colour}"><title>{_t(n.label)} ({_t(n.kind)}; '
            f"{_t(n.relation)})</title></circle>"
            f'<text class="node-label" x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" '
            f'font-size="12">{_t(_short(n.label, 26))}</text></a>'
        )
    colour = KIND_COLOURS.get(kind, KIND_COLOURS["entity"])
    parts.append(
        f'<circle class="centre kind-{_t(kind)}" cx="{cx}" cy="{cy}" r="12" fill="{colour}"/>'
        f'<text class="centre-label" x="{cx}" y="{cy - 18}" text-anchor="middle" '
        f'font-weight="bold">{_t(_short(centre, 40))}</text>'
    )
    legend_kinds = sorted({n.kind for n in shown})
    for i, k in enumerate(legend_kinds):
        parts.append(
            f'<circle cx="12" cy="{height - 14 - i * 18}" r="6" '
            f'fill="{KIND_COLOURS.get(k, KIND_COLOURS["entity"])}"/>'
            f'<text class="legend" x="24" y="{height - 10 - i * 18}" font-size="12">{_t(k)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
