"""Charts as Vega-Lite specifications, rendered to SVG on the server by vl-convert.

vl-convert (PyPI ``vl-convert-python``) embeds Vega and Vega-Lite themselves, so the
browser gets finished SVG: no chart script, nothing fetched. Right-to-left reading is
the specification's job: the category axis runs from the right (``scale.reverse``), the
value axis stands on the right, and numbers go through d3-format's locale with Persian
numerals and separators. Jalali months arrive as ready labels in time order.

Each chart is served beside a table of the same figures (see the templates).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import vl_convert

__all__ = ["FONT_DIR", "bar_chart", "grouped_bar_chart"]

FONT_DIR = Path(__file__).parent / "static" / "fonts"
_FONT = "Vazirmatn"

_FA_NUMBERS: dict[str, Any] = {
    "decimal": "\u066b",
    "thousands": "\u066c",
    "grouping": [3],
    "currency": ["", ""],
    "numerals": list("۰۱۲۳۴۵۶۷۸۹"),
    "percent": "٪",
    "minus": "−",
}
_EN_NUMBERS: dict[str, Any] = {
    "decimal": ".",
    "thousands": ",",
    "grouping": [3],
    "currency": ["", ""],
}

_fonts_registered = False


def _register_fonts() -> None:
    """Let vl-convert measure text in Vazirmatn (the TTF shipped beside the web fonts)."""
    global _fonts_registered
    if not _fonts_registered:
        vl_convert.register_font_directory(str(FONT_DIR))
        _fonts_registered = True


def _config() -> dict[str, Any]:
    return {
        "font": _FONT,
        "background": "#ffffff",
        "view": {"stroke": None},
        "axis": {
            "labelFontSize": 12,
            "titleFontSize": 13,
            "labelColor": "#1f2933",
            "titleColor": "#1f2933",
            "gridColor": "#d9dee3",
        },
        "legend": {"labelFontSize": 12, "titleFontSize": 13, "orient": "bottom"},
        "range": {"category": ["#0b5394", "#b45f06", "#38761d", "#741b47", "#134f5c", "#7f6000"]},
    }


@lru_cache(maxsize=256)
def _render(spec_json: str, lang: str) -> str:
    _register_fonts()
    locale = _FA_NUMBERS if lang == "fa" else _EN_NUMBERS
    svg: str = vl_convert.vegalite_to_svg(json.loads(spec_json), format_locale=locale)
    return svg


def _svg(spec: dict[str, Any], lang: str) -> str:
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", **spec}
    spec["config"] = _config()
    return _render(json.dumps(spec, ensure_ascii=False, sort_keys=True), lang)


def bar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    x_title: str,
    y_title: str,
    lang: str,
    description: str,
    width: int = 320,
    horizontal: bool = False,
) -> str:
    """Bars of labelled values. Upright, the categories read from the right in Persian;
    lying down (many categories), the labels stand on the right and the bars grow leftwards."""
    rtl = lang == "fa"
    values = [{"label": label, "value": value, "order": i} for i, (label, value) in enumerate(rows)]
    category: dict[str, Any] = {
        "field": "label",
        "type": "nominal",
        "sort": {"field": "order"},
        "title": x_title,
    }
    amount: dict[str, Any] = {
        "field": "value",
        "type": "quantitative",
        "title": y_title,
        "axis": {"format": ",d", "tickMinStep": 1},
    }
    if horizontal:
        category["axis"] = {"orient": "right" if rtl else "left", "labelLimit": 160}
        amount["scale"] = {"reverse": rtl}
        encoding = {"y": category, "x": amount}
        height = 18 * max(len(rows), 1)
    else:
        category["scale"] = {"reverse": rtl}
        category["axis"] = {"labelAngle": 0, "labelLimit": 110}
        amount["axis"]["orient"] = "right" if rtl else "left"
        encoding = {"x": category, "y": amount}
        height = 180
    return _svg(
        {
            "description": description,
            "width": width,
            "height": height,
            "data": {"values": values},
            "mark": {"type": "bar", "color": "#0b5394", "tooltip": False},
            "encoding": encoding,
        },
        lang,
    )


def grouped_bar_chart(
    rows: Sequence[tuple[str, str, float]],
    *,
    x_title: str,
    y_title: str,
    series_title: str,
    lang: str,
    description: str,
    width: int = 520,
) -> str:
    """Bars per series side by side within ordered categories (Jalali months); in Persian
    the first month stands on the right."""
    rtl = lang == "fa"
    order = {label: i for i, label in enumerate(dict.fromkeys(x for x, _, _ in rows))}
    values = [{"x": x, "series": s, "value": v, "order": order[x]} for x, s, v in rows]
    return _svg(
        {
            "description": description,
            "width": width,
            "height": 200,
            "data": {"values": values},
            "mark": {"type": "bar", "tooltip": False},
            "encoding": {
                "x": {
                    "field": "x",
                    "type": "ordinal",
                    "sort": {"field": "order"},
                    "scale": {"reverse": rtl, "paddingInner": 0.3},
                    "title": x_title,
                    "axis": {"labelAngle": 0},
                },
                "xOffset": {"field": "series", "type": "nominal", "scale": {"reverse": rtl}},
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": y_title,
                    "axis": {
                        "orient": "right" if rtl else "left",
                        "format": ",d",
                        "tickMinStep": 1,
                    },
                },
                "color": {
                    "field": "series",
                    "type": "nominal",
                    "title": series_title,
                    "legend": {"direction": "vertical", "labelLimit": 260},
                },
            },
        },
        lang,
    )
