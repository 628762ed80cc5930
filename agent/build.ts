import { bundleNodeCli } from '../local/bundle-node-cli'

await bundleNodeCli({
  entry: 'agent/cli.ts',
  outfile: 'dist/agent/sitewire-agent.mjs',
  howToRun: (path) => [
    `${path} --help`,
    `sudo install -m 0755 ${path} /usr/local/bin/sitewire-agent`,
    'sitewire-agent enrol <token> && sitewire-agent run',
    'Or let a server install it from the platform: curl -fsSL <platform>/install/agent.sh | sh -s -- --token <token>',
  ],
})
