/**
 * Minimal DNS wire format (RFC 1035) for what a DNSBL client needs: build a query, read a response (header,
 * question, answer records of the types below), and build responses for the loopback test server.
 * Owning the codec lets the client see the exact rcode, the TC bit and every record, which Node's resolver hides.
 * @see https://www.rfc-editor.org/rfc/rfc1035#section-4
 */
import { compressIpv6 } from '../domain/ip-text.ts';

export const RecordType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  OPT: 41,
} as const;
export type RecordTypeName = keyof typeof RecordType;

const typeNames = new Map<number, RecordTypeName>(
  Object.entries(RecordType).map(([name, code]) => [code, name as RecordTypeName]),
);

export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type RcodeName = keyof typeof Rcode;
const rcodeNames = new Map<number, RcodeName>(
  Object.entries(Rcode).map(([name, code]) => [code, name as RcodeName]),
);

/** The rcode's name, or `RCODE<n>` for codes this client has no name for. */
export function rcodeName(code: number): string {
  return rcodeNames.get(code) ?? `RCODE${code}`;
}

export interface DnsRecord {
  readonly name: string;
  readonly type: RecordTypeName | number;
  readonly ttl: number;
  /**
   * A/AAAA: the address; TXT: the character-strings of one record joined (RFC 7208 §3.3 style, no separator);
   * CNAME/NS/PTR: the target name; MX: `<preference> <exchange>`. Other types: hex of the raw rdata.
   */
  readonly value: string;
}

export interface DnsMessage {
  readonly id: number;
  readonly response: boolean;
  readonly opcode: number;
  readonly authoritative: boolean;
  readonly truncated: boolean;
  readonly recursionDesired: boolean;
  readonly recursionAvailable: boolean;
  readonly rcode: number;
  readonly questions: readonly { readonly name: string; readonly type: number; readonly class: number }[];
  readonly answers: readonly DnsRecord[];
}

export class DnsWireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnsWireError';
  }
}

/** Encode a domain name as length-prefixed labels. Throws on labels over 63 octets or names over 255. */
function writeName(name: string, out: number[]): void {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  let total = 1;
  if (trimmed.length > 0) {
    for (const label of trimmed.split('.')) {
      const bytes = Buffer.from(label, 'latin1');
      if (bytes.length === 0 || bytes.length > 63) throw new DnsWireError(`bad label in name "${name}"`);
      total += bytes.length + 1;
      out.push(bytes.length, ...bytes);
    }
  }
  if (total > 255) throw new DnsWireError(`name too long: "${name}"`);
  out.push(0);
}

/**
 * Build a standard query with RD set and one question (class IN). Written straight into one buffer: a scan
 * builds hundreds of thousands of these.
 */
export function encodeQuery(id: number, name: string, type: number): Buffer {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  const nameLength = trimmed.length === 0 ? 1 : Buffer.byteLength(trimmed, 'latin1') + 2;
  if (nameLength > 255) throw new DnsWireError(`name too long: "${name}"`);
  const buf = Buffer.allocUnsafe(12 + nameLength + 4);
  buf.writeUInt16BE(id, 0);
  buf.writeUInt16BE(0x0100, 2);
  buf.writeUInt32BE(0x00010000, 4);
  buf.writeUInt32BE(0, 8);
  // Labels are copied a character at a time: cheaper than slicing and writing each one for short names.
  let lengthAt = 12;
  let offset = 13;
  for (let i = 0; i < trimmed.length; i++) {
    const code = trimmed.charCodeAt(i);
    if (code > 0xff) throw new DnsWireError(`non-ASCII character in name "${name}"`);
    if (code === 0x2e) {
      closeLabel(buf, lengthAt, offset, name);
      lengthAt = offset;
    } else {
      buf[offset] = code;
    }
    offset++;
  }
  if (trimmed.length > 0) closeLabel(buf, lengthAt, offset, name);
  else offset = 12;
  buf[offset] = 0;
  buf.writeUInt16BE(type, offset + 1);
  buf.writeUInt16BE(1, offset + 3);
  return buf;
}

