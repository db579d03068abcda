"""Signals `beneficiaries` sends to the apps above it, which it must not import (docs/architecture.md)."""

from django.dispatch import Signal

# Sent inside the merge's transaction, with both households locked, before the duplicate is deactivated.
# Arguments: kept, duplicate (Household), merged_by (User). The one receiver, connected by
# distributions/apps.py, moves the duplicate's receipts and recounts the figures, and answers
# (receipts moved, receipts voided).
household_merging = Signal()
