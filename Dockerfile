# The outfield image: the official Airflow image plus the project's pinned lock.
# requirements.txt is the complete lock (uv pip compile, Python 3.11); apache-airflow inside it is
# pinned to the same 3.3.2 as the base image, so installing it changes nothing of Airflow itself.
FROM apache/airflow:3.3.2-python3.11

COPY --chown=airflow:0 requirements.txt /opt/outfield/requirements.txt
RUN pip install --no-cache-dir -r /opt/outfield/requirements.txt

# dags/, plugins/ and include/ are mounted by docker-compose.yaml; copied here too so that the image
# runs on its own (e.g. in Kubernetes) with the same layout.
COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 plugins /opt/airflow/plugins
COPY --chown=airflow:0 include /opt/airflow/include
ENV OUTFIELD_DATA_DIR=/opt/airflow/data \
    PYTHONPATH=/opt/airflow/plugins:/opt/airflow
