-- Account-bound tokens: a token names the user id and this version, which changes on rename,
-- password change, logout everywhere and delete, so older tokens of the account stop working.
ALTER TABLE "user" ADD COLUMN IF NOT EXISTS token_version integer NOT NULL DEFAULT 0;

-- Logged-out tokens until they expire, when there is no Redis (the original's later releases
-- kept the same table). `token` holds the SHA-256 of the token, not the token itself.
CREATE TABLE IF NOT EXISTS token_blacklist (
  id serial PRIMARY KEY,
  token varchar NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS token_blacklist_expires_at_idx ON token_blacklist (expires_at);
