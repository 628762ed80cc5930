import { chmodSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { build } from 'esbuild'

/**
 * Bundles a command-line program into one executable file that runs on Node 20 with nothing
 * else installed; given `howToRun`, then prints where it is and how to run it.
 */
export const bundleNodeCli = async (options: {
  entry: string
  outfile: string
  howToRun?: (path: string) => string[]
  /** Identifiers replaced in the code, as esbuild's `define`. */
  define?: Record<string, string>
  /**
   * Packages' ES module builds preferred (their CommonJS ones bundle whole), whitespace and syntax
   * minified; names stay, so stack traces still read.
   */
  compact?: boolean
}) => {
  await build({
    entryPoints: [options.entry],
    outfile: options.outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // ws loads these native speed-ups when present; it works without them.
    external: ['bufferutil', 'utf-8-validate'],
    banner: {
      // Some dependencies are CommonJS and require Node's built-ins; an ES module bundle has no `require` of its own.
      js: "#!/usr/bin/env node\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);",
    },
    legalComments: 'none',
    ...(options.define ? { define: options.define } : {}),
    ...(options.compact
      ? { mainFields: ['module', 'main'], minifyWhitespace: true, minifySyntax: true }
      : {}),
    logLevel: 'warning',
  })
  chmodSync(options.outfile, 0o755)
  if (!options.howToRun) return
  const path = resolve(options.outfile)
  console.log(
    [
      `Built ${path} (${Math.round(statSync(path).size / 1024)} KiB): one file, Node.js 20.19+ and nothing else.`,
      'Run it:',
      ...options.howToRun(path).map((line) => `  ${line}`),
    ].join('\n'),
  )
}
