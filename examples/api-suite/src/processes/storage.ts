import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** A database of a child server's own: a temporary PostgreSQL database, or a PGlite directory. */
export interface ChildStorage {
  /** What the child gets: DATABASE_URL (empty for PGlite) and PGLITE_DIR. */
  env: Record<string, string>;
  /** The `task` table's rows. With PGlite, only once the child has exited (it holds a lock). */
  tasks(): Promise<{ id: string; status: string; result: string | null }[]>;
  close(): Promise<void>;
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** On the DATABASE_URL server when one is set (the PostgreSQL pass), else embedded PGlite. */
export async function createChildStorage(): Promise<ChildStorage> {
  const serverUrl = process.env.DATABASE_URL;
  const query = 'SELECT id, status, result FROM task ORDER BY enqueued_at';
  if (serverUrl) {
    const name = `kit_process_${randomBytes(6).toString('hex')}`;
    await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return {
      env: { DATABASE_URL: url.toString() },
      async tasks() {
        const client = new pg.Client({ connectionString: url.toString() });
        await client.connect();
        try {
          return (await client.query(query)).rows;
        } finally {
          await client.end();
        }
      },
      close: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'kit-process-'));
  const dataDir = join(dir, 'pgdata');
  return {
    env: { DATABASE_URL: '', PGLITE_DIR: dataDir },
    async tasks() {
      const client = await PGlite.create(dataDir);
      try {
        return (await client.query<{ id: string; status: string; result: string | null }>(query))
          .rows;
      } finally {
        await client.close();
      }
    },
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
