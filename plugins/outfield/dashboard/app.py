"""The web side of 红包码看板: a FastAPI app that the Airflow API server mounts at ``/outfield``.

It serves the files the DAG wrote under ``<OUTFIELD_DATA_DIR>/dashboards/redpacket/`` and nothing
else: it never opens the warehouse (DuckDB allows one writing process; the UI must not hold it).

Authentication: plugin endpoints are not protected by Airflow by default, so every route depends on
Airflow's own ``requires_access_dag("GET", dag_id="redpacket_funnel_weekly")``: the caller must be a
logged-in Airflow user (JWT as ``Authorization: Bearer`` header or, for the browser and the UI's
iframe, the ``_token`` cookie the UI sets at login) who may read that DAG. Anonymous → 401, a bad
token → 403, a user without access to the DAG → 403.

Routes (under the mount point ``/outfield``):

- ``/redpacket/`` (and ``/redpacket/index.html``): the weeks available, newest first
- ``/redpacket/<week_start>.html``: one week's dashboard (``week_start`` a Monday, YYYY-MM-DD)
- ``/redpacket/latest``: redirect to the newest week
- ``/redpacket/weeks.json``: the index as JSON
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from outfield.dashboard import files

PIPELINE = "redpacket_funnel_weekly"
SECURITY_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # the pages need no network; only the Airflow UI (same origin) may frame them
    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                               "img-src data: blob:; font-src data:; frame-ancestors 'self'",
}


def _auth_dependency() -> Any:
    from airflow.api_fastapi.core_api.security import requires_access_dag

    return Depends(requires_access_dag("GET", param_dag_id=PIPELINE))


def _secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def create_app() -> FastAPI:
    app = FastAPI(title="outfield dashboards", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[_auth_dependency()])

    @app.get("/redpacket", include_in_schema=False)
    def redpacket_root() -> Response:
        # relative links on the index need the trailing slash; a relative Location keeps any proxy prefix
        return _secure(RedirectResponse("redpacket/", status_code=307))

    @app.get("/redpacket/", response_class=HTMLResponse)
    @app.get("/redpacket/index.html", response_class=HTMLResponse)
    def index() -> Response:
        return _secure(HTMLResponse(files.render_index_html(files.read_index())))

    @app.get("/redpacket/weeks.json")
    def weeks() -> Response:
        return _secure(JSONResponse({"weeks": files.read_index()}))

    @app.get("/redpacket/latest")
    def latest() -> Response:
        entries = files.read_index()
        if not entries:
            raise HTTPException(404, "No dashboard yet: run redpacket_funnel_weekly first")
        return _secure(RedirectResponse(f"{entries[0]['week_start']}.html", status_code=307))

    @app.get("/redpacket/{week}.html")
    def week_page(week: str) -> Response:
        day = files.valid_week(week)
        if day is None:
            raise HTTPException(404, "Not a week: use the Monday of the ISO week, YYYY-MM-DD")
        path = files.dashboards_dir(create=False) / f"{day.isoformat()}.html"
        if not path.is_file():
            raise HTTPException(404, f"No dashboard for the week of {day.isoformat()}")
        return _secure(FileResponse(path, media_type="text/html; charset=utf-8"))

    return app

