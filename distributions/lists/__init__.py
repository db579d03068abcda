"""Distribution lists (issue 19): targeting criteria, the frozen list of households and their entitlements,
audited changes after approval, supervisor overrides, the officer's day and the absentees.

`criteria.py` turns criteria and entitlement rules into SQL, `services.py` writes, `selectors.py` reads,
`gate.py` is what recording a receipt asks (on the list or not, and for how much), `sheets.py` draws the
sign sheet. The models live in `models.py`, imported by `distributions/models.py`.
"""
