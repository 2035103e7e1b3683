// The layer table of ARCHITECTURE.md as rules: CI fails when a layer imports what the table forbids.
// domain → ledger/services → app (use cases, view models) → doors (slack, shell, cli, http, jobs).
// main.ts and deps.ts are the composition root and may import every layer. One sanctioned exception (ARCHITECTURE:
// "the shell may render by turning a view model into Block Kit and Block Kit into text"): shell/ may import the Slack
// renderers, src/slack/render/, and nothing else of slack/.
const DOORS = '^src/(slack|shell|cli|http|jobs)/';
const BELOW_APP = '^src/(domain|ledger|services|db)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A runtime import cycle makes load order matter; type-only cycles are harmless.',
      from: { path: '^src/' },
      // Every edge of the cycle at run time: one `import type` on the way breaks it.
      to: {
        circular: true,
        dependencyTypesNot: ['type-only'],
        viaOnly: { dependencyTypesNot: ['type-only'] },
      },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'domain/ holds pure rules: it imports nothing of the other layers and nothing that does I/O.',
      from: { path: '^src/domain/' },
      to: {
        pathNot: ['^src/domain/', '^node_modules/zod/'],
        dependencyTypesNot: ['type-only', 'core'],
      },
    },
    {
      name: 'domain-no-io',
      severity: 'error',
      comment: 'domain/ may use node:crypto for generators, nothing else of Node.',
      from: { path: '^src/domain/' },
      to: { dependencyTypes: ['core'], pathNot: ['^crypto$', '^node:crypto$'] },
    },
    {
      name: 'lower-layers-know-no-app-or-door',
      severity: 'error',
      comment: 'ledger/, services/ and db/ never import the use cases, a door, or Slack.',
      from: { path: BELOW_APP },
      to: { path: ['^src/app/', DOORS, '^src/(main|deps)\\.ts$'] },
    },
    {
      name: 'lower-layers-no-slack',
      severity: 'error',
      from: { path: [BELOW_APP, '^src/app/'] },
      to: { path: '^node_modules/@slack/' },
    },
    {
      name: 'app-knows-no-door',
      severity: 'error',
      comment: 'Use cases return view models; only doors render them (Block Kit, text, HTML, JSON).',
      from: { path: '^src/app/' },
      to: { path: [DOORS, '^src/(main|deps)\\.ts$'] },
    },
    ...['slack', 'shell', 'cli', 'http', 'jobs'].map((door) => ({
      name: `door-${door}-imports-no-other-door`,
      severity: 'error',
      comment: 'Doors never import each other: what two doors share lives in app/ or below.',
      from: { path: `^src/${door}/` },
      to: {
        path: DOORS,
        pathNot: door === 'shell' ? ['^src/shell/', '^src/slack/render/'] : `^src/${door}/`,
      },
    })),
    {
      name: 'renderers-are-pure',
      severity: 'error',
      comment: 'Block Kit renderers take view models: no database, no service, no Bolt, no other door.',
      from: { path: '^src/slack/render/' },
      to: {
        path: ['^src/(db|ledger|services|jobs|http|cli|shell)/', '^node_modules/@slack/(bolt|web-api)/'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      from: { orphan: true, path: '^src/', pathNot: ['\\.d\\.ts$'] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
