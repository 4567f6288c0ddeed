import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../../../testing/redis-server.js';

/** A throwaway Redis Cluster of three masters on loopback ports. */
export interface TestCluster {
  nodes: Array<{ host: string; port: number }>;
  stop(): Promise<void>;
}

const SLOTS = 16_384;

function startNode(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      ...['--cluster-enabled', 'yes', '--cluster-node-timeout', '5000'],
      ...['--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start:\n${output}`)),
      10_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      child.stdout?.removeAllListeners('data').resume();
      child.stderr?.removeAllListeners('data').resume();
      resolve(child);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
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
  const dir = await mkdtemp(join(tmpdir(), 'kit-cache-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const children: ChildProcess[] = [];
  const admins: Redis[] = [];
  const stop = async () => {
    for (const admin of admins) admin.disconnect();
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) children.push(await startNode(port, dir));
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
    await until(async () => {
      const states = await Promise.all(
        admins.map(async (admin) => {
          const info = String(await admin.call('CLUSTER', 'INFO'));
          return info.includes('cluster_state:ok') && info.includes('cluster_known_nodes:3');
        }),
      );
      return states.every(Boolean);
    }, 'cluster_state:ok on every node');
    return { nodes: ports.map((port) => ({ host: '127.0.0.1', port })), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
