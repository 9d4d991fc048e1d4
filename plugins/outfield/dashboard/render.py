"""The week's dashboard page: plotly charts and a filterable table, in one self-contained HTML file.

plotly.js is inlined once per page (no CDN: the dashboards must open on machines without internet),
and a Content-Security-Policy meta tag forbids every network fetch, so a page that would need one
fails loudly in the browser test instead of silently in front of a merchant manager.

Charts (plotly 7, a maintained library):
1. funnel by merchant (stacked funnel of the six stages; the "main chart", also sent to Slack as PNG)
2. the stores with the best and worst claim-to-order conversion (enough claimers only)
3. week-over-week trend per merchant: claimers and claim-to-order conversion
then every shop's row with filters (merchant, city, search, minimum claimers), sorting and CSV download.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from outfield import redpacket
from outfield.dashboard.files import _jinja

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"]}
PALETTE = ["#e4572e", "#2e86ab", "#f3a712", "#29335c", "#669bbc", "#a8c686", "#8f2d56", "#3d5a80",
           "#ee6c4d", "#588157", "#b5838d", "#6d597a"]
FONT = '-apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'
MAX_FUNNEL_MERCHANTS = 10


def stage_labels() -> list[str]:
    return [f"{zh} {en}" for _, zh, en in redpacket.STAGES]


def merchant_colors(names: Sequence[str]) -> dict[str, str]:
    """A stable colour per merchant (sorted by name, so a merchant keeps its colour week to week)."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted(set(names)))}


def _layout(fig: Any, title: str, height: int) -> None:
    fig.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 17}},
        template="plotly_white", height=height, font={"family": FONT, "size": 13},
        margin={"l": 40, "r": 30, "t": 70, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0.01},
        paper_bgcolor="#ffffff",
    )


def funnel_figure(merchants: Sequence[Mapping[str, Any]], colors: Mapping[str, str], title: str,
                  *, ascii_labels: bool = False) -> Any:
    """Stacked funnel: one trace per merchant (largest first), the six stages top to bottom.

    ``ascii_labels``: merchant ids and English stage names only (for a PNG rendered on a machine
    without a CJK font, where Chinese text would come out as empty boxes).
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    labels = [en for _, _, en in redpacket.STAGES] if ascii_labels else stage_labels()
    for m in list(merchants)[:MAX_FUNNEL_MERCHANTS]:
        name = str(m["merchant_id"] if ascii_labels else m["merchant_name"])
        fig.add_trace(go.Funnel(
            name=name, y=labels, x=[int(m[c]) for c, _, _ in redpacket.STAGES],
            marker={"color": colors.get(str(m["merchant_name"]), "#888888")},
            textinfo="value", textposition="inside", constraintext="both",
            hovertemplate=f"<b>{_esc(name)}</b><br>%{{y}}: %{{x:,}} users<br>%{{percentPrevious:.1%}} of the "
                          "previous stage<br>%{percentInitial:.1%} of scanned<extra></extra>",
        ))
    if not fig.data:
        _empty(fig, "No shop had a scan or a claim this week")
    _layout(fig, title, 520)
    fig.update_layout(funnelmode="stack", yaxis={"automargin": True})
    return fig


def ranking_figure(rank: Mapping[str, Any], colors: Mapping[str, str]) -> Any:
    """Two horizontal bar charts: best and worst claim-to-order conversion."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    best, worst = list(rank.get("best") or []), list(rank.get("worst") or [])
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.28,
                        subplot_titles=(f"Best {len(best)} 转化最好", f"Worst {len(worst)} 转化最差"))
    for col, stores, color in ((1, best, "#2a9d8f"), (2, worst, "#e76f51")):
        if not stores:
            continue
        fig.add_trace(go.Bar(
            orientation="h",
            y=[f"{s.get('store_name') or '(unknown store)'} · {s['shop_id']}" for s in stores],
            x=[round(100 * (s["conversion"] or 0.0), 1) for s in stores],
            text=[f"{100 * (s['conversion'] or 0):.0f}% ({s['order_users']}/{s['claim_users']})" for s in stores],
            textposition="outside", cliponaxis=False, marker={"color": color}, showlegend=False,
            customdata=[[s.get("merchant_name") or "(unknown)", s.get("city") or "—", s["claim_users"],
                         s["order_users"]] for s in stores],
            hovertemplate="<b>%{y}</b><br>%{customdata[0]}, %{customdata[1]}<br>claim→order %{x:.1f}% "
                          "(%{customdata[3]} of %{customdata[2]} claimers)<extra></extra>",
        ), row=1, col=col)
        fig.update_yaxes(autorange="reversed", automargin=True, row=1, col=col)
        fig.update_xaxes(range=[0, 135], tickvals=[0, 25, 50, 75, 100], ticksuffix="%", row=1, col=col)
    title = (f"Stores by claim→order conversion (stores with ≥ {rank.get('min_claimers')} claimers: "
             f"{rank.get('eligible', 0)})")
    if not best and not worst:
        _empty(fig, f"No store had {rank.get('min_claimers')} or more claimers this week")
    _layout(fig, title, max(360, 60 + 34 * max(len(best), len(worst), 1)))
    return fig


