import { connect } from 'node:net';

/**
 * Sends one raw HTTP/1.1 request line and resolves to the response status, so the request
 * target can be in absolute form (`GET http://a.example/api HTTP/1.1`), which fetch never sends.
 */
export function rawStatus(port: number, target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
    );
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk;
    });
    socket.on('error', reject);
    socket.on('end', () => resolve(Number(data.split(' ')[1])));
  });
}
