import dgram from 'node:dgram';
import net from 'node:net';
import {
  type DnsMessage,
  decodeMessage,
  encodeResponse,
  Rcode,
  RecordType,
  type RecordTypeName,
  type ResponseRecord,
} from '../../src/dns/wire.ts';

/** What the fake server does with one question. */
export interface FakeAnswer {
  readonly rcode?: keyof typeof Rcode;
  readonly answers?: readonly ResponseRecord[];
  /** Say nothing (a lost packet or a dead server). */
  readonly drop?: boolean;
  /** Over UDP, reply with the TC bit and no answers; the full answer is served over TCP. */
  readonly truncate?: boolean;
  /** Reply after this many milliseconds. */
  readonly delayMs?: number;
  /** Send these bytes instead of a well-formed reply (the id is patched in). */
  readonly raw?: Buffer;
  /** Reply with a different question name (a spoofed or confused reply). */
  readonly wrongQuestion?: string;
}

export interface FakeQuestion {
  readonly name: string;
  readonly type: RecordTypeName | number;
  readonly transport: 'udp' | 'tcp';
}

export type FakeHandler = (question: FakeQuestion) => FakeAnswer | undefined;

export interface FakeDnsServer {
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:PORT` */
  readonly address: string;
  /** Every question received, in order. */
  readonly questions: FakeQuestion[];
  setHandler(handler: FakeHandler): void;
  close(): Promise<void>;
}

const typeNames = new Map<number, RecordTypeName>(
  Object.entries(RecordType).map(([name, code]) => [code, name as RecordTypeName]),
);

/**
 * Records keyed by owner name (lowercase, no trailing dot) and type. A name that is absent is NXDOMAIN; a name with
 * no records of the asked type is NOERROR/NODATA.
 */
export type ZoneData = Record<
  string,
  Partial<Record<'A' | 'AAAA' | 'TXT' | 'MX' | 'CNAME', readonly string[]>>
>;

/** A handler serving static data, the way an authoritative DNSBL server would. */
export function serveZoneData(data: ZoneData): FakeHandler {
  return (question) => {
    const entry = data[question.name.toLowerCase()];
    if (!entry) return { rcode: 'NXDOMAIN' };
    const type = typeof question.type === 'string' ? question.type : undefined;
    const values = type && type in entry ? (entry[type as keyof typeof entry] ?? []) : [];
    return {
      answers: values.map((value) => ({ name: question.name, type: type as RecordTypeName, ttl: 60, value })),
    };
  };
}

/**
 * An in-process DNS server on 127.0.0.1 (UDP and TCP on one random port) whose every answer the test controls,
 * including the shapes real servers produce only when something is wrong.
 */
export async function startFakeDnsServer(handler: FakeHandler = () => undefined): Promise<FakeDnsServer> {
  let current = handler;
  const questions: FakeQuestion[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let udp = dgram.createSocket('udp4');
  const tcp = net.createServer();
  const sockets = new Set<net.Socket>();

  const reply = (query: DnsMessage, transport: 'udp' | 'tcp', send: (packet: Buffer) => void): void => {
    const first = query.questions[0];
    if (!first) return;
    const question: FakeQuestion = {
      name: first.name,
      type: typeNames.get(first.type) ?? first.type,
      transport,
    };
    questions.push(question);
    const answer = current(question) ?? { rcode: 'NXDOMAIN' };
    if (answer.drop) return;
    let packet: Buffer;
    if (answer.raw) {
      packet = Buffer.from(answer.raw);
      packet.writeUInt16BE(query.id, 0);
    } else if (answer.truncate && transport === 'udp') {
      packet = encodeResponse(query, { truncated: true });
    } else {
      const echoed = answer.wrongQuestion
        ? { ...query, questions: [{ ...first, name: answer.wrongQuestion }] }
        : query;
      packet = encodeResponse(echoed, {
        rcode: Rcode[answer.rcode ?? 'NOERROR'],
        answers: answer.answers ?? [],
      });
    }
    if (answer.delayMs) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        send(packet);
      }, answer.delayMs);
      timers.add(timer);
    } else {
      send(packet);
    }
  };

  const onUdpMessage = (message: Buffer, remote: dgram.RemoteInfo): void => {
    let query: DnsMessage;
    try {
      query = decodeMessage(message);
    } catch {
      return;
    }
    reply(query, 'udp', (packet) => udp.send(packet, remote.port, remote.address));
  };
  udp.on('message', onUdpMessage);

  tcp.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (buffered.length < 2 + length) return;
        const message = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        let query: DnsMessage;
        try {
          query = decodeMessage(message);
        } catch {
          socket.destroy();
          return;
        }
        reply(query, 'tcp', (packet) => {
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16BE(packet.length, 0);
          if (!socket.destroyed) socket.write(Buffer.concat([prefix, packet]));
        });
      }
    });
  });

  // Bind UDP to a random port, then TCP to the same number; retry if that TCP port happens to be taken.
  for (let attempt = 0; ; attempt++) {
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const port = udp.address().port;
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) break;
    if (attempt >= 10) throw new Error('could not bind the fake DNS server');
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    udp = dgram.createSocket('udp4');
    udp.on('message', onUdpMessage);
  }
  const port = udp.address().port;

  return {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    questions,
    setHandler(next) {
      current = next;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ]);
    },
  };
}
