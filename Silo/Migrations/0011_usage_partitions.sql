-- Usage records get a partition per clearing cycle, so a settled cycle's records are detached and archived
-- without touching the open cycle's (`./cluster clearing archive`, docs/METERING.md). Until now every record sat in
-- the default partition; they move to their cycle's partition here, whatever the database holds.
-- No default partition remains: DETACH PARTITION CONCURRENTLY refuses a table that has one, and a cut-off creates
-- the next cycle's partition in the transaction that opens the cycle, so no record is ever without one.

ALTER TABLE usage_records DETACH PARTITION usage_records_open;
ALTER TABLE usage_records_open RENAME TO usage_records_before_0011;

CREATE FUNCTION usage_records_partition(cycle text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN cycle ~ '^c[0-9]+$' THEN 'usage_records_' || cycle ELSE 'usage_records_x' || md5(cycle) END
$$;

-- Called by a cut-off for the cycle it opens (in its transaction) and for the one after (ahead, on its own). Created
-- apart and then attached: ATTACH takes SHARE UPDATE EXCLUSIVE on usage_records, which inserts pass, where
-- CREATE TABLE … PARTITION OF would take ACCESS EXCLUSIVE and stop every flush while it waits; the CHECK lets the
-- attach skip scanning the new table.
CREATE FUNCTION usage_records_add_partition(cycle text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    partition text := usage_records_partition(cycle);
BEGIN
    IF to_regclass(partition) IS NOT NULL THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE usage_records INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', partition);
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (cycle_id = %L)', partition, partition || '_cycle', cycle);
    EXECUTE format('ALTER TABLE usage_records ATTACH PARTITION %I FOR VALUES IN (%L)', partition, cycle);
END
$$;

SELECT usage_records_add_partition(cycle)
FROM (SELECT id AS cycle FROM clearing_cycles UNION SELECT DISTINCT cycle_id FROM usage_records_before_0011) AS cycles;

INSERT INTO usage_records SELECT * FROM usage_records_before_0011;
DROP TABLE usage_records_before_0011;

-- A settled cycle's usage once archived: where its records went, how many, and their digest.
ALTER TABLE clearing_cycles ADD COLUMN usage_archive jsonb NULL;
