import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import type { DnsResolver, DnsResponse, QueryType } from './dns-resolver.ts';
import { formatResolverAddress, type ResolverAddress } from './resolver-address.ts';
import { queryTcp } from './tcp-query.ts';
import { DnsWireError, type DnsMessage, decodeMessage, encodeQuery, RecordType, rcodeName } from './wire.ts';

export interface UdpResolverOptions {
  /** Servers in order of preference; retries move to the next one. At least one. */
  readonly servers: readonly ResolverAddress[];
  /** Per-attempt timeout in milliseconds. */
  readonly timeoutMs?: number;
  /** Further attempts after the first, on timeout (and on SERVFAIL/REFUSED while another server is left). */
  readonly retries?: number;
  /**
   * UDP sockets per address family. Several source ports make spoofed answers harder to land and spread load
   * over the kernel's socket buffers; each socket multiplexes up to 65,536 questions by id.
   */
  readonly sockets?: number;
}

interface Pending {
  readonly name: string;
  readonly type: number;
  readonly typeName: QueryType;
  readonly packet: Buffer;
  attempt: number;
  server: ResolverAddress;
  serverKey: string;
  timer: NodeJS.Timeout | undefined;
  readonly resolve: (response: DnsResponse) => void;
  slot: SocketSlot | undefined;
  id: number;
  /** Servers that answered SERVFAIL/REFUSED: their answer is kept in case no other server does better. */
  fallback: DnsResponse | undefined;
}

interface SocketSlot {
  readonly socket: dgram.Socket;
  readonly pending: Map<number, Pending>;
}

/**
 * A DNS stub resolver over UDP (TCP when a reply is truncated) for high-volume DNSBL lookups.
 *
 * Why not `node:dns`: c-ares hides the reply's rcode behind error strings, retries SERVFAIL on its own terms and
 * cannot report per-answer detail; a scan also needs thousands of questions in flight on a handful of sockets.
 * Replies are accepted only from the server asked, with the id and question echoed (RFC 5452 §9.1).
 */
export class UdpResolver implements DnsResolver {
  readonly #servers: readonly ResolverAddress[];
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #socketCount: number;
  readonly #slots = new Map<4 | 6, SocketSlot[]>();
  #nextSlot = 0;
  #closed = false;
  readonly #tcpInFlight = new Set<AbortController>();

  constructor(options: UdpResolverOptions) {
    if (options.servers.length === 0) throw new RangeError('UdpResolver needs at least one server');
    this.#servers = options.servers;
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#retries = options.retries ?? 2;
    this.#socketCount = Math.max(1, options.sockets ?? 4);
  }

