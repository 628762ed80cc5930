import { version } from '../package.json'

/** Set by `build:agent` when SITEWIRE_AGENT_VERSION names the version a build reports. */
declare const SITEWIRE_AGENT_BUILD_VERSION: string | undefined

/** Sent as `sitewire-agent-version` on connect and shown by `--version`. */
export const AGENT_VERSION: string =
  typeof SITEWIRE_AGENT_BUILD_VERSION === 'string' ? SITEWIRE_AGENT_BUILD_VERSION : version
