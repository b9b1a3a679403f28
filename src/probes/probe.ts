import type { Severity } from '../domain/zone.ts';

/** A mail server to probe: its host name or address, and the port (25 unless said). */
export interface ProbeTarget {
  readonly host: string;
  readonly port?: number;
}

/**
 * One thing a probe found. `id` is stable across runs (`smtp.banner.mismatch`), so findings can be stored, routed
 * and de-duplicated like listings: a finding that appears is news, one that stays is not.
 */
export interface ProbeFinding {
  readonly id: string;
  readonly severity: Severity;
  /** One line for people: `the banner names mx1.example.net, the PTR record mx.example.net`. */
  readonly summary: string;
  /** Evidence (the banner, the record), plain text; untrusted, like DNS TXT. */
  readonly detail?: string;
}

export interface ProbeContext {
  /** Cancels the probe (a scan stopped, a deadline). */
  readonly signal: AbortSignal;
  /** Longest any one network step may take, ms. */
  readonly timeoutMs: number;
  readonly clock: () => Date;
}

/**
 * A check of a mail server that is not a DNSBL lookup: SMTP banner and EHLO, STARTTLS and certificates, open relay,
 * reverse DNS, SPF/DMARC/DKIM records. A probe never sends mail (no DATA) and never retries on its own.
 */
export interface Probe {
  /** Unique, lowercase (`smtp-banner`); the prefix of its findings' ids. */
  readonly name: string;
  readonly description: string;
  /** Resolves with what was found (nothing wrong: an empty list); rejects only when the probe could not run. */
  run(target: ProbeTarget, context: ProbeContext): Promise<readonly ProbeFinding[]>;
}
