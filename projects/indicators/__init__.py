"""Activity indicators (issue 21): project results that are not kits to households (latrines built, water
points rehabilitated, awareness sessions and their participants, tents handed to an institution), reported
as dated entries with evidence, approved by a manager before they count, beside the receipt-based targets.

models.py the indicator, its result entries and handovers; services.py every write (report, correct,
approve, return); selectors.py the reads of pages and API; figures.py the one rule of what is achieved.
"""
