"""outfield: shared code of the consumer-credit analytics team's Airflow deployment.

Airflow puts ``plugins/`` on ``sys.path``, so DAG files import ``outfield.<module>``.
Nothing here may do heavy work at import time: DAG files import it while being parsed.
"""
