#!/usr/bin/env bash
# make demo: the embedded default (DuckDB warehouse, SQLite metadata, LocalExecutor) with demo data.
# Called by the Makefile, which exports AIRFLOW_HOME, the folders and the warehouse connection.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$PWD/.venv/bin"
export PATH="$BIN:$PATH"
mkdir -p "$AIRFLOW_HOME" "$OUTFIELD_DATA_DIR"

# Yesterday in Asia/Shanghai is the business date of today's 08:00 run.
read -r YESTERDAY LOGICAL <<<"$(python - <<'PY'
import pendulum
now = pendulum.now("Asia/Shanghai")
print(now.subtract(days=1).to_date_string(), now.start_of("day").add(hours=8).in_timezone("UTC").to_iso8601_string())
PY
)"

echo "== 1/4 demo warehouse (data up to $YESTERDAY) -> $OUTFIELD_DATA_DIR/warehouse.duckdb"
python -m outfield.demo --users "${DEMO_USERS:-20000}" --days "${DEMO_DAYS:-60}" --end "$YESTERDAY" --seed 42

echo "== 2/4 Airflow metadata (SQLite)"
airflow db migrate >/dev/null
# No 'airflow pools set': the scheduler creates the one-slot warehouse pool itself (outfield.pools).

# Login: SimpleAuthManager user admin; its password is generated once and kept in AIRFLOW_HOME.
PASSWORDS="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
[ -s "$PASSWORDS" ] || python -c "import json,secrets; print(json.dumps({'admin': secrets.token_urlsafe(12)}))" >"$PASSWORDS"

echo "== 3/4 data_calibration_daily, then churn_callback_daily, for business date $YESTERDAY (logical date $LOGICAL)"
OUTFIELD_DEADLINE_ALERTS=off airflow dags test data_calibration_daily "$LOGICAL" >"$AIRFLOW_HOME/demo-calibration-run.log" 2>&1 \
  || { echo "the demo calibration run failed; see $AIRFLOW_HOME/demo-calibration-run.log"; tail -30 "$AIRFLOW_HOME/demo-calibration-run.log"; exit 1; }
airflow dags reserialize >/dev/null 2>&1 || true
OUTFIELD_DEADLINE_ALERTS=off airflow dags test churn_callback_daily "$LOGICAL" >"$AIRFLOW_HOME/demo-churn-run.log" 2>&1 \
  || { echo "the demo run failed; see $AIRFLOW_HOME/demo-churn-run.log"; tail -30 "$AIRFLOW_HOME/demo-churn-run.log"; exit 1; }
TODAY=$(python -c 'import pendulum; print(pendulum.now("Asia/Shanghai").to_date_string())')
echo "   crowd build of campaign c618_dandan_fan as of $YESTERDAY and $TODAY (the second shows changes)"
for d in "$YESTERDAY" "$TODAY"; do
  OUTFIELD_DEADLINE_ALERTS=off airflow dags test campaign_crowd_c618_dandan_fan -c "{\"as_of_date\": \"$d\"}" \
    >>"$AIRFLOW_HOME/demo-crowd-run.log" 2>&1 \
    || { echo "the demo crowd build failed; see $AIRFLOW_HOME/demo-crowd-run.log"; tail -30 "$AIRFLOW_HOME/demo-crowd-run.log"; exit 1; }
done
echo "   crowd:   $OUTFIELD_DATA_DIR/exports/crowds/c618_dandan_fan/$TODAY.csv"
read -r LAST_SUNDAY PREV_SUNDAY <<<"$(python - <<'PY'
import datetime as dt, pendulum
today = pendulum.now("Asia/Shanghai").date()
last = today - dt.timedelta(days=today.isoweekday())   # the Sunday that closed the last complete ISO week
print(last.isoformat(), (last - dt.timedelta(days=7)).isoformat())
PY
)"
echo "   红包码看板 for the weeks ending $PREV_SUNDAY and $LAST_SUNDAY, then the 周报 of the last one"
for d in "$PREV_SUNDAY" "$LAST_SUNDAY"; do
  OUTFIELD_DEADLINE_ALERTS=off airflow dags test redpacket_funnel_weekly -c "{\"business_date\": \"$d\"}" \
    >>"$AIRFLOW_HOME/demo-redpacket-run.log" 2>&1 \
    || { echo "the demo funnel run failed; see $AIRFLOW_HOME/demo-redpacket-run.log"; tail -30 "$AIRFLOW_HOME/demo-redpacket-run.log"; exit 1; }
done
OUTFIELD_DEADLINE_ALERTS=off airflow dags test weekly_report -c "{\"business_date\": \"$LAST_SUNDAY\"}" \
  >"$AIRFLOW_HOME/demo-weekly-report.log" 2>&1 \
  || { echo "the demo weekly report failed; see $AIRFLOW_HOME/demo-weekly-report.log"; tail -30 "$AIRFLOW_HOME/demo-weekly-report.log"; exit 1; }
echo "   dashboard: http://localhost:8080/plugin/redpacket-funnel (files: $OUTFIELD_DATA_DIR/dashboards/redpacket/)"
echo "   report:    $OUTFIELD_DATA_DIR/reports/weekly/"
for d in $(airflow dags list -o plain 2>/dev/null | awk 'NR>1{print $1}'); do airflow dags unpause "$d" >/dev/null 2>&1 || true; done
echo "   export:  $OUTFIELD_DATA_DIR/exports/churn_callback_list/$YESTERDAY.csv"
echo "   outbox:  $OUTFIELD_DATA_DIR/alerts/outbox.jsonl (Slack is not connected: alerts land here)"

echo "== 4/4 Airflow on http://localhost:8080  (login: admin / $(python -c "import json;print(json.load(open('$PASSWORDS'))['admin'])"))"
echo "   Ctrl-C stops everything."
# The weekly report reads run history through the REST API with this connection (read-only use).
export AIRFLOW_CONN_AIRFLOW_API="$(python -c "import json; print(json.dumps({'conn_type':'http','host':'http://localhost:8080','login':'admin','password':json.load(open('$PASSWORDS'))['admin']}))")"
# Airflow runs in its own session: on Ctrl-C (or any exit) the whole group is stopped, including
# the LocalExecutor workers the scheduler may still spawn while shutting down.
setsid airflow standalone &
AIRFLOW_PID=$!
stop_airflow() {
  # Kill first, talk after: whoever started us may be gone already (a closed pipe), and under set -e
  # a failed echo would end this script with Airflow still running.
  trap '' INT TERM HUP PIPE && trap - EXIT
  set +e
  kill -TERM -"$AIRFLOW_PID" 2>/dev/null
  echo "stopping Airflow (process group $AIRFLOW_PID) ..." 2>/dev/null
  for _ in $(seq 1 40); do kill -0 -"$AIRFLOW_PID" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -"$AIRFLOW_PID" 2>/dev/null || true
  sleep 1
  kill -KILL -"$AIRFLOW_PID" 2>/dev/null || true
  exit 0
}
trap stop_airflow INT TERM HUP EXIT
wait "$AIRFLOW_PID"
