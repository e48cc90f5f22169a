"""CSV as Excel reads it: UTF-8 with a byte order mark."""

from __future__ import annotations

import csv
import io


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
