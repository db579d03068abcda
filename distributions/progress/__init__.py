"""The progress figures' one home: every count the dashboards, the API and the donor reports show.

* scopes.py: the scope rules (a household reached once per project, kit type, category, area or
  site, anchored at its first receipt), written once;
* maintain.py: keeping the summaries exact in the transaction of each write (`apply_receipts` for
  one receipt or many, `unapply_receipt` for a void, `recount_households_reach` for a merge);
* rebuild.py: recomputing the summaries from the receipts alone;
* filters.py: `ProgressFilter`, parsed from a query string in one place;
* queries.py: kits and reach by any grouping, totals and timelines.

It lives in `distributions` because recording a receipt (distributions/services.py) must update it
in the same transaction, and `distributions` must not import `projects` (docs/architecture.md).
A project's targets are measured against these figures in projects/targets.py.
"""
