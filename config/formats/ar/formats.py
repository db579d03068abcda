"""Arabic dates day first in every format, without the right-to-left marks Django's own Arabic formats put
between day, month and year (inside an isolated left-to-right range they scramble it): 17/07/2024, and
17 يوليو 2024، 14:05. Django's Arabic DATETIME_FORMAT is its English default (month first): set here."""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "j F Y، H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
