import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/run-cli.ts';

/**
 * The import rules (`.dependency-cruiser.cjs`, run by `npm test`) are a gate, not a report: a tree with a cycle or
 * a forbidden direction fails them, and the project's own tree passes.
 */
const run = promisify(execFile);
const depcruise = join(repoRoot, 'node_modules', '.bin', 'depcruise');
const rules = join(repoRoot, '.dependency-cruiser.cjs');
let dir: string;

async function put(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

async function cruise(cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(depcruise, ['src', 'commands', '--config', rules, '--output-type', 'err'], {
      cwd,
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rblwatch-import-rules-'));
  await put({
    'tsconfig.json': JSON.stringify({ compilerOptions: { allowImportingTsExtensions: true, noEmit: true } }),
    // The domain reaching up into alerting, and the store into chat: both forbidden.
    'src/domain/thing.ts': "import { helper } from '../alerts/helper.ts';\nexport const thing = helper;\n",
    'src/alerts/helper.ts': 'export const helper = 1;\n',
    'src/store/keeper.ts': "import { poster } from '../chat/poster.ts';\nexport const keeper = poster;\n",
    'src/chat/poster.ts': 'export const poster = 2;\n',
    // Two modules of one layer importing each other: a cycle.
    'src/dns/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
    'src/dns/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
    'commands/ok.ts': 'export const ok = true;\n',
  });
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('import rules', () => {
  it('fail a tree with a forbidden direction or a cycle, naming the rule', async () => {
    const { code, output } = await cruise(dir);
    expect(code).not.toBe(0);
    expect(output).toContain('vocabulary-imports-nothing');
    expect(output).toContain('src/domain/thing.ts');
    expect(output).toContain('store-imports-domain');
    expect(output).toContain('no-cycles');
  });

  it("pass on the project's own tree", async () => {
    const { code, output } = await cruise(repoRoot);
    expect(output).toContain('no dependency violations found');
    expect(code).toBe(0);
  }, 60_000);
});
