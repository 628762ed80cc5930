import { version } from '../package.json'

/** Sent as `sitewire-agent-version` on connect and shown by `--version`. */
export const AGENT_VERSION: string = version