/** Write the length byte of the label that runs from `lengthAt + 1` to `end`. */
function closeLabel(buf: Buffer, lengthAt: number, end: number, name: string): void {
  const length = end - lengthAt - 1;
  if (length === 0 || length > 63) throw new DnsWireError(`bad label in name "${name}"`);
  buf[lengthAt] = length;
}

function readName(buf: Buffer, start: number): { name: string; next: number } {
  const labels: string[] = [];
  let offset = start;
  let next = -1;
  // Compression pointers may only point backwards; a hop budget stops loops in hostile packets.
  for (let hops = 0; hops < 128; hops++) {
    if (offset >= buf.length) throw new DnsWireError('name runs past end of message');
    const len = buf[offset] ?? 0;
    if (len === 0) {
      return { name: labels.join('.'), next: next === -1 ? offset + 1 : next };
    }
    if ((len & 0xc0) === 0xc0) {
      if (offset + 1 >= buf.length) throw new DnsWireError('truncated compression pointer');
      const pointer = ((len & 0x3f) << 8) | (buf[offset + 1] ?? 0);
      if (next === -1) next = offset + 2;
      if (pointer >= offset) throw new DnsWireError('forward compression pointer');
      offset = pointer;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new DnsWireError('unsupported label type');
    if (offset + 1 + len > buf.length) throw new DnsWireError('label runs past end of message');
    labels.push(buf.toString('latin1', offset + 1, offset + 1 + len));
    offset += 1 + len;
  }
  throw new DnsWireError('too many compression pointers');
}

function readRdata(buf: Buffer, type: number, start: number, length: number): string {
  const end = start + length;
  switch (type) {
    case RecordType.A:
      if (length !== 4) throw new DnsWireError('A record with bad length');
      return `${buf[start]}.${buf[start + 1]}.${buf[start + 2]}.${buf[start + 3]}`;
    case RecordType.AAAA: {
      if (length !== 16) throw new DnsWireError('AAAA record with bad length');
      const groups: string[] = [];
      for (let i = 0; i < 16; i += 2) groups.push(buf.readUInt16BE(start + i).toString(16));
      return compressIpv6(groups);
    }
    case RecordType.TXT: {
      const parts: string[] = [];
      let offset = start;
      while (offset < end) {
        const len = buf[offset] ?? 0;
        if (offset + 1 + len > end) throw new DnsWireError('TXT string runs past rdata');
        parts.push(buf.toString('utf8', offset + 1, offset + 1 + len));
        offset += 1 + len;
      }
      return parts.join('');
    }
    case RecordType.CNAME:
    case RecordType.NS:
    case RecordType.PTR:
      return readName(buf, start).name;
    case RecordType.MX:
      if (length < 3) throw new DnsWireError('MX record with bad length');
      return `${buf.readUInt16BE(start)} ${readName(buf, start + 2).name}`;
    default:
      return buf.toString('hex', start, end);
  }
}

/** Parse a whole DNS message. Throws DnsWireError on anything malformed. */
export function decodeMessage(buf: Buffer): DnsMessage {
  if (buf.length < 12) throw new DnsWireError('message shorter than a header');
  const flags = buf.readUInt16BE(2);
  const qdcount = buf.readUInt16BE(4);
  const ancount = buf.readUInt16BE(6);
  let offset = 12;
  const questions: { name: string; type: number; class: number }[] = [];
  for (let i = 0; i < qdcount; i++) {
    const { name, next } = readName(buf, offset);
    if (next + 4 > buf.length) throw new DnsWireError('question runs past end of message');
    questions.push({ name, type: buf.readUInt16BE(next), class: buf.readUInt16BE(next + 2) });
    offset = next + 4;
  }
  const answers: DnsRecord[] = [];
  for (let i = 0; i < ancount; i++) {
    const { name, next } = readName(buf, offset);
    if (next + 10 > buf.length) throw new DnsWireError('record header runs past end of message');
    const type = buf.readUInt16BE(next);
    const ttl = buf.readUInt32BE(next + 4);
    const rdlength = buf.readUInt16BE(next + 8);
    const rdstart = next + 10;
    if (rdstart + rdlength > buf.length) throw new DnsWireError('rdata runs past end of message');
    answers.push({
      name,
      type: typeNames.get(type) ?? type,
      ttl,
      value: readRdata(buf, type, rdstart, rdlength),
    });
    offset = rdstart + rdlength;
  }
  return {
    id: buf.readUInt16BE(0),
    response: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    authoritative: (flags & 0x0400) !== 0,
    truncated: (flags & 0x0200) !== 0,
    recursionDesired: (flags & 0x0100) !== 0,
    recursionAvailable: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    questions,
    answers,
  };
}

/** A record to put in a response built by {@link encodeResponse}. */
export interface ResponseRecord {
  readonly name: string;
  readonly type: RecordTypeName;
  readonly ttl?: number;
  /** A/AAAA address, TXT text (split into 255-octet strings), CNAME target, MX `<pref> <host>`. */
  readonly value: string;
}

function writeIpv6(address: string, out: number[]): void {
  const [head = '', tail] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups];
  if (groups.length !== 8) throw new DnsWireError(`bad IPv6 address ${address}`);
  for (const group of groups) {
    const n = Number.parseInt(group, 16);
    out.push(n >> 8, n & 0xff);
  }
}

