// Import boundaries of the modelkit packages, checked by `npm run lint:deps`
// (dependency-cruiser: `depcruise packages --config .dependency-cruiser.cjs`).
//
// The layering these rules keep:
//   @modelkit/core        the base every package builds on; imports no other @modelkit package
//   @modelkit/train-core  the training engine; its src imports only core; kits may import it
//   kits                  ocr, det, seg and every future packages/<name>: core and train-core only
//   @modelkit/cli, /serve front ends that load any installed kit
//   @modelkit/queue       a front end too: its workers run any kit through serve's runners
// A package reaches another one only through its package name (`@modelkit/x` or
// `@modelkit/x/<subpath>`, i.e. what its package.json `exports` publish), never by a relative
// path into the other package's folder.
//
// Workspace packages are symlinked into node_modules/@modelkit/; with preserveSymlinks
// (below) an import by name resolves to node_modules/@modelkit/<x>/..., while a relative
// import into a sibling resolves to packages/<x>/..., which is what tells the two apart.
// An import by name that cannot be resolved (the other package not built yet) keeps its
// bare name, so the rules match `@modelkit/<x>` both ways.

/** Matches an import of workspace package `name` (a regex fragment) by its package name. */
const byName = (name) => `^(node_modules/)?@modelkit/${name}(/|$)`;

/** Kits: every package that is not core, train-core, cli, serve or queue (so new packages are kits). */
const KIT_FOLDER = '^packages/(?!(?:core|train-core|cli|serve|queue)/)([^/]+)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Circular imports inside a package make module initialisation order matter (a value ' +
        'imported from a module still being evaluated is undefined in the CJS build), hide the ' +
        'real layering and keep tree-shaking from dropping either side. Move the shared piece ' +
        'into its own module that both import. Type-only imports count too (tsPreCompilationDeps, ' +
        'as madge counts them): they still tie the two modules together.',
      from: { path: '^packages/[^/]+/src/' },
      to: { circular: true },
    },
    {
      name: 'no-relative-import-into-other-package',
      severity: 'error',
      comment:
        'A package may use another one only through its package name (@modelkit/x or ' +
        '@modelkit/x/<subpath>), in src and in tests alike. A relative path into a sibling ' +
        "folder bypasses that package's public API (exports), silently depends on its file " +
        'layout, is invisible to npm and to nx (no declared dependency, so no build order), and ' +
        'breaks as soon as the packages are installed from the registry instead of the monorepo.',
      from: { path: '^packages/([^/]+)/' },
      to: { path: '^packages/', pathNot: '^packages/$1/' },
    },
    {
      name: 'kit-imports-only-core-and-train-core',
      severity: 'error',
      comment:
        'Kits (ocr, det, seg and any future packages/<name>) are independent, separately ' +
        'installable packages: a kit may import @modelkit/core and @modelkit/train-core (and ' +
        'itself by name), never another kit, nor cli, serve or queue. Only @modelkit/cli, ' +
        '@modelkit/serve and @modelkit/queue, the front ends, load arbitrary kits. Kit-to-kit imports would make ' +
        'installing one kit pull in others and would let kits grow cycles between them.',
      from: { path: KIT_FOLDER },
      to: { path: byName('[^/]+'), pathNot: [byName('core'), byName('train-core'), byName('$1')] },
    },
    {
      name: 'train-core-src-imports-only-core',
      severity: 'error',
      comment:
        'Kits may import @modelkit/train-core, so train-core shipping code must not import a ' +
        'kit (or cli/serve): that would be a package cycle and would make the training engine ' +
        'depend on one task. Its tests may use a kit through its public API as a fixture ' +
        '(declared as a devDependency, e.g. test/features-proof.test.ts with @modelkit/det), ' +
        'which also gives nx the build order.',
      from: { path: '^packages/train-core/src/' },
      to: { path: byName('[^/]+'), pathNot: [byName('core'), byName('train-core')] },
    },
    {
      name: 'core-imports-no-other-package',
      severity: 'error',
      comment:
        '@modelkit/core is the base that every other package imports; core importing any of ' +
        'them would be a package cycle (and a build-order cycle for nx).',
      from: { path: '^packages/core/' },
      to: { path: byName('[^/]+'), pathNot: byName('core') },
    },
  ],
  options: {
    // Only the packages' own sources, tests and configs: not their build output or assets.
    // (node_modules must not be excluded: the rules above look at imports that land there.)
    exclude: { path: ['^packages/[^/]+/(dist|samples|models|public|coverage)/'] },
    // Dependencies (and the other packages, reached through node_modules/@modelkit) are
    // endpoints: each package is cruised from its own files.
    doNotFollow: { path: '(^|/)node_modules/' },
    // Keep `@modelkit/x` as node_modules/@modelkit/x/... instead of following the workspace
    // symlink to packages/x/..., so imports by name and by relative path stay distinguishable.
    preserveSymlinks: true,
    // Count `import type` too, as tsc and madge do (the warp-quad/warp-wasm cycle was type-only).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types'],
      extensions: ['.ts', '.d.ts', '.js', '.cjs', '.mjs', '.json'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