  query(name: string, typeName: QueryType): Promise<DnsResponse> {
    if (this.#closed) return Promise.resolve({ kind: 'error', message: 'resolver closed' });
    let packet: Buffer;
    const type = RecordType[typeName];
    try {
      packet = encodeQuery(0, name, type);
    } catch (error) {
      return Promise.resolve({ kind: 'error', message: (error as Error).message });
    }
    return new Promise<DnsResponse>((resolve) => {
      const server = this.#servers[0] as ResolverAddress;
      const pending: Pending = {
        name: name.toLowerCase().replace(/\.$/, ''),
        type,
        typeName,
        packet,
        attempt: 0,
        server,
        serverKey: formatResolverAddress(server),
        timer: undefined,
        resolve,
        slot: undefined,
        id: 0,
        fallback: undefined,
      };
      this.#send(pending);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const controller of this.#tcpInFlight) controller.abort();
    const closing: Promise<void>[] = [];
    for (const slots of this.#slots.values()) {
      for (const slot of slots) {
        for (const pending of slot.pending.values()) {
          clearTimeout(pending.timer);
          pending.resolve({ kind: 'error', message: 'resolver closed' });
        }
        slot.pending.clear();
        closing.push(new Promise((done) => slot.socket.close(() => done())));
      }
    }
    this.#slots.clear();
    await Promise.all(closing);
  }

  #slotFor(server: ResolverAddress): SocketSlot {
    const family = isIP(server.host) === 6 ? 6 : 4;
    let slots = this.#slots.get(family);
    if (!slots) {
      slots = [];
      for (let i = 0; i < this.#socketCount; i++) slots.push(this.#openSocket(family));
      this.#slots.set(family, slots);
    }
    this.#nextSlot = (this.#nextSlot + 1) % slots.length;
    return slots[this.#nextSlot] as SocketSlot;
  }

  #openSocket(family: 4 | 6): SocketSlot {
    const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
    const slot: SocketSlot = { socket, pending: new Map() };
    socket.on('message', (message, remote) => this.#onMessage(slot, message, remote));
    // Unconnected UDP sockets only report local send problems here; a lost reply shows up as a timeout.
    socket.on('error', () => {});
    socket.bind(0);
    return slot;
  }

  #send(pending: Pending): void {
    const slot = this.#slotFor(pending.server);
    let id = randomInt(0, 0x10000);
    while (slot.pending.has(id)) id = (id + 1) & 0xffff;
    pending.id = id;
    pending.slot = slot;
    pending.packet.writeUInt16BE(id, 0);
    slot.pending.set(id, pending);
    pending.timer = setTimeout(() => this.#onTimeout(pending), this.#timeoutMs);
    slot.socket.send(pending.packet, pending.server.port, pending.server.host, (error) => {
      if (error && slot.pending.get(id) === pending) {
        // A local send failure (no route, buffer full) counts as a failed attempt, like a lost packet.
        clearTimeout(pending.timer);
        slot.pending.delete(id);
        this.#retryOr(pending, { kind: 'error', message: `send failed: ${error.message}` });
      }
    });
  }

  #onTimeout(pending: Pending): void {
    pending.slot?.pending.delete(pending.id);
    this.#retryOr(pending, { kind: 'timeout', attempts: pending.attempt + 1 });
  }

  /** Move to the next attempt (next server, round robin) or finish with `outcome`. */
  #retryOr(pending: Pending, outcome: DnsResponse): void {
    if (this.#closed) return pending.resolve({ kind: 'error', message: 'resolver closed' });
    if (pending.attempt >= this.#retries) {
      return pending.resolve(pending.fallback ?? outcome);
    }
    pending.attempt++;
    const server = this.#servers[pending.attempt % this.#servers.length] as ResolverAddress;
    pending.server = server;
    pending.serverKey = formatResolverAddress(server);
    this.#send(pending);
  }

  #onMessage(slot: SocketSlot, message: Buffer, remote: dgram.RemoteInfo): void {
    if (message.length < 12) return;
    const pending = slot.pending.get(message.readUInt16BE(0));
    if (!pending) return;
    if (remote.port !== pending.server.port || normalizeHost(remote.address) !== pending.server.host) return;
    let decoded: DnsMessage;
    try {
      decoded = decodeMessage(message);
    } catch (error) {
      if (!(error instanceof DnsWireError)) throw error;
      this.#finish(slot, pending);
      pending.resolve({ kind: 'error', message: `malformed reply from ${pending.serverKey}: ${error.message}` });
      return;
    }
    const question = decoded.questions[0];
    // An answer to some other question (late, spoofed, or a confused middlebox) is ignored, not trusted.
    if (!decoded.response || decoded.questions.length !== 1 || !question) return;
    if (question.type !== pending.type || question.name.toLowerCase() !== pending.name) return;
    this.#finish(slot, pending);
    if (decoded.truncated) {
      void this.#queryOverTcp(pending);
      return;
    }
    this.#answer(pending, decoded);
  }

  #finish(slot: SocketSlot, pending: Pending): void {
    clearTimeout(pending.timer);
    slot.pending.delete(pending.id);
  }

  #answer(pending: Pending, decoded: DnsMessage): void {
    const response: DnsResponse = {
      kind: 'answer',
      rcode: rcodeName(decoded.rcode),
      records: decoded.answers,
      server: pending.serverKey,
    };
    // Another server may know better than one that failed; a single server's SERVFAIL is its final word.
    const failed = response.rcode === 'SERVFAIL' || response.rcode === 'REFUSED';
    if (failed && this.#servers.length > 1 && pending.attempt < this.#retries) {
      pending.fallback = response;
      this.#retryOr(pending, response);
      return;
    }
    pending.resolve(response);
  }

  async #queryOverTcp(pending: Pending): Promise<void> {
    const controller = new AbortController();
    this.#tcpInFlight.add(controller);
    try {
      const result = await queryTcp(pending.server, pending.packet, this.#timeoutMs, controller.signal);
      if (this.#closed) return pending.resolve({ kind: 'error', message: 'resolver closed' });
      if (result.kind === 'message') {
        const question = result.message.questions[0];
        if (question && question.type === pending.type && question.name.toLowerCase() === pending.name) {
          return this.#answer(pending, result.message);
        }
        return this.#retryOr(pending, { kind: 'error', message: 'TCP reply did not match the question' });
      }
      this.#retryOr(pending, result.kind === 'timeout' ? { kind: 'timeout', attempts: pending.attempt + 1 } : result);
    } finally {
      this.#tcpInFlight.delete(controller);
    }
  }
}

/** `::ffff:127.0.0.1` (an IPv4 reply on a dual-stack socket) compares equal to `127.0.0.1`. */
function normalizeHost(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
}
