"""The Airflow UI plugin on a real ``airflow api-server``: mounted, listed, and closed to anonymous users.

Plugin endpoints are not protected by Airflow by default; ours depend on Airflow's own
``requires_access_dag`` (see outfield.dashboard.app). The UI loads the external view in an iframe, so
the ``_token`` cookie must work as well as the ``Authorization: Bearer`` header.
"""

from __future__ import annotations

import json

import httpx
import pytest

WEEK = "2026-06-08"
PAGE = "<!DOCTYPE html><html><body><h1 id='marker'>red-packet week 2026-W24</h1></body></html>"


@pytest.fixture(scope="module")
def server(api_server):
    folder = api_server.data_dir / "dashboards" / "redpacket"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{WEEK}.html").write_text(PAGE, encoding="utf-8")
    (folder / "index.json").write_text(json.dumps({"weeks": [{"week_start": WEEK, "shops": 5, "claim_users": 12,
                                                              "order_users": 4, "conversion": 1 / 3, "gmv": 1.0}]}),
                                       encoding="utf-8")
    (folder / "secret.txt").write_text("not served", encoding="utf-8")
    return api_server


PATHS = ["/outfield/redpacket/", f"/outfield/redpacket/{WEEK}.html", "/outfield/redpacket/weeks.json",
         "/outfield/redpacket/latest", "/outfield/redpacket/index.html"]


@pytest.mark.parametrize("path", PATHS)
def test_anonymous_request_is_refused(server, path):
    resp = httpx.get(server.url + path, follow_redirects=False, timeout=10)
    assert resp.status_code == 401, (path, resp.status_code, resp.text[:200])
    assert "red-packet week" not in resp.text


def test_forged_token_is_refused(server):
    for headers, cookies in (({"Authorization": "Bearer not-a-jwt"}, None), (None, {"_token": "not-a-jwt"})):
        resp = httpx.get(f"{server.url}/outfield/redpacket/{WEEK}.html", headers=headers, cookies=cookies, timeout=10)
        assert resp.status_code in (401, 403), resp.status_code
        assert "red-packet week" not in resp.text


@pytest.mark.parametrize("user", ["admin", "viewer"])
def test_bearer_token_opens_the_dashboard(server, user):
    headers = {"Authorization": f"Bearer {server.token(user)}"}
    index = httpx.get(f"{server.url}/outfield/redpacket/", headers=headers, timeout=10)
    assert index.status_code == 200
    assert f'href="{WEEK}.html"' in index.text and "2026-W24" in index.text
    page = httpx.get(f"{server.url}/outfield/redpacket/{WEEK}.html", headers=headers, timeout=10)
    assert page.status_code == 200 and page.text == PAGE
    assert page.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    assert "no-store" in page.headers["cache-control"]
    weeks = httpx.get(f"{server.url}/outfield/redpacket/weeks.json", headers=headers, timeout=10).json()
    assert [w["week_start"] for w in weeks["weeks"]] == [WEEK]
    latest = httpx.get(f"{server.url}/outfield/redpacket/latest", headers=headers, follow_redirects=False, timeout=10)
    assert latest.status_code == 307 and latest.headers["location"] == f"{WEEK}.html"


def test_cookie_token_works_as_in_the_ui_iframe(server):
    with httpx.Client(base_url=server.url, cookies={"_token": server.token()}, timeout=10) as client:
        resp = client.get("/outfield/redpacket", follow_redirects=True)  # the nav href, slash added
        assert resp.status_code == 200 and f'href="{WEEK}.html"' in resp.text
        assert str(resp.url).endswith("/outfield/redpacket/")
        assert client.get(f"/outfield/redpacket/{WEEK}.html").text == PAGE


@pytest.mark.parametrize("path", ["/outfield/redpacket/2026-06-09.html",  # not a Monday
                                  "/outfield/redpacket/2026-06-15.html",  # no such week yet
                                  "/outfield/redpacket/secret.txt",
                                  "/outfield/redpacket/..%2Fsecret.txt",
                                  "/outfield/redpacket/..%2F..%2F..%2Fetc%2Fpasswd.html"])
def test_only_week_pages_are_served(server, path):
    resp = httpx.get(server.url + path, headers={"Authorization": f"Bearer {server.token()}"}, timeout=10)
    assert resp.status_code == 404, (path, resp.status_code)
    assert "not served" not in resp.text


def test_nav_entry_is_registered(server):
    resp = httpx.get(f"{server.url}/api/v2/plugins", headers={"Authorization": f"Bearer {server.token()}"},
                     timeout=10)
    assert resp.status_code == 200
    [plugin] = [p for p in resp.json()["plugins"] if p["name"] == "outfield_ui"]
    [view] = plugin["external_views"]
    assert view["name"] == "红包码看板 Red-packet funnel"
    assert view["href"] == "/outfield/redpacket/" and view["url_route"] == "redpacket-funnel"
    assert view["destination"] == "nav"
    assert plugin["fastapi_apps"][0]["url_prefix"] == "/outfield"
