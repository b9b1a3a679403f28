import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../src/errors.ts';
import { defineRegistry } from '../../src/registry.ts';

describe('defineRegistry', () => {
  const byName = (entry: { name: string }): string => entry.name;

  it('keeps the literal order and freezes the list', () => {
    const registry = defineRegistry('thing', [{ name: 'b' }, { name: 'a' }], byName);
    expect(registry.map(byName)).toEqual(['b', 'a']);
    expect(Object.isFrozen(registry)).toBe(true);
  });

  it('refuses empty and repeated names, naming the kind', () => {
    expect(() => defineRegistry('thing', [{ name: 'a' }, { name: 'a' }], byName)).toThrow(
      'thing registry: name "a" is empty or registered twice',
    );
    expect(() => defineRegistry('thing', [{ name: ' ' }], byName)).toThrow(AppError);
  });

  it('allows an empty list unless the kind needs an entry', () => {
    expect(defineRegistry('probe', [], byName)).toEqual([]);
    try {
      defineRegistry('notifier', [], byName, { nonEmpty: true });
      expect.unreachable();
    } catch (error) {
      expect((error as AppError).code).toBe(ErrorCode.REGISTRY_INVALID);
    }
  });
});
