#!/usr/bin/env python3
"""Produce the lunar-calendar golden file used by `crates/lich/tests/golden.rs`.

Run once, by hand, when the golden file must be regenerated; the Rust tests read only
the CSV and need no Python:

    python3 -m venv /tmp/venv
    /tmp/venv/bin/pip install lunar-vn==1.4.0 vnlunar==1.0.5
    /tmp/venv/bin/python crates/lich/tests/golden/make_golden.py > crates/lich/tests/golden/lunar.csv

The oracle is PyPI `lunar-vn` 1.4.0 (MIT, https://github.com/junkeythong/amlichvietnam),
an implementation of the Vietnamese lunar calendar at UTC+7 that shares no code with ours.
Its public API refuses years after 2100 although its algorithm has no such limit, so the
range check is widened to 2199 here. As a second, independent opinion the script compares
every row from 1968 on (the year Vietnam's calendar moved to UTC+7) with the month table
shipped in PyPI `vnlunar` 1.0.5 and reports disagreements on stderr; vnlunar's data is not
copied into the CSV.

Rows (kind column):
  month   the first day (mùng 1) of every lunar month whose start lies in 1900-01-01..2199-12-31
  tet     mùng 1 tháng Giêng of every lunar year 1900..2199 (lunar -> solar)
  gioto   10/3 (non-leap month) of every lunar year 1900..2199 (lunar -> solar)
  day     every day from 2020-01-01 to 2040-12-31
"""

import datetime as dt
import sys

import lunar_vn
import lunar_vn.core as core
from lunar_vn import can_chi

core.SUPPORTED_YEAR_RANGE = (1900, 2199)
core._SUPPORTED_LUNAR_YEAR_RANGE = (1899, 2199)

FIRST = dt.date(1900, 1, 1)
LAST = dt.date(2199, 12, 31)


def lunar(d):
    return core.convert_solar_to_lunar(d.day, d.month, d.year, 7.0)


def row(kind, d, lu):
    jdn = core.jd_from_date(d.day, d.month, d.year)
    return ",".join(
        [
            kind,
            d.isoformat(),
            str(lu.day),
            str(lu.month),
            "1" if lu.leap else "0",
            str(lu.year),
            can_chi.get_year_can_chi(lu.year),
            can_chi.get_day_can_chi(jdn),
        ]
    )


def main():
    rows = []
    # Month starts: walk day by day (cheap enough: 110k days) and keep every mùng 1.
    d = FIRST
    one = dt.timedelta(days=1)
    while d <= LAST:
        lu = lunar(d)
        if lu.day == 1:
            rows.append(row("month", d, lu))
        d += one
    for y in range(1900, 2200):
        tet = core.convert_lunar_to_solar(1, 1, y, 0, 7.0)
        rows.append(row("tet", tet, lunar(tet)))
        gio_to = core.convert_lunar_to_solar(10, 3, y, 0, 7.0)
        rows.append(row("gioto", gio_to, lunar(gio_to)))
    d = dt.date(2020, 1, 1)
    while d <= dt.date(2040, 12, 31):
        rows.append(row("day", d, lunar(d)))
        d += one

    cross_check(rows)
    print("# Vietnamese lunar calendar (UTC+7) golden data, produced by make_golden.py")
    print("# oracle: PyPI lunar-vn 1.4.0 (MIT); cross-checked from 1968 with PyPI vnlunar 1.0.5's month table")
    print("kind,solar,lunar_day,lunar_month,leap,lunar_year,year_can_chi,day_can_chi")
    for r in rows:
        print(r)


def cross_check(rows):
    try:
        import vnlunar
    except ImportError:
        print("vnlunar not installed: cross-check skipped", file=sys.stderr)
        return
    checked = disagree = 0
    for r in rows:
        kind, solar, day, month, leap, year = r.split(",")[:6]
        d = dt.date.fromisoformat(solar)
        if d.year < 1968:
            continue
        other = vnlunar.get_lunar_date_from_table(d.day, d.month, d.year)
        checked += 1
        got = (other["day"], other["month"], 1 if other["leap"] else 0, other["year"])
        if got != (int(day), int(month), int(leap), int(year)):
            disagree += 1
            print(f"disagree {solar}: lunar-vn {day}/{month}/{leap}/{year} vnlunar {got}", file=sys.stderr)
    print(f"cross-check with vnlunar: {checked} rows, {disagree} disagreements", file=sys.stderr)


if __name__ == "__main__":
    main()
