import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { freePort, startRedisServer, type TestRedis } from './redis-server.js';

/** A throwaway Redis Cluster of three masters on loopback ports. */
export interface TestCluster {
  nodes: Array<{ host: string; port: number }>;
  stop(): Promise<void>;
}

const SLOTS = 16_384;

async function until(check: () => Promise<boolean>, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Redis Cluster: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts three `redis-server --cluster-enabled yes` processes and joins them as masters, each
 * owning a third of the slots: what `redis-cli --cluster create` does, without its fixed
 * one-second wait. Takes well under two seconds here.
 */
export async function startRedisCluster(): Promise<TestCluster> {
  // A node's cluster bus listens on its port + 10000, which freePort cannot reserve: when another
  // socket holds it the nodes never meet. Such an attempt is abandoned for fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(attempt < 3 ? 8_000 : 15_000);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

async function startOnce(formMs: number): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'kit-redis-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const servers: TestRedis[] = [];
  const admins: Redis[] = [];
  const stop = async () => {
    for (const admin of admins) admin.disconnect();
    await Promise.all(servers.map((server) => server.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const args = ['--cluster-enabled', 'yes', '--cluster-node-timeout', '5000'];
      args.push('--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir);
      servers.push(await startRedisServer({ port, args }));
    }
    for (const port of ports) admins.push(new Redis({ host: '127.0.0.1', port }));
    const share = Math.ceil(SLOTS / admins.length);
    await Promise.all(
      admins.map(async (admin, i) => {
        const first = i * share;
        const slots = Array.from({ length: Math.min(share, SLOTS - first) }, (_, s) => first + s);
        await admin.call('CLUSTER', 'ADDSLOTS', ...slots);
        // Distinct epochs up front, so the nodes need not resolve a collision after meeting.
        await admin.call('CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1));
      }),
    );
    for (const port of ports.slice(1)) {
      await admins[0]!.call('CLUSTER', 'MEET', '127.0.0.1', String(port));
    }
    await until(
      async () => {
        const states = await Promise.all(
          admins.map(async (admin) => {
            const info = String(await admin.call('CLUSTER', 'INFO'));
            return info.includes('cluster_state:ok') && info.includes('cluster_known_nodes:3');
          }),
        );
        return states.every(Boolean);
      },
      'cluster_state:ok on every node',
      formMs,
    );
    return { nodes: ports.map((port) => ({ host: '127.0.0.1', port })), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A started test cluster with a ready ioredis `Cluster` client; `close()` stops both. */
export async function connectRedisCluster(): Promise<{
  client: Cluster;
  nodes: TestCluster['nodes'];
  close(): Promise<void>;
}> {
  const cluster = await startRedisCluster();
  const client = new Cluster(cluster.nodes);
  await new Promise((resolve) => client.once('ready', resolve));
  return {
    client,
    nodes: cluster.nodes,
    async close() {
      client.disconnect();
      await cluster.stop();
    },
  };
}
