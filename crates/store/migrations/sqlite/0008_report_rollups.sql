-- Sums of the daily counters by month (all keys), and by day, month and year without the
-- procedure (the per-unit reports and the stock "still in progress" need only these), kept in
-- the same transaction as report_counts. A quarter's report for every unit then reads a few
-- thousand rows whatever the number of dossiers; what was carried over from three years reads
-- three year rows per unit, not a thousand day rows.
CREATE TABLE report_months (
    month     TEXT NOT NULL,    -- YYYY-MM
    measure   TEXT NOT NULL,
    agency    TEXT NOT NULL,
    procedure TEXT NOT NULL,
    channel   INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (month, measure, agency, procedure, channel)
) WITHOUT ROWID;

CREATE TABLE report_totals (
    period  TEXT NOT NULL,      -- YYYY-MM-DD, YYYY-MM or YYYY
    measure TEXT NOT NULL,
    agency  TEXT NOT NULL,
    channel INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (period, measure, agency, channel)
) WITHOUT ROWID;

INSERT INTO report_months (month, measure, agency, procedure, channel, n)
SELECT substr(day, 1, 7), measure, agency, procedure, channel, SUM(n)
FROM report_counts GROUP BY 1, 2, 3, 4, 5;

INSERT INTO report_totals (period, measure, agency, channel, n)
SELECT day, measure, agency, channel, SUM(n) FROM report_counts GROUP BY 1, 2, 3, 4;
INSERT INTO report_totals (period, measure, agency, channel, n)
SELECT substr(day, 1, 7), measure, agency, channel, SUM(n) FROM report_counts GROUP BY 1, 2, 3, 4;
INSERT INTO report_totals (period, measure, agency, channel, n)
SELECT substr(day, 1, 4), measure, agency, channel, SUM(n) FROM report_counts GROUP BY 1, 2, 3, 4;
