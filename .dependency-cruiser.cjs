/**
 * The import directions of src/ and commands/, checked by `npm test` (`npm run lint:imports`). Lower layers never
 * import higher ones; only the composition root (src/app/runtime.ts), the rest of src/app and src/cli construct
 * adapters.
 *
 *   domain, errors.ts, registry.ts, log.ts       the vocabulary: imports nothing of ours (log only pino)
 *   dns, zones, inventory                        lookups, the catalog, targets    -> domain
 *   store                                         the store port and its backends  -> domain
 *   render, reports                               messages, the report model       -> domain, zones, inventory
 *   checks, alerts, watch, scheduler, http        the engine, routing and delivery -> the above, store ports only
 *   command-api, commands                         what chat and the CLI run        -> domain, render, reports
 *   chat                                          Slack and Discord adapters       -> command-api, render
 *   config, app, cli                              edges: read config, build, run   -> anything
 * @type {import('dependency-cruiser').IConfiguration}
 */
const vocabulary = '^src/(domain/|errors\\.ts$|registry\\.ts$|log\\.ts$)';
const storePorts = '^src/store/(listing-repository|alert-store)\\.ts$';

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'vocabulary-imports-nothing',
      comment:
        'domain, errors, registry and log are the vocabulary every layer shares; they import none of it back',
      severity: 'error',
      from: { path: vocabulary },
      to: { path: '^(src|commands)/', pathNot: vocabulary },
    },
    {
      name: 'lookups-import-domain',
      comment: 'dns, zones and inventory import the vocabulary and each other, nothing above',
      severity: 'error',
      from: { path: '^src/(dns|zones|inventory)/' },
      to: { path: '^(src|commands)/', pathNot: [vocabulary, '^src/(dns|zones|inventory)/'] },
    },
    {
      name: 'store-imports-domain',
      comment: 'the store keeps what the domain says; it knows no alerting, chat or command',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^(src|commands)/', pathNot: [vocabulary, '^src/store/'] },
    },
    {
      name: 'render-and-reports-stay-low',
      severity: 'error',
      from: { path: '^src/(render|reports)/' },
      to: {
        path: '^(src|commands)/',
        pathNot: [vocabulary, storePorts, '^src/(render|reports|zones|inventory)/'],
      },
    },
    {
      name: 'engine-uses-ports',
      comment:
        'checks, alerts, watch, scheduler, http and probes use store ports, never store implementations, chat or commands',
      severity: 'error',
      from: { path: '^src/(checks|alerts|watch|scheduler|http|probes)/' },
      to: {
        path: '^(src|commands)/',
        pathNot: [
          vocabulary,
          storePorts,
          '^src/(dns|zones|inventory|render|reports|checks|alerts|watch|scheduler|http|probes)/',
        ],
      },
    },
    {
      name: 'commands-are-platform-neutral',
      comment: 'commands see the command API, the domain and messages only',
      severity: 'error',
      from: { path: '^commands/' },
      to: { path: '^(src|commands)/', pathNot: [vocabulary, '^commands/', '^src/(command-api|render)/'] },
    },
    {
      name: 'command-api-stays-below-adapters',
      comment:
        'the command API gives commands the rules and ports they need; it knows no platform and no adapter',
      severity: 'error',
      from: { path: '^src/command-api/' },
      to: {
        path: '^(src|commands)/',
        pathNot: [vocabulary, storePorts, '^src/(command-api|render|reports|inventory|zones)/'],
      },
    },
    {
      name: 'chat-adapts-commands',
      comment: 'chat adapters run commands and render messages; they never reach into alerting or the store',
      severity: 'error',
      from: { path: '^src/chat/' },
      to: { path: '^(src|commands)/', pathNot: [vocabulary, '^src/(chat|command-api|render)/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    includeOnly: '^(src|commands)/',
  },
};
