import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Miniflare } from 'miniflare'

const { values } = parseArgs({ options: { port: { type: 'string' }, persist: { type: 'string' } } })

/** Runs the floor Worker on workerd through Miniflare's API, the way `npm start` may run Sitewire. */
const miniflare = new Miniflare({
  modules: true,
  scriptPath: join(import.meta.dirname, 'worker.js'),
  compatibilityDate: '2026-04-20',
  durableObjects: { LOG: { className: 'LogObject', useSQLite: true } },
  host: '127.0.0.1',
  port: Number(values.port),
  defaultPersistRoot: values.persist,
})
await miniflare.ready
process.once('SIGINT', () => void miniflare.dispose().then(() => process.exit(0)))
