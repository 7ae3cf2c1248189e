"""The fredapi acceptance check (FredapiEndToEndTests): calls every function of the
unmodified fredapi package against brid's FRED-compatible API and prints what each
returned, as JSON, for the test to compare with brictl.

    fredapi_check.py ROOT_URL API_KEY AS_OF_DATE SEARCH_TEXT SERIES...
"""
import json
import math
import sys

import pandas as pd
from fredapi import Fred


def day(timestamp):
    # NaT: a date FRED left empty (a series without observations has no observation_start).
    return None if pd.isna(timestamp) else timestamp.strftime("%Y-%m-%d")


def number(value):
    # fredapi turns FRED's "." into NaN; in its release frames (a transposed frame of
    # mixed columns) pandas may hold that NaN as NaT.
    if pd.isna(value):
        return None
    value = float(value)
    return None if math.isnan(value) else value


def series(s):
    """A pandas Series indexed by date: [[date, value], ...] in its order."""
    return [[day(index), number(value)] for index, value in s.items()]


def releases(frame):
    """fredapi's release frames: [[realtime_start, date, value], ...] in their order."""
    if frame is None or len(frame) == 0:
        return []
    return [[day(row["realtime_start"]), day(row["date"]), number(row["value"])] for _, row in frame.iterrows()]


def main():
    root_url, api_key, as_of, search_text = sys.argv[1:5]
    fred = Fred(api_key=api_key)
    fred.root_url = root_url
    out = {"series": {}}
    for key in sys.argv[5:]:
        out["series"][key] = {
            "get_series": series(fred.get_series(key)),
            "get_series_latest_release": series(fred.get_series_latest_release(key)),
            "get_series_first_release": series(fred.get_series_first_release(key)),
            "get_series_as_of_date": releases(fred.get_series_as_of_date(key, as_of)),
            "get_series_all_releases": releases(fred.get_series_all_releases(key)),
            "get_series_vintage_dates": [day(d) for d in fred.get_series_vintage_dates(key)],
            "get_series_info": {k: str(v) for k, v in fred.get_series_info(key).items()},
        }
    found = fred.search(search_text)
    out["search"] = [] if found is None else [
        {"id": index, "title": row["title"], "units": row["units"], "frequency": row["frequency"],
         "observation_start": day(row["observation_start"]), "observation_end": day(row["observation_end"])}
        for index, row in found.iterrows()
    ]
    try:
        fred.get_series("no.such.series")
        out["unknown"] = "no error"
    except ValueError as error:
        out["unknown"] = str(error)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
