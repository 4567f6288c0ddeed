-- Run INSTEAD of 0001_init.sql when the database already holds the original FastAPI
-- boilerplate's tables (made by its SQLAlchemy models' create_all): it brings them to the shape
-- 0001_init.sql creates, keeping every row. The original set its defaults in Python, so the
-- database has none; its user and post keys were (id, uuid); its foreign keys had no ON DELETE;
-- its timestamps (0.5.0) had no time zone and held UTC. Column names and the other types agree
-- (its unbounded varchar columns stay unbounded: the API checks lengths; tier keeps its
-- updated_at, which this app does not write). Its token_blacklist table, if it has one, gets
-- this app's timestamp type and keeps its rows; alembic_version is left alone.

-- Timestamps: TIMESTAMP WITHOUT TIME ZONE holding UTC (datetime.utcnow()) becomes timestamptz,
-- each value read as UTC whatever the server's TimeZone (a plain cast would read it in the
-- session's zone). A column that has a zone already (later releases) is left as it is. One ALTER
-- per table, so each table is rewritten once.
DO $$
DECLARE
  change record;
BEGIN
  FOR change IN
    SELECT table_name::text AS name,
           string_agg(format('ALTER COLUMN %I TYPE timestamptz USING %I AT TIME ZONE ''UTC''',
                             column_name::text, column_name::text), ', ') AS clauses
      FROM information_schema.columns
     WHERE table_schema = current_schema()
       AND table_name IN ('tier', 'rate_limit', 'user', 'post', 'token_blacklist')
       AND data_type = 'timestamp without time zone'
     GROUP BY table_name
  LOOP
    EXECUTE format('ALTER TABLE %I %s', change.name, change.clauses);
  END LOOP;
END $$;

-- Foreign keys first: they hang on the unique indexes the keys below replace.
ALTER TABLE rate_limit DROP CONSTRAINT IF EXISTS rate_limit_tier_id_fkey;
ALTER TABLE "user" DROP CONSTRAINT IF EXISTS user_tier_id_fkey;
ALTER TABLE post DROP CONSTRAINT IF EXISTS post_created_by_user_id_fkey;

-- Keys: id alone, as this app's schema has it (uuid stays unique).
ALTER TABLE "user" DROP CONSTRAINT IF EXISTS user_pkey;
ALTER TABLE "user" DROP CONSTRAINT IF EXISTS user_id_key;
ALTER TABLE "user" ADD CONSTRAINT user_pkey PRIMARY KEY (id);
ALTER TABLE post DROP CONSTRAINT IF EXISTS post_pkey;
ALTER TABLE post DROP CONSTRAINT IF EXISTS post_id_key;
ALTER TABLE post ADD CONSTRAINT post_pkey PRIMARY KEY (id);
ALTER TABLE tier DROP CONSTRAINT IF EXISTS tier_id_key;
ALTER TABLE rate_limit DROP CONSTRAINT IF EXISTS rate_limit_id_key;

-- Defaults the original's Python code filled in, which this app leaves to the database.
ALTER TABLE tier ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE rate_limit ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE "user"
  ALTER COLUMN hashed_password TYPE text,
  ALTER COLUMN profile_image_url SET DEFAULT 'https://profileimageurl.com',
  ALTER COLUMN uuid SET DEFAULT gen_random_uuid(),
  ALTER COLUMN created_at SET DEFAULT now(),
  ALTER COLUMN is_deleted SET DEFAULT false,
  ALTER COLUMN is_superuser SET DEFAULT false;
ALTER TABLE post
  ALTER COLUMN uuid SET DEFAULT gen_random_uuid(),
  ALTER COLUMN created_at SET DEFAULT now(),
  ALTER COLUMN is_deleted SET DEFAULT false;

-- The foreign keys again, with this app's deletes: a tier takes its rules along and leaves its
-- users without a tier; a hard-deleted user takes their posts along.
ALTER TABLE rate_limit ADD CONSTRAINT rate_limit_tier_id_fkey
  FOREIGN KEY (tier_id) REFERENCES tier (id) ON DELETE CASCADE;
ALTER TABLE "user" ADD CONSTRAINT user_tier_id_fkey
  FOREIGN KEY (tier_id) REFERENCES tier (id) ON DELETE SET NULL;
ALTER TABLE post ADD CONSTRAINT post_created_by_user_id_fkey
  FOREIGN KEY (created_by_user_id) REFERENCES "user" (id) ON DELETE CASCADE;

-- Rules: positive numbers for new rows (NOT VALID: old rows are not judged), and one rule per
-- (tier, path), which the limiter relies on. The original allowed several; they must be merged
-- by hand first, and the error says which.
ALTER TABLE rate_limit ADD CONSTRAINT rate_limit_limit_check CHECK ("limit" > 0) NOT VALID;
ALTER TABLE rate_limit ADD CONSTRAINT rate_limit_period_check CHECK (period > 0) NOT VALID;
DO $$
DECLARE
  clash text;
BEGIN
  SELECT string_agg(format('tier %s path %s (ids %s)', tier_id, path, ids), '; ')
    INTO clash
    FROM (
      SELECT tier_id, path, string_agg(id::text, ', ' ORDER BY id) AS ids
        FROM rate_limit GROUP BY tier_id, path HAVING count(*) > 1
    ) AS duplicates;
  IF clash IS NOT NULL THEN
    RAISE EXCEPTION 'rate_limit holds several rules for one tier and path: %. Keep one of each and start again.', clash;
  END IF;
END $$;
ALTER TABLE rate_limit ADD CONSTRAINT rate_limit_tier_path_unique UNIQUE (tier_id, path);

CREATE INDEX IF NOT EXISTS post_created_by_user_id_idx ON post (created_by_user_id, id);

-- What the original kept in Redis (ARQ): the task table, as 0001_init.sql makes it.
CREATE TABLE task (
  id text PRIMARY KEY,
  message text NOT NULL,
  status varchar(20) NOT NULL DEFAULT 'queued',
  result text,
  error text,
  enqueued_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);
