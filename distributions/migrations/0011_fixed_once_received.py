"""The database refuses to move received kits: once a distribution has receipts, its project and
site are fixed; a receipt's distribution, household, kit type, quantity, date and site never change
(voiding is the only edit), and a kit type's category is fixed once it was received.

Progress summaries, reach rows, the 3W export and who may see a receipt all follow these columns:
changing one in place left the summaries without a row (voids answered 500) and showed one
country's receipts to another's officers (issue 12). The services refuse it first with a field
error (distributions.services.update_distribution); these triggers hold for every other writer
(the admin, a shell, SQL). A merge of duplicates moves receipts to the kept household after
`distributions.services.allow_moving_receipts()` (a transaction-local setting).
SQLSTATE 23000 (integrity_constraint_violation): Django raises IntegrityError.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION tracker_distribution_fixed_once_received() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.project_id, NEW.site_id) IS DISTINCT FROM (OLD.project_id, OLD.site_id)
       AND EXISTS (SELECT 1 FROM distributions_receipt r WHERE r.distribution_id = OLD.id) THEN
        RAISE EXCEPTION 'distribution_fixed_once_received: distribution % has receipts, its project and site are fixed', OLD.id
            USING ERRCODE = '23000';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER distribution_fixed_once_received BEFORE UPDATE OF project_id, site_id
    ON distributions_distribution FOR EACH ROW EXECUTE FUNCTION tracker_distribution_fixed_once_received();

CREATE FUNCTION tracker_receipt_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.distribution_id, NEW.kit_type_id, NEW.quantity, NEW.received_at, NEW.site_id, NEW.client_uuid)
       IS DISTINCT FROM
       (OLD.distribution_id, OLD.kit_type_id, OLD.quantity, OLD.received_at, OLD.site_id, OLD.client_uuid) THEN
        RAISE EXCEPTION 'receipt_fixed: receipt % cannot be moved or changed, only voided', OLD.id
            USING ERRCODE = '23000';
    END IF;
    IF NEW.household_id IS DISTINCT FROM OLD.household_id
       AND coalesce(current_setting('tracker.moving_receipts', true), '') <> 'on' THEN
        RAISE EXCEPTION 'receipt_fixed: receipt % keeps its household (only a merge of duplicates moves it)', OLD.id
            USING ERRCODE = '23000';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER receipt_fixed BEFORE UPDATE ON distributions_receipt
    FOR EACH ROW EXECUTE FUNCTION tracker_receipt_fixed();

CREATE FUNCTION tracker_kittype_category_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.category IS DISTINCT FROM OLD.category
       AND EXISTS (SELECT 1 FROM distributions_receipt r WHERE r.kit_type_id = OLD.id) THEN
        RAISE EXCEPTION 'kittype_category_fixed_once_received: kit type % was received, its category is fixed', OLD.id
            USING ERRCODE = '23000';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER kittype_category_fixed_once_received BEFORE UPDATE OF category
    ON kits_kittype FOR EACH ROW EXECUTE FUNCTION tracker_kittype_category_fixed();
"""

BACKWARD = """
DROP TRIGGER kittype_category_fixed_once_received ON kits_kittype;
DROP FUNCTION tracker_kittype_category_fixed();
DROP TRIGGER receipt_fixed ON distributions_receipt;
DROP FUNCTION tracker_receipt_fixed();
DROP TRIGGER distribution_fixed_once_received ON distributions_distribution;
DROP FUNCTION tracker_distribution_fixed_once_received();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("distributions", "0010_receipt_distribution_indexes"),
        ("kits", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
