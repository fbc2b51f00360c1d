-- Partition ownership for several silos (docs/CLUSTER.md): a fixed 1,024 partitions, each owned by at most one silo
-- in an epoch under a lease on this database's clock. Acquiring a partition also claims the writer epoch
-- `partition/<n>` (writer_epochs), so every commit-log flush that carries the partition's fence (fence_writers)
-- commits only in the owner's current epoch: a silo that lost a partition can never commit for it.
CREATE TABLE partition_owner (
    partition_id  integer     PRIMARY KEY CHECK (partition_id >= 0 AND partition_id < 1024),
    owner         text        NULL,
    epoch         bigint      NOT NULL DEFAULT 0 CHECK (epoch >= 0),
    lease_until   timestamptz NULL,
    CHECK ((owner IS NULL) = (lease_until IS NULL))
);

INSERT INTO partition_owner (partition_id) SELECT generate_series(0, 1023);
