"""Small charts drawn on the server as inline SVG: no JavaScript chart library, nothing to load."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Colours of run statuses and connector health, the same as the badges in admin.css.
COLOURS = {
    "succeeded": "#1d7a46",
    "fresh": "#1d7a46",
    "partial": "#d18b00",
    "late": "#d18b00",
    "failed": "#b42318",
    "failing": "#b42318",
    "running": "#1565c0",
    "queued": "#7aa7e0",
    "never": "#3b5bdb",
    "paused": "#8a94a3",
    "cancelled": "#8a94a3",
}
_WIDTH = 640
_AXIS = "#dfe4ec"
_TEXT = "#5d6b7e"


@dataclass(frozen=True, slots=True)
class Series:
    """One stacked series: its key in each column's counts, its legend label, and its colour."""

    key: str
    label: str

    @property
    def colour(self) -> str:
        """The series' colour, shared with the page's badges."""
        return COLOURS.get(self.key, "#5d6b7e")


def _legend(series: Sequence[Series]) -> str:
    items = "".join(f'<span style="--swatch:{s.colour}">{escape(s.label)}</span>' for s in series)
    return f'<div class="legend">{items}</div>'


def stacked_columns(
    columns: Sequence[tuple[str, Mapping[str, int]]],
    series: Sequence[Series],
    *,
    title: str,
    height: int = 170,
    label_every: int = 1,
) -> Markup:
    """Columns of stacked counts (e.g. runs per hour by status) with a legend. Every segment
    carries a tooltip with its exact number, and the chart an accessible title."""
    top, bottom, left = 10, 22, 34
    plot_h = height - top - bottom
    peak = max((sum(c.get(s.key, 0) for s in series) for _, c in columns), default=0) or 1
    slot = (_WIDTH - left) / max(len(columns), 1)
    bar_w = max(slot * 0.72, 1.0)
    parts = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{_WIDTH}" y2="{top + plot_h}" '
        f'stroke="{_AXIS}"/>',
        f'<text x="{left - 6}" y="{top + 8}" text-anchor="end" font-size="10" '
        f'fill="{_TEXT}">{peak}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="10" '
        f'fill="{_TEXT}">0</text>',
    ]
    for i, (label, counts) in enumerate(columns):
        x = left + i * slot + (slot - bar_w) / 2
        y = float(top + plot_h)
        for s in series:
            n = counts.get(s.key, 0)
            if not n:
                continue
            h = plot_h * n / peak
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{s.colour}"><title>{escape(label)}: {n} {escape(s.label)}</title></rect>'
            )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - 6}" text-anchor="middle" '
                f'font-size="10" fill="{_TEXT}">{escape(label)}</text>'
            )
    svg = (
        f'<svg viewBox="0 0 {_WIDTH} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )
    return Markup(f'<div class="chart">{svg}{_legend(series)}</div>')


def horizontal_bars(rows: Sequence[tuple[str, int, str]], *, title: str, unit: str = "") -> Markup:
    """One labelled bar per row (label, value, colour key), longest first as given; the value
    is written beside each bar so nobody has to read it off an axis."""
    row_h, label_w, value_w = 24, 130, 120
    height = max(len(rows), 1) * row_h + 4
    peak = max((value for _, value, _ in rows), default=0) or 1
    span = _WIDTH - label_w - value_w
    parts = []
    for i, (label, value, colour_key) in enumerate(rows):
        y = i * row_h + 4
        w = max(span * value / peak, 1.0 if value else 0.0)
        colour = COLOURS.get(colour_key, colour_key)
        text = f"{value:,}{' ' + unit if unit else ''}"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end" font-size="11" '
            f'fill="#1c2533">{escape(label[:28])}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 8}" rx="3" '
            f'fill="{colour}"><title>{escape(label)}: {escape(text)}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 13}" font-size="11" '
            f'fill="{_TEXT}">{escape(text)}</text>'
        )
    svg = (
        f'<svg viewBox="0 0 {_WIDTH} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )
    return Markup(f'<div class="chart">{svg}</div>')
