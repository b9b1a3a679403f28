import { expect, it } from 'vitest';
import { openStore } from '../../../src/store/open-store.ts';
import { describeWithService, redisAvailability } from '../../helpers/services.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describeWithService(await redisAvailability(url), 'redis store handles', () => {
  it('leaves no timer behind once closed, so a one-shot CLI command exits when it is done', async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const store = await openStore(url, { namespace: 'rblwatch-handles-test' });
    await store.listInventory();
    await store.close();
    // Timers of earlier test files in this worker may still run out meanwhile, never add up: at most as many as
    // before, at once or shortly (a leaked connection timer would stay for its full 5 s).
    await expect.poll(timers, { timeout: 2_000, interval: 50 }).toBeLessThanOrEqual(before);
  });
});