def trend_figure(trend: Sequence[Mapping[str, Any]], week_start: dt.date, weeks: int,
                 colors: Mapping[str, str]) -> Any:
    """Claimers and claim-to-order conversion per merchant, for the ``weeks`` weeks ending with W."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    week_list = [week_start - dt.timedelta(days=7 * i) for i in range(weeks - 1, -1, -1)]
    x = [redpacket.iso_label(w) for w in week_list]
    by_merchant: dict[str, dict[str, Mapping[str, Any]]] = {}
    for t in trend:
        name = str(t.get("merchant_name") or t.get("merchant_id") or "(unknown)")
        by_merchant.setdefault(name, {})[str(t["week_start"])] = t
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        subplot_titles=("Claimed users 领取人数 (sum over shops)", "Claim→order conversion 领取→下单"))
    order = sorted(by_merchant, key=lambda n: -sum(int(r.get("claim_users") or 0) for r in by_merchant[n].values()))
    # a week without any red-packet activity at all (e.g. before the data starts) is a gap, not a 0
    active = {str(t["week_start"]) for t in trend}
    for name in order:
        weeks_of = by_merchant[name]
        claims = [int(weeks_of[w.isoformat()]["claim_users"]) if w.isoformat() in weeks_of
                  else (0 if w.isoformat() in active else None) for w in week_list]
        conv = [redpacket.conversion(weeks_of[w.isoformat()]) if w.isoformat() in weeks_of else None
                for w in week_list]
        color = colors.get(name, "#888888")
        fig.add_trace(go.Scatter(x=x, y=claims, name=name, legendgroup=name, mode="lines+markers",
                                 line={"color": color}, hovertemplate=f"{_esc(name)} %{{x}}: %{{y:,}} claimed"
                                                                      "<extra></extra>"), row=1, col=1)
        fig.add_trace(go.Scatter(x=x, y=conv, name=name, legendgroup=name, showlegend=False, mode="lines+markers",
                                 line={"color": color}, connectgaps=False,
                                 hovertemplate=f"{_esc(name)} %{{x}}: %{{y:.1%}}<extra></extra>"), row=2, col=1)
    all_conv = []
    for w in week_list:
        rows = [r for per in by_merchant.values() for k, r in per.items() if k == w.isoformat()]
        all_conv.append(redpacket.totals(rows)["conversion"] if rows else None)
    fig.add_trace(go.Scatter(x=x, y=all_conv, name="All merchants 全部", mode="lines+markers",
                             line={"color": "#111827", "dash": "dash", "width": 3},
                             hovertemplate="All merchants %{x}: %{y:.1%}<extra></extra>"), row=2, col=1)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", row=2, col=1)
    fig.update_yaxes(rangemode="tozero", row=1, col=1)
    _layout(fig, f"Week over week, last {weeks} weeks (derived from source with the table's rules)", 620)
    return fig


def _empty(fig: Any, text: str) -> None:
    fig.add_annotation(text=text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 15, "color": "#6b7280"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)


def _esc(text: str) -> str:
    """Escape for a plotly hovertemplate (``%{...}`` and HTML)."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("{", "&#123;").replace("}", "&#125;"))


def _div(fig: Any, div_id: str) -> str:
    import plotly.io as pio

    return pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOTLY_CONFIG,
                       default_height=f"{fig.layout.height}px")


def plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def model(week_start: dt.date, rows: Sequence[Mapping[str, Any]], trend: Sequence[Mapping[str, Any]],
          *, ranking_min_claimers: int | None = None) -> dict[str, Any]:
    """Everything the page and the digest show, computed once (plain JSON-friendly values)."""
    merchants = redpacket.by_merchant(rows)
    for m in merchants:
        m.pop("roi", None)
    return {
        "week_start": week_start.isoformat(),
        "week_end": (week_start + dt.timedelta(days=6)).isoformat(),
        "iso_week": redpacket.iso_label(week_start),
        "headline": redpacket.headline(list(rows), list(trend), week_start),
        "merchants": merchants,
        "ranking": redpacket.ranking(rows, min_claimers=ranking_min_claimers),
    }


def _fmt_rate(x: float | None) -> str:
    return "" if x is None else f"{x:.1%}"


