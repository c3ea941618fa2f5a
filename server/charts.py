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
KIND_COLOURS = {"drug": "#2f6f9f", "intervention": "#2f6f9f", "molecule": "#5b9b5b",
                "pathway": "#d08c2d", "mechanism": "#c8553d", "trial": "#a05195",
                "entity": "#6c757d"}  # fmt: skip


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
class Study:
    """One study's bars in a chart across studies: its arms, under its own name."""

    label: str  # the trial's name, with its phase and size ("phase III, n=362")
    href: str
    bars: list[Bar]


def study_bars(title: str, designs: list[tuple[str, list[Study]]], unit: str) -> Markup:
    """Bars grouped by design (randomised, single-arm, retrospective: never one ranking) and by
    study, each bar named by its arm in full, so two arms of one trial never look alike."""
    designs = [(name, [s for s in studies if s.bars]) for name, studies in designs]
    designs = [(name, studies) for name, studies in designs if studies]
    if not designs:
        return Markup("")
    label_w, bar_w, row_h = 280, 330, 22
    top = max(b.value for _, studies in designs for s in studies for b in s.bars) or 1.0
    rows = sum(1 + sum(1 + len(s.bars) for s in studies) for _, studies in designs)
    height = 36 + rows * row_h + 10
    width = label_w + bar_w + 100
    parts = [_svg_open("bars across-studies", width, height, title), _heading(title)]
    y = 30
    for design, studies in designs:
        parts.append(
            f'<text class="design" x="0" y="{y + 16}" font-weight="bold" fill="#16324f">'
            f"{_t(design)}</text>"
        )
        y += row_h
        for index, study in enumerate(studies):
            colour = PALETTE[index % len(PALETTE)]
            name = (
                f'<a href="{_t(study.href)}">{_t(study.label)}</a>'
                if study.href
                else _t(study.label)
            )
            parts.append(
                f'<text class="study" x="8" y="{y + 16}" font-style="italic">{name}</text>'
            )
            y += row_h
            for bar in study.bars:
                length = max(1.0, bar.value / top * bar_w)
                parts.append(
                    f'<text class="bar-label" x="{label_w - 8}" y="{y + 15}" text-anchor="end">'
                    f"{_t(bar.label)}</text>"
                    f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{length:.1f}" '
                    f'height="{row_h - 6}" fill="{colour}" data-value="{bar.value:g}" '
                    f'data-study="{_t(study.label)}" data-arm="{_t(bar.label)}">'
                    f"<title>{_t(study.label)}: {_t(bar.label)}: {bar.value:g} {_t(unit)}</title>"
                    f'</rect><text class="bar-value" x="{label_w + length + 6:.1f}" '
                    f'y="{y + 15}">{bar.value:g} {_t(unit)}</text>'
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
class Edge:
    """One stated relation between the page's entity and a neighbour, drawn as it reads."""

    relation: str  # the property's local name: inhibits, binds, resistanceTo …
    label: str  # as read: "inhibits", "resistance to"
    node: str  # the neighbour's label
    href: str
    kind: str  # the neighbour's kind: target, pathway, mechanism, drug …
    outward: bool = True  # the entity is the subject ("Sorafenib inhibits VEGFR")
    disputed: bool = False


# colour, dash pattern, marker at the object's end: the legend reads the same table
RELATION_STYLES = {
    "inhibits": ("#b02a1a", "", "bar"),
    "binds": ("#7a3fa0", "", "dot"),
    "activates": ("#1f7a3a", "", "arrow"),
    "upregulates": ("#1f7a3a", "6 3", "arrow"),
    "downregulates": ("#b06a00", "6 3", "arrow"),
    "regulates": ("#2f6f9f", "6 3", "arrow"),
    "hasNoEffectOn": ("#9aa3ab", "2 4", ""),
    "resistanceTo": ("#c8553d", "8 3 2 3", "arrow"),
    "reverses": ("#0f7b8a", "", "arrow"),
    "involves": ("#8a6d3b", "", "arrow"),
    "memberOf": ("#6c757d", "1 3", "arrow"),
}
OTHER_STYLE = ("#6c757d", "", "arrow")
MARKERS = {
    "arrow": '<path d="M0,0 L8,4 L0,8 z" fill="{c}"/>',
    "bar": '<rect x="5" y="0" width="3" height="8" fill="{c}"/>',
    "dot": '<circle cx="4" cy="4" r="3.5" fill="{c}"/>',
}


def _style(relation: str) -> tuple[str, str, str]:
    return RELATION_STYLES.get(relation, OTHER_STYLE)


def network(centre: str, kind: str, edges: list[Edge]) -> Markup:
    """The entity in the middle and every stated relation to a neighbour: what it acts on to
    the right, what acts on it (mechanisms of resistance, reversing agents …) to the left. Each
    edge is styled by its relation (see the legend) and says it in its title."""
    unique = list(dict.fromkeys(edges))
    if not unique:
        return Markup("")
    right = [e for e in unique if e.outward]
    left = [e for e in unique if not e.outward]
    rows = max(len(right), len(left), 1)
    height = max(160 if rows <= 3 else 360, 40 + rows * 26)
    legend = sorted({(e.relation, e.label) for e in unique}, key=lambda r: r[1])
    width = 1000
    cx, cy = width / 2, (height - 20) / 2 + 10
    parts = [_svg_open("network", width, height + 24 * ((len(legend) + 4) // 4),
                       f"{centre}: what the review states it relates to")]  # fmt: skip
    parts.append("<defs>")
    for relation, _ in legend:
        colour, _, marker = _style(relation)
        if marker:
            parts.append(
                f'<marker id="m-{_t(relation)}" viewBox="0 0 8 8" refX="8" refY="4" '
                f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
                f"{MARKERS[marker].format(c=colour)}</marker>"
            )
    parts.append("</defs>")
    for side, group in ((1, right), (-1, left)):
        for i, e in enumerate(group):
            y = cy if len(group) == 1 else 30 + (height - 60) * i / (len(group) - 1)
            x = cx + side * (170 + 100 * (1 - abs(y - cy) / (height / 2)))
            colour, dash, marker = _style(e.relation)
            # the line runs subject → object, so the marker sits on the object
            x1, y1, x2, y2 = (cx, cy, x, y) if e.outward else (x, y, cx, cy)
            shorten = 9 if e.outward else 14
            length = math.hypot(x2 - x1, y2 - y1) or 1.0
            x2 -= (x2 - x1) / length * shorten
            y2 -= (y2 - y1) / length * shorten
            said = f"{centre} {e.label} {e.node}" if e.outward else f"{e.node} {e.label} {centre}"
            said += " (disputed)" if e.disputed else ""
            attrs = f' stroke-dasharray="{dash}"' if dash else ""
            attrs += f' marker-end="url(#m-{_t(e.relation)})"' if marker else ""
            attrs += ' opacity="0.55"' if e.disputed else ""
            parts.append(
                f'<line class="edge rel-{_t(e.relation)}{" disputed" if e.disputed else ""}" '
                f'data-relation="{_t(e.relation)}" data-node="{_t(e.href)}" '
                f'data-direction="{"out" if e.outward else "in"}" x1="{x1:.1f}" y1="{y1:.1f}" '
                f'x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" stroke-width="1.6"{attrs}>'
                f"<title>{_t(said)}</title></line>"
            )
            node_colour = KIND_COLOURS.get(e.kind, KIND_COLOURS["entity"])
            anchor, dx = ("start", 10) if side == 1 else ("end", -10)
            parts.append(
                f'<a href="{_t(e.href)}"><circle class="node kind-{_t(e.kind)}" cx="{x:.1f}" '
                f'cy="{y:.1f}" r="6" fill="{node_colour}"><title>{_t(said)}</title></circle>'
                f'<text class="node-label" x="{x + dx:.1f}" y="{y + 4:.1f}" '
                f'text-anchor="{anchor}" font-size="12">{_t(_short(e.node, 34))}</text></a>'
            )
    colour = KIND_COLOURS.get(kind, KIND_COLOURS["entity"])
    parts.append(
        f'<circle class="centre kind-{_t(kind)}" cx="{cx}" cy="{cy}" r="12" fill="{colour}"/>'
        f'<text class="centre-label" x="{cx}" y="{cy - 18}" text-anchor="middle" '
        f'font-weight="bold" stroke="#fff" stroke-width="4" paint-order="stroke">'
        f"{_t(_short(centre, 40))}</text>"
    )
    if any(e.disputed for e in unique):
        legend.append(("disputed", "disputed by the curator (faded)"))
    kinds = sorted({e.kind for e in unique})
    for i, k in enumerate(kinds):
        x, y = width - 110, 14 + i * 18
        fill = KIND_COLOURS.get(k, KIND_COLOURS["entity"])
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="6" fill="{fill}"/>'
            f'<text class="legend kind" x="{x + 12}" y="{y + 4}" font-size="12">{_t(k)}</text>'
        )
    for i, (relation, label) in enumerate(legend):
        colour, dash, marker = _style(relation)
        x, y = 10 + (i % 4) * 240, height + 10 + (i // 4) * 24
        attrs = f' stroke-dasharray="{dash}"' if dash else ""
        attrs += f' marker-end="url(#m-{_t(relation)})"' if marker else ""
        parts.append(
            f'<g class="legend-item" data-relation="{_t(relation)}"><line x1="{x}" y1="{y}" '
            f'x2="{x + 40}" y2="{y}" stroke="{colour}" stroke-width="1.6"{attrs}/>'
            f'<text class="legend" x="{x + 48}" y="{y + 4}" font-size="12">{_t(label)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
