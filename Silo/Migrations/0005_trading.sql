-- Orders and the contracts their fills make. A book is rebuilt from its open orders in sequence order.

CREATE TABLE orders (
    order_id         text        PRIMARY KEY,
    product          text        NOT NULL,
    number           bigint      NOT NULL CHECK (number > 0),
    sequence         bigint      NOT NULL CHECK (sequence > 0),
    participant      text        NOT NULL,
    client_order_id  text        NOT NULL,
    side             text        NOT NULL CHECK (side IN ('buy', 'sell')),
    type             text        NOT NULL CHECK (type IN ('limit', 'market')),
    time_in_force    text        NOT NULL CHECK (time_in_force IN ('gtc', 'ioc', 'fok')),
    price_micros     bigint      NOT NULL CHECK (price_micros >= 0),
    quantity         bigint      NOT NULL CHECK (quantity > 0),
    max_cost_micros  bigint      NOT NULL CHECK (max_cost_micros >= 0),
    scenario         text        NULL,
    validity_days    integer     NOT NULL,
    status           text        NOT NULL CHECK (status IN ('resting', 'partially_filled', 'filled', 'cancelled')),
    filled           bigint      NOT NULL CHECK (filled >= 0),
    remaining        bigint      NOT NULL CHECK (remaining >= 0),
    reason           text        NULL,
    -- A buy's hold on the buyer's account: its id carries a nonce, so no later order can ever meet a closed
    -- hold of the same id; hold_open says it is still to be released once the order is done.
    hold_id          text        NULL UNIQUE,
    hold_open        boolean     NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (participant, client_order_id),
    UNIQUE (product, number),
    CHECK (filled + remaining <= quantity)
);

CREATE INDEX orders_open ON orders (product, sequence) WHERE status IN ('resting', 'partially_filled');
CREATE INDEX orders_holds ON orders (product) WHERE hold_open AND status IN ('filled', 'cancelled');

CREATE TABLE contracts (
    contract_id        text        PRIMARY KEY,
    product            text        NOT NULL,
    number             bigint      NOT NULL CHECK (number > 0),
    buyer              text        NOT NULL,
    provider           text        NOT NULL CHECK (provider <> buyer),
    price_micros       bigint      NOT NULL CHECK (price_micros > 0),
    quota              bigint      NOT NULL CHECK (quota > 0),
    used               bigint      NOT NULL DEFAULT 0 CHECK (used >= 0 AND used <= quota),
    scenario           text        NOT NULL,
    delivery           text        NOT NULL,
    valid_from         timestamptz NOT NULL,
    valid_to           timestamptz NOT NULL CHECK (valid_to > valid_from),
    status             text        NOT NULL CHECK (status IN ('pending', 'active', 'expired')),
    evidence_code      text        NULL,
    fee_basis_points   bigint      NOT NULL,
    buy_order          text        NOT NULL REFERENCES orders (order_id),
    buy_hold_id        text        NOT NULL,
    sell_order         text        NOT NULL REFERENCES orders (order_id),
    UNIQUE (product, number)
);

CREATE INDEX contracts_buyer ON contracts (buyer, number);
CREATE INDEX contracts_provider ON contracts (provider, number);
CREATE INDEX contracts_pending ON contracts (product) WHERE status = 'pending';
CREATE INDEX contracts_buy_order ON contracts (buy_order);
CREATE INDEX contracts_sell_order ON contracts (sell_order);
