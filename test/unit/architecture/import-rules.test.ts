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

async function cruise(cwd: string, outputType = 'err'): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(
      depcruise,
      ['src', 'commands', '--config', rules, '--output-type', outputType],
      {
        cwd,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

interface CruiseResult {
  readonly modules: readonly {
    readonly source: string;
    readonly dependencies: readonly { resolved: string }[];
  }[];
}

/** The folder a module belongs to for the folder rule: `commands`, `src/<folder>`, or a file at the top of `src`. */
function folderOf(path: string): string {
  if (path.startsWith('commands/')) return 'commands';
  return /^src\/[^/]+\//.exec(path)?.[0].slice(0, -1) ?? path;
}

/**
 * Groups of top-level folders that import each other, directly or around a loop (Tarjan's strongly connected
 * components over the folder graph). dependency-cruiser's own folder scope counts `src` as the parent of every
 * folder, so every path through `commands/` would look like a loop; this groups by the folders the rules name.
 */
function folderCycles(result: CruiseResult): string[][] {
  const edges = new Map<string, Set<string>>();
  const node = (name: string): Set<string> => {
    const out = edges.get(name) ?? new Set<string>();
    edges.set(name, out);
    return out;
  };
  for (const module of result.modules) {
    const from = folderOf(module.source);
    const out = node(from);
    for (const { resolved } of module.dependencies) {
      if (!/^(src|commands)\//.test(resolved)) continue;
      const to = folderOf(resolved);
      node(to);
      if (to !== from) out.add(to);
    }
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop();
      if (w === undefined) break;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1) groups.push(group.sort());
  };
  for (const v of [...edges.keys()]) if (!index.has(v)) visit(v);
  return groups;
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
    // dns and zones may import each other module by module, but two folders importing each other is one folder.
    'src/dns/c.ts': "import { z } from '../zones/z.ts';\nexport const c = z;\n",
    'src/zones/z.ts': 'export const z = 3;\n',
    'src/zones/y.ts': "import { d } from '../dns/d.ts';\nexport const y = d;\n",
    'src/dns/d.ts': 'export const d = 4;\n',
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

  it('find two folders that import each other with no module cycle between them', async () => {
    const { output } = await cruise(dir, 'json');
    expect(folderCycles(JSON.parse(output) as CruiseResult)).toEqual([['src/dns', 'src/zones']]);
  });

  it("pass on the project's own tree, with no folder importing back into a folder that imports it", async () => {
    const { code, output } = await cruise(repoRoot);
    expect(output).toContain('no dependency violations found');
    expect(code).toBe(0);
    const json = await cruise(repoRoot, 'json');
    expect(folderCycles(JSON.parse(json.output) as CruiseResult)).toEqual([]);
  }, 60_000);
});
