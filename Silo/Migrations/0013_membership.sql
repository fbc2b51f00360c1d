-- Cluster membership (docs/CLUSTER.md) in Orleans' own table shapes and names, so that a port to Orleans later swaps
-- only the clustering provider: one version row per deployment, which every change of the view bumps by
-- compare-and-swap (so views are totally ordered), and one row per silo incarnation (its generation). Liveness
-- itself is the partition leases; this is who is in the cluster, for routing and rebalancing.
CREATE TABLE OrleansMembershipVersionTable (
    DeploymentId varchar(150)   NOT NULL,
    Timestamp    timestamptz(3) NOT NULL DEFAULT now(),
    Version      integer        NOT NULL DEFAULT 0,
    CONSTRAINT PK_OrleansMembershipVersionTable_DeploymentId PRIMARY KEY (DeploymentId)
);

CREATE TABLE OrleansMembershipTable (
    DeploymentId varchar(150)   NOT NULL,
    Address      varchar(45)    NOT NULL,
    Port         integer        NOT NULL,
    Generation   integer        NOT NULL,
    SiloName     varchar(150)   NOT NULL,
    HostName     varchar(150)   NOT NULL,
    Status       integer        NOT NULL,
    ProxyPort    integer        NULL,
    SuspectTimes varchar(8000)  NULL,
    MetadataJson text           NULL,
    StartTime    timestamptz(3) NOT NULL,
    IAmAliveTime timestamptz(3) NOT NULL,
    CONSTRAINT PK_MembershipTable_DeploymentId PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_MembershipTable_MembershipVersionTable_DeploymentId
        FOREIGN KEY (DeploymentId) REFERENCES OrleansMembershipVersionTable (DeploymentId)
);

-- The view moves on by one if it is still at `expected`: the compare-and-swap every change of the view makes first.
CREATE FUNCTION membership_bump(deployment_arg text, expected_arg integer)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    UPDATE OrleansMembershipVersionTable SET Version = Version + 1, Timestamp = now()
    WHERE DeploymentId = deployment_arg AND Version = expected_arg;
    RETURN FOUND;
END
$$;

-- A silo joins: its row is added only if the view is still at `expected` (then version + 1); 1 if it was, else 0.
CREATE FUNCTION membership_insert(deployment_arg text, address_arg text, port_arg integer, generation_arg integer,
    silo_name_arg text, host_name_arg text, status_arg integer, proxy_port_arg integer, started_arg timestamptz, expected_arg integer)
RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    IF NOT membership_bump(deployment_arg, expected_arg) THEN
        RETURN 0;
    END IF;
    INSERT INTO OrleansMembershipTable (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
    VALUES (deployment_arg, address_arg, port_arg, generation_arg, silo_name_arg, host_name_arg, status_arg, proxy_port_arg, started_arg, now())
    ON CONFLICT ON CONSTRAINT PK_MembershipTable_DeploymentId DO NOTHING;
    IF NOT FOUND THEN
        -- That incarnation exists already: the version bump is undone with the function's failure.
        RAISE EXCEPTION 'membership row % % % exists', address_arg, port_arg, generation_arg USING ERRCODE = 'CC002';
    END IF;
    RETURN 1;
END
$$;

-- A silo's status changes (joining → active → shutting down → dead, or declared dead by another) only if the view is
-- still at `expected`; 1 if it was (and the row exists), else 0.
CREATE FUNCTION membership_update(deployment_arg text, address_arg text, port_arg integer, generation_arg integer,
    status_arg integer, suspect_times_arg text, expected_arg integer)
RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    IF NOT membership_bump(deployment_arg, expected_arg) THEN
        RETURN 0;
    END IF;
    UPDATE OrleansMembershipTable m SET Status = status_arg, SuspectTimes = suspect_times_arg
    WHERE m.DeploymentId = deployment_arg AND m.Address = address_arg AND m.Port = port_arg AND m.Generation = generation_arg;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no membership row % % %', address_arg, port_arg, generation_arg USING ERRCODE = 'CC002';
    END IF;
    RETURN 1;
END
$$;
