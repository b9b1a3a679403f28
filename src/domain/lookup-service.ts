import type { CheckResult, ResolverHealth, ZoneHealthReport } from './check-result.ts';
import type { Target } from './target.ts';

/** Looks targets up now (the lookup engine behind a port). */
export interface LookupService {
  /**
   * Every (target, zone) result for the zones that take the targets (none when no zone does), those zones'
   * health, and the resolver's: when it is not `ok` every result is `unknown` and nothing was looked up.
   */
  check(
    targets: readonly Target[],
  ): Promise<{ results: CheckResult[]; zones: ZoneHealthReport[]; resolver: ResolverHealth }>;
}