def render_week_html(week_start: dt.date, rows: Sequence[Mapping[str, Any]], trend: Sequence[Mapping[str, Any]],
                     *, trend_weeks: int, generated_at: str, dm: Mapping[str, Any] | None = None,
                     defects: Mapping[str, int] | None = None, run_link: str | None = None,
                     previous_week: str | None = None) -> str:
    """The whole page of week W as one HTML string (plotly.js inlined)."""
    dm = dm or model(week_start, rows, trend)
    names = [m["merchant_name"] for m in dm["merchants"]]
    names += [str(t.get("merchant_name") or t.get("merchant_id") or "(unknown)") for t in trend]
    colors = merchant_colors(names)
    label = f"{dm['iso_week']} ({dm['week_start']} – {dm['week_end']})"
    charts = {
        "funnel": _div(funnel_figure(dm["merchants"], colors, f"Funnel by merchant 各商户漏斗 — {dm['iso_week']}"),
                       "chart-funnel"),
        "ranking": _div(ranking_figure(dm["ranking"], colors), "chart-ranking"),
        "trend": _div(trend_figure(trend, week_start, trend_weeks, colors), "chart-trend"),
    }
    h = dm["headline"]
    this, prev = h["this"], h["prev"] or {}
    kpis = [
        _kpi("扫码 Scanned users", this["scan_users"], prev.get("scan_users")),
        _kpi("领取 Claimed users", this["claim_users"], prev.get("claim_users")),
        _kpi("领取率 Claim rate", this["claim_rate"], prev.get("claim_rate"), rate=True),
        _kpi("下单 Ordered (claimers)", this["order_users"], prev.get("order_users")),
        _kpi("领取→下单 Conversion", this["conversion"], prev.get("conversion"), rate=True),
        _kpi("GMV (¥)", this["gmv"], prev.get("gmv"), money=True),
        _kpi("红包成本 Red-packet cost (¥)", this["redpacket_cost"], prev.get("redpacket_cost"), money=True),
        _kpi("核销 Redeemed users", this["redeem_users"], prev.get("redeem_users")),
    ]
    table_rows = []
    for r in sorted(rows, key=lambda r: (-int(r["claim_users"]), str(r["shop_id"]))):
        conv = redpacket.conversion(r)
        table_rows.append({
            "merchant": r.get("merchant_name") or "(unknown)", "store": r.get("store_name") or "(unknown store)",
            "shop_id": r["shop_id"], "city": r.get("city") or "",
            "nums": [int(r[c]) for c in redpacket.COUNT_COLUMNS] + [float(r["gmv"]), float(r["redpacket_cost"])],
            "rates": [r.get(c) for c in redpacket.RATE_COLUMNS] + [conv],
        })
    page = _jinja().get_template("redpacket_week.html.j2").render(
        title=f"红包码看板 Red-packet funnel {dm['iso_week']}",
        label=label, dm=dm, kpis=kpis, charts=charts, table_rows=table_rows,
        merchants=sorted({t["merchant"] for t in table_rows}),
        cities=sorted({t["city"] for t in table_rows if t["city"]}),
        fmt_rate=_fmt_rate, generated_at=generated_at, run_link=run_link, previous_week=previous_week,
        defects={k: v for k, v in (defects or {}).items() if v},
        trend_weeks=trend_weeks, plotly_js=plotly_js(),
        data_json=json.dumps({"week_start": dm["week_start"], "shops": len(rows)}),
    )
    return page


def _kpi(label: str, now: Any, before: Any, *, rate: bool = False, money: bool = False) -> dict[str, Any]:
    if now is None:
        value = "n/a"
    elif rate:
        value = f"{now:.1%}"
    elif money:
        value = f"{now:,.0f}"
    else:
        value = f"{int(now):,}"
    if rate and now is not None and before is not None:
        diff = (now - before) * 100
        delta, up = f"{'+' if diff >= 0 else ''}{diff:.1f} pts WoW", diff >= 0
    else:
        c = redpacket.change(now, before)
        delta, up = ("", True) if c is None else (f"{'+' if c >= 0 else ''}{c:.0%} WoW", c >= 0)
    return {"label": label, "value": value, "delta": delta, "up": up}


def chart_only_html(fig: Any, width: int = 1200, height: int = 640) -> str:
    """A page with just one static chart at a fixed size (what the PNG screenshot is taken of)."""
    import plotly.io as pio

    fig = fig.update_layout(width=width, height=height)
    body = pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id="chart",
                       config={"staticPlot": True, "displayModeBar": False})
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; "
            "style-src 'unsafe-inline'; img-src data: blob:; font-src data:\">"
            "<style>html,body{margin:0;background:#fff}</style>"
            f"<script>{plotly_js()}</script></head><body>{body}</body></html>")
