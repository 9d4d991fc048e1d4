"""Airflow UI plugin of outfield: the 红包码看板 (red-packet funnel) dashboards inside the Airflow UI.

A top-level file on purpose: Airflow's plugin manager imports every .py file under plugins/ as a
top-level module, and plugins/.airflowignore keeps it out of the ``outfield`` package. It stays tiny
and cheap to import (every Airflow process loads plugins): the FastAPI app in
``outfield.dashboard.app`` is built on the first request, in the API server only.

- ``fastapi_apps``: mounted by the API server at ``/outfield``; every route requires a logged-in
  Airflow user allowed to read the ``redpacket_funnel_weekly`` DAG (see ``outfield.dashboard.app``).
- ``external_views``: a top-level nav entry "红包码看板 Red-packet funnel"; the UI shows ``/outfield/redpacket/``
  in an iframe at ``/plugin/redpacket-funnel`` (the browser sends the UI's ``_token`` cookie).
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin


class _LazyDashboardApp:
    """ASGI app that imports and builds ``outfield.dashboard.app.create_app()`` on its first request."""

    def __init__(self) -> None:
        self._app = None

    async def __call__(self, scope, receive, send) -> None:
        if self._app is None:
            from outfield.dashboard.app import create_app

            self._app = create_app()
        await self._app(scope, receive, send)


class OutfieldUIPlugin(AirflowPlugin):
    name = "outfield_ui"
    fastapi_apps = [
        {"app": _LazyDashboardApp(), "url_prefix": "/outfield", "name": "outfield dashboards"},
    ]
    external_views = [
        {
            "name": "红包码看板 Red-packet funnel",
            "href": "/outfield/redpacket/",
            "url_route": "redpacket-funnel",
            "destination": "nav",
            "nav_top_level": True,  # its own item in the UI's left navigation, not under "Plugins"
        },
    ]
