import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Miniflare } from 'miniflare'

const { values } = parseArgs({ options: { port: { type: 'string' }, persist: { type: 'string' } } })

/** Runs the floor hub on workerd through Miniflare, with Sitewire's compatibility date, as `npm start` runs it. */
const miniflare = new Miniflare({
  modules: true,
  scriptPath: join(import.meta.dirname, 'worker.js'),
  compatibilityDate: '2026-04-20',
  durableObjects: { HUB: { className: 'HubObject', useSQLite: true } },
  host: '127.0.0.1',
  port: Number(values.port),
  defaultPersistRoot: values.persist,
})
await miniflare.ready
process.once('SIGINT', () => void miniflare.dispose().then(() => process.exit(0)))
