import { describe, expect, it } from 'vitest';
import {
  DnsWireError,
  decodeMessage,
  encodeQuery,
  encodeResponse,
  RecordType,
} from '../../../src/dns/wire.ts';

describe('DNS wire format', () => {
  it('round-trips a query and a response with compression-free names', () => {
    const query = decodeMessage(encodeQuery(0xbeef, '2.0.0.127.zen.test', RecordType.A));
    expect(query).toMatchObject({ id: 0xbeef, response: false, recursionDesired: true });
    expect(query.questions).toEqual([{ name: '2.0.0.127.zen.test', type: RecordType.A, class: 1 }]);
    const reply = decodeMessage(
      encodeResponse(query, {
        answers: [
          { name: '2.0.0.127.zen.test', type: 'A', value: '127.0.0.2' },
          { name: '2.0.0.127.zen.test', type: 'TXT', value: 'y'.repeat(300) },
        ],
      }),
    );
    expect(reply.answers.map((a) => a.value)).toEqual(['127.0.0.2', 'y'.repeat(300)]);
  });

  it('refuses labels over 63 octets and names over 255', () => {
    expect(() => encodeQuery(1, `${'a'.repeat(64)}.test`, RecordType.A)).toThrow(DnsWireError);
    expect(() => encodeQuery(1, `${'abcdefghi.'.repeat(26)}test`, RecordType.A)).toThrow(DnsWireError);
  });

  it.each([
    ['a short packet', Buffer.from([0, 1, 0x81])],
    ['a compression loop', Buffer.from([0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1])],
    ['a label past the end', Buffer.from([0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 9, 0x61])],
    [
      'an A record with a bad length',
      Buffer.from([0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 3, 127, 0, 0]),
    ],
  ])('rejects %s without hanging or crashing', (_name, packet) => {
    expect(() => decodeMessage(packet)).toThrow(DnsWireError);
  });
});
