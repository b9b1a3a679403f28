import dgram from 'node:dgram';
import { decodeMessage } from '../../src/dns/wire.ts';

export interface DnsProxy {
  readonly host: string;
  readonly port: number;
  /** Questions whose name matches are silently dropped: the zone "stops answering". */
  setDrop(drop: (name: string) => boolean): void;
  close(): Promise<void>;
}

/**
 * A UDP DNS forwarder on 127.0.0.1 in front of another server (rbldnsd), able to drop chosen questions, so a test
 * can make one zone fall silent while the others keep answering, as when a list's servers go down. `delayMs`
 * holds every question that long, like a distant server, so a scan lasts long enough to be interrupted.
 */
export async function startDnsProxy(
  upstream: { host: string; port: number },
  options: { delayMs?: number } = {},
): Promise<DnsProxy> {
  let drop: (name: string) => boolean = () => false;
  const front = dgram.createSocket('udp4');
  // One upstream socket per client address, so query ids from different clients cannot collide.
  const backs = new Map<string, dgram.Socket>();
  front.on('message', (message, client) => {
    let name = '';
    try {
      name = decodeMessage(message).questions[0]?.name ?? '';
    } catch {
      return;
    }
    if (drop(name.toLowerCase())) return;
    const key = `${client.address}:${client.port}`;
    let back = backs.get(key);
    if (!back) {
      back = dgram.createSocket('udp4');
      back.on('message', (reply) => front.send(reply, client.port, client.address));
      back.on('error', () => {});
      backs.set(key, back);
    }
    const forward = back;
    if (options.delayMs)
      setTimeout(() => forward.send(message, upstream.port, upstream.host), options.delayMs);
    else forward.send(message, upstream.port, upstream.host);
  });
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve));
  return {
    host: '127.0.0.1',
    port: front.address().port,
    setDrop(next) {
      drop = next;
    },
    async close() {
      for (const back of backs.values()) back.close();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}
