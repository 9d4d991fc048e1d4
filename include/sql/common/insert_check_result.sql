-- One row of dq_check_results (values bound; the caller deletes the check's rows for the date first).
INSERT INTO dq_check_results (check_name, business_date, subject, metric, value, threshold, status, detail, checked_at)
VALUES (:check_name, CAST(:business_date AS DATE), :subject, :metric, :value, :threshold, :status, :detail,
        CAST(:checked_at AS TIMESTAMP))
