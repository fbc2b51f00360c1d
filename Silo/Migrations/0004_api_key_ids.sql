-- A public id per key, so an admin can list and revoke a key without ever seeing it again.
ALTER TABLE api_keys ADD COLUMN key_id text NULL UNIQUE;
