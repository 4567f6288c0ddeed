import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RoundResult } from '../measure.js';
import type { HostReply, HostRequest } from './protocol.js';
import type { RowRef } from './ref.js';

const HOST = fileURLToPath(new URL('./host.ts', import.meta.url));

/** A round as a row's own process ran it, with the CPU that process spent. */
export interface HostedRound {
  result: RoundResult;
  cpuUs: number;
}

/**
 * The parent's handle on one row's process: `start` forks it and builds the row, `round` runs
 * one timed round there, `stop` ends it. The child inherits this process's flags
 * (`--expose-gc --import tsx`), so it runs the same sources.
 */
export class RowHost {
  private constructor(
    private readonly child: ChildProcess,
    private readonly label: string,
  ) {}

  static async start(ref: RowRef, redisUrl: string, label: string): Promise<RowHost> {
    const child = fork(HOST, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const host = new RowHost(child, label);
    await host.next('up');
    child.send({ type: 'build', ref, redisUrl } satisfies HostRequest);
    await host.next('built');
    return host;
  }

  async round(concurrency: number, durationMs: number): Promise<HostedRound> {
    this.child.send({ type: 'round', concurrency, durationMs, gc: true } satisfies HostRequest);
    const reply = await this.next('round');
    return { result: reply.result, cpuUs: reply.cpuUs };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ type: 'exit' } satisfies HostRequest);
    const late = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(late);
  }

  /** The child's next message, which must be `type` (a failure or an exit rejects). */
  private next<T extends HostReply['type']>(type: T): Promise<Extract<HostReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: HostReply) => {
        cleanup();
        if (message.type === type) resolve(message as Extract<HostReply, { type: T }>);
        else if (message.type === 'failed') {
          reject(new Error(`bench row "${this.label}" failed in its process:\n${message.message}`));
        } else
          reject(new Error(`bench row "${this.label}": expected ${type}, got ${message.type}`));
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`bench row "${this.label}": its process exited (${code})`));
      };
      const cleanup = () => {
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      this.child.on('message', onMessage);
      this.child.on('exit', onExit);
    });
  }
}
