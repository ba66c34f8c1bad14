"""One way of writing dates and times across the site: 3 Mar 2025 and 3 Mar 2025, 14:05 (24-hour, the
month as a word so no reader takes 03/04 for 4 March). Django's own en-GB formats would give "2:05 p.m."
and 03/03/2025 in places. Templates write `{{ value }}` or `{{ value|date }}`, never a format of their own."""

from __future__ import annotations

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "j M"
