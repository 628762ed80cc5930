import { chmodSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
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

const path = resolve(outfile)
console.log(
  [
    `Built ${path} (${Math.round(statSync(path).size / 1024)} KiB): one file, Node.js 20.19+ and nothing else.`,
    'Run it:',
    `  ${path} --help`,
    `  sudo install -m 0755 ${path} /usr/local/bin/sitewire-agent`,
    '  sitewire-agent enrol <token> && sitewire-agent run',
    'Or let a server install it from the platform: curl -fsSL <platform>/install/agent.sh | sh -s -- --token <token>',
  ].join('\n'),
)
