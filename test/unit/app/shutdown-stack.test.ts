import { describe, expect, it } from 'vitest';
import { createShutdownStack } from '../../../src/app/shutdown-stack.ts';
import { createMemoryLog } from '../../helpers/memory-log.ts';

describe('shutdown stack', () => {
  it('closes last opened first, each step isolated, once', async () => {
    const { log, lines } = createMemoryLog();
    const stack = createShutdownStack(log);
    const closed: string[] = [];
    stack.push('store', async () => closed.push('store'));
    stack.push('http', async () => {
      closed.push('http');
      throw new Error('socket stuck');
    });
    stack.push('chat', async () => closed.push('chat'));
    await Promise.all([stack.closeAll(), stack.closeAll()]);
    expect(closed).toEqual(['chat', 'http', 'store']);
    expect(lines.map((line) => line.msg)).toEqual(['closing http failed']);
    expect(() => stack.push('late', async () => {})).toThrow(/shutting down/);
  });
});
