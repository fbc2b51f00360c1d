-- A partition let go keeps in lease_until when it was let go (owner NULL): a free partition waits a while for the
-- silo it should go to before any silo takes it (docs/CLUSTER.md, rebalancing). NULL still means never held.
ALTER TABLE partition_owner DROP CONSTRAINT partition_owner_check;
ALTER TABLE partition_owner ADD CONSTRAINT partition_owner_held_has_lease CHECK (owner IS NULL OR lease_until IS NOT NULL);
