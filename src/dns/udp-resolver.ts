import { randomFillSync } from 'node:crypto';
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import type { DnsResolver, DnsResponse, QueryType } from './dns-resolver.ts';
import { formatResolverAddress, type ResolverAddress } from './resolver-address.ts';
import { queryTcp } from './tcp-query.ts';
import { type DnsMessage, DnsWireError, decodeMessage, encodeQuery, RecordType, rcodeName } from './wire.ts';

export interface UdpResolverOptions {
  /** Servers in order of preference; retries move to the next one. At least one. */
  readonly servers: readonly ResolverAddress[];
  /** Per-attempt timeout in milliseconds. */
  readonly timeoutMs?: number;
  /** Further attempts after the first, on timeout (and on SERVFAIL/REFUSED while another server is left). */
  readonly retries?: number;
  /**
   * Base of the wait before a retry after a timeout, in milliseconds (default 200): the n-th retry waits a random
   * delay in [0.5, 1] x base x 2^(n-1) before it is sent, so that the questions of one lost burst do not all come
   * back at the same moment and get lost again.
   */
  readonly retryBackoffMs?: number;
  /** Random numbers in [0, 1) for the retry jitter; injectable for tests. */
  readonly random?: () => number;
  /**
   * UDP sockets per server. Several source ports make spoofed answers harder to land and spread load over the
   * kernel's socket buffers; each socket multiplexes up to 65,536 questions by id.
   */
  readonly sockets?: number;
}

export interface UdpResolverStats {
  /** Questions asked. */
  readonly queries: number;
  /** UDP packets sent, first attempts and retries. */
  readonly packetsSent: number;
  readonly retries: number;
  /** Attempts that got no reply in time. */
  readonly timeouts: number;
  /** Questions re-asked over TCP after a truncated reply. */
  readonly tcp: number;
}

interface Pending {
  readonly name: string;
  readonly type: number;
  readonly packet: Buffer;
  readonly resolve: (response: DnsResponse) => void;
  attempt: number;
  server: ServerSlots;
  slot: SocketSlot | undefined;
  id: number;
  /** Deadline of the current attempt (ms, performance clock); 0 once the attempt is over. */
  deadline: number;
  /** Bumped on every send, so a deadline entry of an earlier attempt is recognised as stale. */
  sequence: number;
  /** A SERVFAIL/REFUSED kept in case no other server does better. */
  fallback: DnsResponse | undefined;
}

interface SocketSlot {
  readonly socket: dgram.Socket;
  readonly pending: Map<number, Pending>;
  /** Packets waiting for `connect()` to finish. */
  queued: Pending[] | undefined;
}

interface ServerSlots {
  readonly address: ResolverAddress;
  readonly key: string;
  slots: SocketSlot[] | undefined;
  next: number;
}

/**
 * A DNS stub resolver over UDP (TCP when a reply is truncated) for high-volume DNSBL lookups.
 *
 * Why not `node:dns`: c-ares hides the reply's rcode behind error strings, retries SERVFAIL on its own terms and
 * cannot report per-answer detail; a scan also needs hundreds of questions in flight on a handful of sockets.
 *
 * Sockets are connected to their server, so the kernel drops datagrams from anyone else; a reply must also echo
 * the random id and the question (RFC 5452 §9.1). All attempts share one timeout, so deadlines expire in send order
 * and one timer over a FIFO queue replaces a timer per packet. A retry after a timeout waits a jittered,
 * exponentially growing delay first; those waits are not in send order, so they sit in a small min-heap, served by
 * the same single timer.
 */
