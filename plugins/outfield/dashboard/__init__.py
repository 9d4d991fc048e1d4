"""红包码看板: the weekly red-packet funnel dashboard, as files the DAG writes and the web side serves.

- ``files``   where the dashboards live under the data folder, the index of weeks (cheap: no plotly)
- ``render``  the self-contained HTML page of a week (plotly, plotly.js inlined) and the chart-only page
- ``browser`` headless Chromium: PNG screenshots of a page (for Slack), when a Chromium is installed
- ``app``     the FastAPI app the Airflow UI plugin (``plugins/outfield_ui_plugin.py``) mounts: it
              serves the files only, and never opens the warehouse (DuckDB allows one writer)
"""
