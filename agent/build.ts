import { bundleNodeCli } from '../local/bundle-node-cli'

await bundleNodeCli({
  entry: 'agent/cli.ts',
  outfile: 'dist/agent/sitewire-agent.mjs',
  // The AWS clients the cloud connectors use are most of it: 4.5 MiB bundled as they come, 1.8 MiB compact.
  compact: true,
  // A build for a rollout may report a version of its own: SITEWIRE_AGENT_VERSION=1.4.0 npm run build:agent
  ...(process.env.SITEWIRE_AGENT_VERSION
    ? { define: { SITEWIRE_AGENT_BUILD_VERSION: JSON.stringify(process.env.SITEWIRE_AGENT_VERSION) } }
    : {}),
  howToRun: (path) => [
    `${path} --help`,
    `sudo install -m 0755 ${path} /usr/local/bin/sitewire-agent`,
    'sitewire-agent enrol <token> && sitewire-agent run',
    'Or let a server install it from the platform: curl -fsSL <platform>/install/agent.sh | sh -s -- --token <token>',
  ],
})
