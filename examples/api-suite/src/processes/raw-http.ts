import { connect, type Socket } from 'node:net';

/** A request written in two parts over a raw socket, so a test decides when it is complete. */
export interface HeldRequest {
  /** Writes the rest and resolves with the answer's status and headers. */
  finish(): Promise<{ status: number; head: string; body: string }>;
}

function readAnswer(socket: Socket): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('utf8');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1] ?? 0), head, body });
    });
  });
}

/**
 * Opens a connection and sends `first` now: the server is then serving (or reading) a request
 * that is not complete until `finish()` sends `rest`. The answer is read until the server closes.
 */
export async function holdRequest(port: number, first: string, rest: string): Promise<HeldRequest> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const answer = readAnswer(socket);
  socket.write(first);
  return {
    finish() {
      socket.write(rest);
      return answer;
    },
  };
}

/** A JSON POST whose body arrives in two halves: in flight from the first byte on. */
export function holdJsonPost(port: number, path: string, json: unknown): Promise<HeldRequest> {
  const body = JSON.stringify(json);
  const half = Math.floor(body.length / 2);
  const head =
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  return holdRequest(port, head + body.slice(0, half), body.slice(half));
}

/** A request whose headers are not finished yet: it reaches the handler only on `finish()`. */
export function holdHeaders(port: number, method: string, path: string): Promise<HeldRequest> {
  return holdRequest(
    port,
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`,
    'Connection: close\r\n\r\n',
  );
}
