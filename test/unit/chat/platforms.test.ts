import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { chatPlatforms, defineChatPlatforms } from '../../../src/chat/platforms.ts';

const CHAT_DIR = new URL('../../../src/chat/', import.meta.url);

describe('the chat platform registry', () => {
  it('has one platform per folder of src/chat, each defined in <name>/<name>-platform.ts', async () => {
    const folders = (await readdir(CHAT_DIR, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(chatPlatforms.map((platform) => platform.name).sort()).toEqual(folders);
    for (const name of folders) {
      expect(await readdir(new URL(`${name}/`, CHAT_DIR))).toContain(`${name}-platform.ts`);
    }
  });

  it('loads no platform SDK until an adapter is created', async () => {
    for (const { name } of chatPlatforms) {
      const source = await readFile(new URL(`${name}/${name}-platform.ts`, CHAT_DIR), 'utf8');
      const staticImports = [...source.matchAll(/^import [^;]+ from '([^']+)';$/gm)].map((match) => match[1]);
      expect(staticImports.filter((from) => !from?.startsWith('../') && from !== 'zod')).toEqual([]);
      expect(source).toContain(`await import('./${name}-adapter.ts')`);
    }
  });

  it('refuses a platform registered twice', () => {
    const [slack] = chatPlatforms;
    expect(() => defineChatPlatforms([slack as never, slack as never])).toThrow(/registered twice/);
  });
});
