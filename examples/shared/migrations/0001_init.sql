-- The schema of the original FastAPI boilerplate: tiers, their rate-limit rules, users, posts,
-- plus the background tasks that ARQ kept in Redis there.
CREATE TABLE tier (
  id serial PRIMARY KEY,
  name varchar(100) NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rate_limit (
  id serial PRIMARY KEY,
  tier_id integer NOT NULL REFERENCES tier (id) ON DELETE CASCADE,
  name varchar(100) NOT NULL UNIQUE,
  path varchar(255) NOT NULL,
  "limit" integer NOT NULL CHECK ("limit" > 0),
  period integer NOT NULL CHECK (period > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz,
  CONSTRAINT rate_limit_tier_path_unique UNIQUE (tier_id, path)
);

CREATE TABLE "user" (
  id serial PRIMARY KEY,
  name varchar(30) NOT NULL,
  username varchar(20) NOT NULL UNIQUE,
  email varchar(50) NOT NULL UNIQUE,
  hashed_password text NOT NULL,
  profile_image_url text NOT NULL DEFAULT 'https://profileimageurl.com',
  uuid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz,
  deleted_at timestamptz,
  is_deleted boolean NOT NULL DEFAULT false,
  is_superuser boolean NOT NULL DEFAULT false,
  tier_id integer REFERENCES tier (id) ON DELETE SET NULL
);

CREATE TABLE post (
  id serial PRIMARY KEY,
  created_by_user_id integer NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
  title varchar(30) NOT NULL,
  text varchar(63206) NOT NULL,
  uuid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  media_url text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz,
  deleted_at timestamptz,
  is_deleted boolean NOT NULL DEFAULT false
);
CREATE INDEX post_created_by_user_id_idx ON post (created_by_user_id, id);

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
