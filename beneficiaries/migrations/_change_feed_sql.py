"""SQL of the change feed's triggers, shared by beneficiaries 0010 and distributions 0014 (a module name
starting with an underscore: the migration loader skips it)."""

# One function for every table of the partner API's change feed (households here, receipts in
# distributions 0014). The transaction id is taken before the clock is read, so a row's changed_at is
# never earlier than the moment its writer showed as writing in pg_stat_activity (api/changes.py relies
# on it to serve only settled changes). A no-op UPDATE (every column the same) is not a change.
TOUCH_FUNCTION = """
CREATE OR REPLACE FUNCTION touch_changed_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_current_xact_id();
    NEW.changed_at := clock_timestamp();
    RETURN NEW;
END
$$;
"""


def touch_triggers(table: str) -> list[str]:
    """SQL creating the insert and update triggers of `table`'s changed_at column."""
    return [
        f"CREATE TRIGGER {table}_changed_on_insert BEFORE INSERT ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION touch_changed_at();",
        f"CREATE TRIGGER {table}_changed_on_update BEFORE UPDATE ON {table} "
        "FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION touch_changed_at();",
    ]


def drop_touch_triggers(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_changed_on_insert ON {table};",
        f"DROP TRIGGER IF EXISTS {table}_changed_on_update ON {table};",
    ]
