"""The synthetic demo warehouse: the six source tables of the spec, with realistic dirt.

``generate(wh, users=..., days=..., end=..., seed=...)`` writes ``dim_user``, ``dim_store``,
``fact_trial``, ``fact_txn``, ``fact_order`` and ``fact_redpacket_event`` into a
:class:`~outfield.warehouse.Warehouse` (dropping and recreating them from
``include/sql/schema/sources.sql``) and returns a summary dict. From the command line::

    PYTHONPATH=plugins python -m outfield.demo --users 20000 --days 60 --end 2026-06-10 --seed 42 \\
        [--duckdb PATH | --postgres CONNINFO [--schema S]]

(with neither, the Airflow connection ``warehouse``). The same arguments give the same rows.

At scale (``generate(..., trials_per_user_day=1/24)`` for 10 M users and 50 M trials, see
``benchmarks/``), a window of more than ``PART_TRIALS`` (2 M) trials is generated in parts of whole
days, each appended and committed in time order: memory stays bounded (~3 GB at 10 M users) and the
fact tables are stored ordered by their timestamps (DuckDB's zone maps then skip the other days).
Below that size the rows are exactly those of the one-piece generator.

The world
---------
Merchants (``merchant_id`` / ``merchant_name``): ``M_APPLE`` Apple (171 offline stores), ``M_LENOVO``
联想, ``M_ZIROOM`` 自如, ``M_DJI`` 大疆, ``M_VIVO`` vivo, ``M_7FRESH`` 七鲜 (offline stores and
``online`` ones) and ``M_DAOJIA`` 到家 (on-demand delivery, online only). About 430 stores,
``shop_id`` ``S000001``..., store names like ``Apple 三里屯店``, ``到家 北京国贸站``.
Ids: ``U00000001`` (user_pin), ``TR0000000001`` (trial), ``TX...`` (txn), ``OD...`` (order),
``EV...`` (red-packet event), ``RP_S000123_1`` (red-packet code). Phones are 11 digits starting
13x/15x/18x, 3 % null; 8 % of users never activated Baitiao, most activated within two years before
the window, ~6 % inside it (those do not shop in the window).

City convention (as in ``include/reference/china_admin_divisions.csv``): ``dim_store.city`` is the
official name of the prefecture-level division without a trailing ``市`` (``北京``, ``深圳``,
``吉林``); an autonomous prefecture keeps its full name (``延边朝鲜族自治州``); never a county-level
city (``江苏省苏州市昆山市...`` is ``苏州``, ``四川省凉山彝族自治州西昌市...`` is ``凉山彝族自治州``).
Addresses carry province + city + district (``广东省深圳市南山区深南大道9668号``,
``吉林省吉林市船营区...``), some municipal ones without ``市`` (``北京朝阳区...``); a few are
district-only (``朝阳区建国路88号``: no city recoverable). See ``reference.py``.

Business shape (see ``generator.py`` for the exact recipe): about one trial per user every six days;
Saturdays and Sundays 30 % busier; ~77 % of sessions at offline stores; ~10 % of trials rejected
(``额度不足``, ``风控拦截``, ``逾期记录``, ``多头借贷``); 10-15 % of passing offline (user, merchant)
pairs of a day do not convert (willingness churn), the others get a ``success`` txn and an order the
same day; some users trial 2-3 times; some failed/cancelled txns; 1 % of orders with ``txn_id``
null; gross margin a few % of the amount. Red-packet codes at 60 % of Apple's stores and 25 % of the
other offline stores: scans (25 % of walk-by scans anonymous), claims (10 % of the claims that lead to
a trial come from a shared link, without a scan), redeems on the claimer's order at that shop.

Injected defects (also in the returned summary, ``summary["defects"]``)
--------------------------------------------------------------------
Day offsets are relative to ``end`` and clamped into the window; ``end`` itself is clean.

1. ``txn_loss`` on end-9: fact_txn lost every row at 4 busy offline shops; their orders are kept
   (``txn_id`` pointing at missing txns), so on those shop-days ordering users > transacting users.
2. ``duplicate_rows`` on end-5: 6 fact_trial rows and 4 fact_order rows repeated exactly;
   ``duplicate_store``: 2 dim_store shops repeated with identical content.
3. ``bad_trial_rows`` on end-6: 4 fact_trial rows with a null user_pin, 3 at shops missing from
   dim_store (``S990001``, ``S990002``).
4. ``missing_city``: Apple stores with a null, ``''`` or ``'  '`` city carrying ~20 % of Apple's order
   amount: 3 of them have a district-only address (~7 % of Apple's amount, unresolvable), the others
   (~13 %) an address the city can be recovered from.
"""

from outfield.demo.generator import SOURCE_COLUMNS, SOURCE_TABLES, DemoError, build, generate, load

__all__ = ["SOURCE_COLUMNS", "SOURCE_TABLES", "DemoError", "build", "generate", "load"]