export class UdpResolver implements DnsResolver {
  readonly #servers: readonly ServerSlots[];
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #socketCount: number;
  #closed = false;
  readonly #stats = { queries: 0, packetsSent: 0, retries: 0, timeouts: 0, tcp: 0 };
  readonly #tcpInFlight = new Set<AbortController>();
  /**
   * Attempts in deadline order as parallel arrays of (socket, id, sequence, deadline). Entries point at the
   * question by socket and id rather than holding it, so an answered question is garbage as soon as it is
   * answered; stale entries (answered, or re-sent since) are skipped when reached.
   */
  #queueSlots: SocketSlot[] = [];
  #queueIds: number[] = [];
  #queueSequences: number[] = [];
  #queueDeadlines: number[] = [];
  #queueHead = 0;
  #sequence = 0;
  /** Retries waiting out their backoff, as a binary min-heap on the time they are due (performance clock). */
  #backoff: { readonly at: number; readonly pending: Pending }[] = [];
  readonly #retryBackoffMs: number;
  readonly #random: () => number;
  #timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (performance clock), so an earlier wake-up can replace it. */
  #timerAt = 0;
  readonly #ids = new Uint16Array(4096);
  #idCursor = this.#ids.length;

  constructor(options: UdpResolverOptions) {
    if (options.servers.length === 0) throw new RangeError('UdpResolver needs at least one server');
    this.#servers = options.servers.map((address) => ({
      address,
      key: formatResolverAddress(address),
      slots: undefined,
      next: 0,
    }));
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#retries = options.retries ?? 2;
    this.#socketCount = Math.max(1, options.sockets ?? 2);
    this.#retryBackoffMs = Math.max(0, options.retryBackoffMs ?? 200);
    this.#random = options.random ?? Math.random;
  }

  /** Counters since creation. */
  get stats(): UdpResolverStats {
    return { ...this.#stats };
  }

  query(name: string, typeName: QueryType): Promise<DnsResponse> {
    this.#stats.queries++;
    if (this.#closed) return Promise.resolve({ kind: 'error', message: 'resolver closed' });
    let packet: Buffer;
    try {
      packet = encodeQuery(0, name, RecordType[typeName]);
    } catch (error) {
      return Promise.resolve({ kind: 'error', message: (error as Error).message });
    }
    return new Promise<DnsResponse>((resolve) => {
      this.#send({
        name: name.endsWith('.') ? name.slice(0, -1).toLowerCase() : name.toLowerCase(),
        type: RecordType[typeName],
        packet,
        resolve,
        attempt: 0,
        server: this.#servers[0] as ServerSlots,
        slot: undefined,
        id: 0,
        deadline: 0,
        sequence: 0,
        fallback: undefined,
      });
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const controller of this.#tcpInFlight) controller.abort();
    const closing: Promise<void>[] = [];
    for (const server of this.#servers) {
      for (const slot of server.slots ?? []) {
        for (const pending of slot.pending.values())
          pending.resolve({ kind: 'error', message: 'resolver closed' });
        for (const pending of slot.queued ?? [])
          pending.resolve({ kind: 'error', message: 'resolver closed' });
        slot.pending.clear();
        closing.push(new Promise((done) => slot.socket.close(() => done())));
      }
      server.slots = undefined;
    }
    for (const { pending } of this.#backoff) pending.resolve({ kind: 'error', message: 'resolver closed' });
    this.#backoff = [];
    this.#queueSlots = [];
    await Promise.all(closing);
  }

  #nextId(): number {
    if (this.#idCursor >= this.#ids.length) {
      randomFillSync(this.#ids);
      this.#idCursor = 0;
    }
    return this.#ids[this.#idCursor++] as number;
  }

  #slotFor(server: ServerSlots): SocketSlot {
    if (!server.slots) {
      server.slots = [];
      for (let i = 0; i < this.#socketCount; i++) server.slots.push(this.#openSocket(server.address));
    }
    server.next = (server.next + 1) % server.slots.length;
    return server.slots[server.next] as SocketSlot;
  }

  #openSocket(address: ResolverAddress): SocketSlot {
    const socket = dgram.createSocket({ type: isIP(address.host) === 6 ? 'udp6' : 'udp4' });
    const slot: SocketSlot = { socket, pending: new Map(), queued: [] };
    socket.on('message', (message) => this.#onMessage(slot, message));
    // ICMP errors (port unreachable) surface here on a connected socket; the attempt then simply times out.
    socket.on('error', () => {});
    socket.connect(address.port, address.host, () => {
      const queued = slot.queued ?? [];
      slot.queued = undefined;
      for (const pending of queued) this.#transmit(slot, pending);
    });
    return slot;
  }

  #send(pending: Pending): void {
    const slot = this.#slotFor(pending.server);
    let id = this.#nextId();
    while (slot.pending.has(id)) id = (id + 1) & 0xffff;
    pending.id = id;
    pending.slot = slot;
    pending.packet.writeUInt16BE(id, 0);
    slot.pending.set(id, pending);
    pending.deadline = performance.now() + this.#timeoutMs;
    pending.sequence = ++this.#sequence;
    this.#queueSlots.push(slot);
    this.#queueIds.push(id);
    this.#queueSequences.push(pending.sequence);
    this.#queueDeadlines.push(pending.deadline);
    // Deadlines only grow, so this is true only for the first send or when the timer waits for a late backoff.
    if (!this.#timer || pending.deadline < this.#timerAt) this.#armTimer();
    this.#stats.packetsSent++;
    if (slot.queued) slot.queued.push(pending);
    else this.#transmit(slot, pending);
  }

  #transmit(slot: SocketSlot, pending: Pending): void {
    // No per-packet callback: without one Node sends synchronously (uv_udp_try_send), which is what lets a scan
    // reach tens of thousands of lookups per second. A local send failure shows up as a timeout and a retry.
    slot.socket.send(pending.packet);
  }

  /** The live question behind queue entry `index`, if its attempt is still waiting for a reply. */
  #liveAt(index: number): Pending | undefined {
    const pending = this.#queueSlots[index]?.pending.get(this.#queueIds[index] as number);
    return pending && pending.sequence === this.#queueSequences[index] ? pending : undefined;
  }

  /** Arm the one timer for the earliest of the next live deadline and the next retry due. */
  #armTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queueHead < this.#queueSlots.length && !this.#liveAt(this.#queueHead)) this.#queueHead++;
    let next =
      this.#queueHead < this.#queueSlots.length
        ? (this.#queueDeadlines[this.#queueHead] as number)
        : Infinity;
    const due = this.#backoff[0];
    if (due && due.at < next) next = due.at;
    if (next === Infinity) return;
    this.#timerAt = next;
    this.#timer = setTimeout(() => this.#onTimer(), Math.ceil(Math.max(0, next - performance.now())));
  }

  #onTimer(): void {
    this.#timer = undefined;
    const now = performance.now();
    while (this.#queueHead < this.#queueSlots.length) {
      const pending = this.#liveAt(this.#queueHead);
      if (pending && pending.deadline > now) break;
      this.#queueHead++;
      if (!pending) continue;
      this.#endAttempt(pending);
      this.#stats.timeouts++;
      this.#retryOr(pending, { kind: 'timeout', attempts: pending.attempt + 1 });
    }
    // Drop the consumed prefix now and then so the queue does not grow for the life of a long scan.
    if (this.#queueHead > 4096 && this.#queueHead * 2 > this.#queueSlots.length) {
      const head = this.#queueHead;
      this.#queueSlots = this.#queueSlots.slice(head);
      this.#queueIds = this.#queueIds.slice(head);
      this.#queueSequences = this.#queueSequences.slice(head);
      this.#queueDeadlines = this.#queueDeadlines.slice(head);
      this.#queueHead = 0;
    }
    while (!this.#closed && (this.#backoff[0]?.at ?? Infinity) <= now) {
      this.#send((this.#popBackoff() as { pending: Pending }).pending);
    }
    if (!this.#closed) this.#armTimer();
  }

  /** Hold a retry back for its jittered, exponential delay: [0.5, 1] x base x 2^(retry - 1). */
  #sendLater(pending: Pending): void {
    const delay = this.#retryBackoffMs * 2 ** (pending.attempt - 1) * (0.5 + 0.5 * this.#random());
    const entry = { at: performance.now() + delay, pending };
    const heap = this.#backoff;
    heap.push(entry);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as typeof entry).at <= entry.at) break;
      heap[i] = heap[parent] as typeof entry;
      heap[parent] = entry;
      i = parent;
    }
    if (!this.#timer || entry.at < this.#timerAt) this.#armTimer();
  }

  #popBackoff(): { readonly at: number; readonly pending: Pending } | undefined {
    const heap = this.#backoff;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && (heap[left] as typeof last).at < (heap[smallest] as typeof last).at)
        smallest = left;
      if (right < heap.length && (heap[right] as typeof last).at < (heap[smallest] as typeof last).at)
        smallest = right;
      if (smallest === i) break;
      heap[i] = heap[smallest] as typeof last;
      heap[smallest] = last;
      i = smallest;
    }
    return top;
  }

  #endAttempt(pending: Pending): void {
    pending.deadline = 0;
    if (pending.slot?.pending.get(pending.id) === pending) pending.slot.pending.delete(pending.id);
  }

  /** Move to the next attempt (next server, round robin) or finish with `outcome`. */
  #retryOr(pending: Pending, outcome: DnsResponse): void {
    if (this.#closed) {
      pending.resolve({ kind: 'error', message: 'resolver closed' });
      return;
    }
    if (pending.attempt >= this.#retries) {
      pending.resolve(pending.fallback ?? outcome);
      return;
    }
    pending.attempt++;
    this.#stats.retries++;
    pending.server = this.#servers[pending.attempt % this.#servers.length] as ServerSlots;
    // After a timeout the network or the server is overloaded: wait before asking again. A SERVFAIL or REFUSED
    // came back at once and the retry goes to another server, so it need not wait.
    if (outcome.kind === 'timeout' && this.#retryBackoffMs > 0) this.#sendLater(pending);
    else this.#send(pending);
  }

  #onMessage(slot: SocketSlot, message: Buffer): void {
    if (message.length < 12) return;
    const pending = slot.pending.get(message.readUInt16BE(0));
    if (!pending) return;
    let decoded: DnsMessage;
    try {
      decoded = decodeMessage(message);
    } catch (error) {
      if (!(error instanceof DnsWireError)) throw error;
      this.#endAttempt(pending);
      pending.resolve({
        kind: 'error',
        message: `malformed reply from ${pending.server.key}: ${error.message}`,
      });
      return;
    }
    const question = decoded.questions[0];
    // An answer to some other question (late, spoofed, or a confused middlebox) is ignored, not trusted.
    if (!decoded.response || decoded.questions.length !== 1 || !question) return;
    if (question.type !== pending.type || question.name.toLowerCase() !== pending.name) return;
    this.#endAttempt(pending);
    if (decoded.truncated) {
      void this.#queryOverTcp(pending);
      return;
    }
    this.#answer(pending, decoded);
  }

  #answer(pending: Pending, decoded: DnsMessage): void {
    const response: DnsResponse = {
      kind: 'answer',
      rcode: rcodeName(decoded.rcode),
      records: decoded.answers,
      server: pending.server.key,
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
    this.#stats.tcp++;
    const controller = new AbortController();
    this.#tcpInFlight.add(controller);
    try {
      const result = await queryTcp(
        pending.server.address,
        pending.packet,
        this.#timeoutMs,
        controller.signal,
      );
      if (this.#closed) return pending.resolve({ kind: 'error', message: 'resolver closed' });
      if (result.kind === 'message') {
        const question = result.message.questions[0];
        if (question && question.type === pending.type && question.name.toLowerCase() === pending.name) {
          return this.#answer(pending, result.message);
        }
        return this.#retryOr(pending, { kind: 'error', message: 'TCP reply did not match the question' });
      }
      this.#retryOr(
        pending,
        result.kind === 'timeout' ? { kind: 'timeout', attempts: pending.attempt + 1 } : result,
      );
    } finally {
      this.#tcpInFlight.delete(controller);
    }
  }
}
