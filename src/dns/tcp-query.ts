import net from 'node:net';
import type { ResolverAddress } from './resolver-address.ts';
import { type DnsMessage, DnsWireError, decodeMessage } from './wire.ts';

export type TcpQueryResult =
  | { readonly kind: 'message'; readonly message: DnsMessage }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'error'; readonly message: string };

/** Largest reply accepted over TCP; DNS messages cannot exceed 65,535 octets anyway. */
const maxLength = 0xffff;

/**
 * Ask one question over TCP (RFC 1035 §4.2.2: two-octet length prefix), used when a UDP reply comes back
 * truncated (TC bit), as large TXT reasons sometimes do.
 */
export function queryTcp(
  server: ResolverAddress,
  packet: Buffer,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<TcpQueryResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: server.host, port: server.port });
    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    const finish = (result: TcpQueryResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = (): void => finish({ kind: 'error', message: 'resolver closed' });
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    signal.addEventListener('abort', onAbort);
    socket.on('connect', () => {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(packet.length, 0);
      socket.write(Buffer.concat([prefix, packet]));
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 2) return;
      const all = Buffer.concat(chunks);
      const length = all.readUInt16BE(0);
      if (length > maxLength) return finish({ kind: 'error', message: 'TCP reply too long' });
      if (all.length < 2 + length) return;
      try {
        finish({ kind: 'message', message: decodeMessage(all.subarray(2, 2 + length)) });
      } catch (error) {
        if (!(error instanceof DnsWireError)) throw error;
        finish({ kind: 'error', message: `malformed TCP reply: ${error.message}` });
      }
    });
    socket.on('error', (error) => finish({ kind: 'error', message: `TCP query failed: ${error.message}` }));
    socket.on('close', () => finish({ kind: 'error', message: 'TCP connection closed before a full reply' }));
  });
}
