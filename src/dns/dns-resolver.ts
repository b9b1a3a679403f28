import type { DnsRecord } from './wire.ts';

/** Query types the DNSBL engine asks for. */
export type QueryType = 'A' | 'AAAA' | 'TXT' | 'MX';

/**
 * The outcome of one DNS question after all retries. DNS outcomes are values, not exceptions, so a caller cannot
 * turn a failure into "clean" by forgetting a `catch`.
 * - `answer`: a server replied; `rcode` is its name (`NOERROR`, `NXDOMAIN`, `SERVFAIL`, `REFUSED`, ...).
 * - `timeout`: no reply from any server within the per-attempt timeout, after every retry.
 * - `error`: the question could not be asked or the reply could not be read (malformed packet, socket error,
 *   resolver closed).
 */
export type DnsResponse =
  | {
      readonly kind: 'answer';
      readonly rcode: string;
      /** Answer-section records of every type (CNAMEs included), in wire order. */
      readonly records: readonly DnsRecord[];
      /** `host:port` of the server that answered. */
      readonly server: string;
    }
  | { readonly kind: 'timeout'; readonly attempts: number }
  | { readonly kind: 'error'; readonly message: string };

/**
 * Asks DNS questions through the operator's resolver. Implementations retry, time out and limit themselves;
 * they never throw for DNS failures.
 */
export interface DnsResolver {
  query(name: string, type: QueryType): Promise<DnsResponse>;
  /** Stop: pending questions end as `error` ("resolver closed") and sockets are released. Idempotent. */
  close(): Promise<void>;
}

/** Values of `records` of one type, e.g. every A address, in answer order. */
export function recordValues(response: DnsResponse, type: QueryType): string[] {
  if (response.kind !== 'answer') return [];
  const values: string[] = [];
  for (const record of response.records) if (record.type === type) values.push(record.value);
  return values;
}
