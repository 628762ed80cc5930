#!/usr/bin/env node
// `sitewire` from a checkout: runs the TypeScript source through tsx, so `npx sitewire` needs no
// build. Outside a checkout, the single-file build (npm run build:cli) runs on its own.
import { register } from 'tsx/esm/api'

register()
await import('./sitewire.ts')
