// A process that sends a command and calls process.exit() in the same tick, as a SIGTERM
// handler often does: `node --import tsx exit-in-tick.ts <port> <key>`.
import { Redis } from 'ioredis';
import { coalesceWrites } from '../../src/coalesce-writes.js';

const [port, key] = process.argv.slice(2);
const client = new Redis({ port: Number(port), host: '127.0.0.1' });
await client.ping();
const beforeSend = coalesceWrites(client);
beforeSend();
void client.set(key!, 'written');
process.exit(0);