function writeRecord(record: ResponseRecord, out: number[]): void {
  writeName(record.name, out);
  const type = RecordType[record.type];
  const ttl = record.ttl ?? 300;
  out.push(
    type >> 8,
    type & 0xff,
    0,
    1,
    (ttl >>> 24) & 0xff,
    (ttl >> 16) & 0xff,
    (ttl >> 8) & 0xff,
    ttl & 0xff,
  );
  const rdata: number[] = [];
  switch (record.type) {
    case 'A':
      rdata.push(...record.value.split('.').map((part) => Number(part)));
      break;
    case 'AAAA':
      writeIpv6(record.value, rdata);
      break;
    case 'TXT': {
      const bytes = Buffer.from(record.value, 'utf8');
      for (let i = 0; i < bytes.length || i === 0; i += 255) {
        const chunk = bytes.subarray(i, i + 255);
        rdata.push(chunk.length, ...chunk);
        if (bytes.length === 0) break;
      }
      break;
    }
    case 'MX': {
      const [pref = '10', host = ''] = record.value.split(' ');
      const n = Number(pref);
      rdata.push(n >> 8, n & 0xff);
      writeName(host, rdata);
      break;
    }
    default:
      writeName(record.value, rdata);
  }
  out.push(rdata.length >> 8, rdata.length & 0xff, ...rdata);
}

/** Build a response to `query` (echoing its id and question) with the given rcode and answers. */
export function encodeResponse(
  query: DnsMessage,
  options: {
    rcode?: number;
    answers?: readonly ResponseRecord[];
    truncated?: boolean;
    recursionAvailable?: boolean;
  },
): Buffer {
  const answers = options.answers ?? [];
  let flags = 0x8000 | (query.recursionDesired ? 0x0100 : 0) | ((options.rcode ?? 0) & 0xf);
  if (options.truncated) flags |= 0x0200;
  if (options.recursionAvailable ?? true) flags |= 0x0080;
  const out: number[] = [query.id >> 8, query.id & 0xff, flags >> 8, flags & 0xff];
  out.push(0, query.questions.length, answers.length >> 8, answers.length & 0xff, 0, 0, 0, 0);
  for (const question of query.questions) {
    writeName(question.name, out);
    out.push(question.type >> 8, question.type & 0xff, question.class >> 8, question.class & 0xff);
  }
  for (const record of answers) writeRecord(record, out);
  return Buffer.from(out);
}
