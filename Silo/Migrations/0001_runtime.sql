-- The runtime's tables: grain state with optimistic versions, and durable reminders.

CREATE TABLE grain_state (
    grain_type  text        NOT NULL,
    grain_key   text        NOT NULL,
    state_name  text        NOT NULL,
    -- Starts at 1 and grows by one per write or clear; a write names the version it read.
    version     bigint      NOT NULL CHECK (version > 0),
    -- NULL once cleared: the row stays as a tombstone so versions never go back.
    payload     jsonb       NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (grain_type, grain_key, state_name)
);

CREATE TABLE reminders (
    grain_type  text        NOT NULL,
    grain_key   text        NOT NULL,
    name        text        NOT NULL,
    start_at    timestamptz NOT NULL,
    period_ms   bigint      NOT NULL CHECK (period_ms > 0),
    PRIMARY KEY (grain_type, grain_key, name)
);
