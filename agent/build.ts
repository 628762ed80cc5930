import { chmodSync } from 'node:fs'
import { build } from 'esbuild'

const outfile = 'dist/agent/sitewire-agent.mjs'

/** Bundles the agent into one file that runs on Node 20 with nothing else installed. */
await build({
  entryPoints: ['agent/cli.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // ws loads these native speed-ups when present; it works without them.
  external: ['bufferutil', 'utf-8-validate'],
  banner: {
    // ws is CommonJS and requires Node's built-ins; an ES module bundle has no `require` of its own.
    js: "#!/usr/bin/env node\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);",
  },
  legalComments: 'none',
  logLevel: 'warning',
})
chmodSync(outfile, 0o755)
