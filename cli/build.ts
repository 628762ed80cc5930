import { bundleNodeCli } from '../local/bundle-node-cli'

await bundleNodeCli({
  entry: 'cli/sitewire.ts',
  outfile: 'dist/cli/sitewire.mjs',
  howToRun: (path) => [
    `${path} --help`,
    `sudo install -m 0755 ${path} /usr/local/bin/sitewire    # then: sitewire login <url>`,
  ],
})
