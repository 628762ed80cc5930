/**
 * CLI: `tsx local/libsql-server/main.ts --db PATH --port N [--host 127.0.0.1] [--verbose]`, token
 * from LIBSQL_AUTH_TOKEN. Logs JSON lines to stdout; SIGINT/SIGTERM finish in-flight requests,
 * roll back open transactions, close the file and exit 0.
 */
import { parseArgs } from 'node:util'
import { startLibsqlServer } from './server'

function writeLine(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`)
}

const logAt = (level: string, msg: string, fields: Record<string, unknown> = {}) =>
  writeLine({ time: new Date().toISOString(), level, msg, ...fields })

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      db: { type: 'string' },
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      verbose: { type: 'boolean', default: false },
    },
    strict: true,
  })
  const port = Number(values.port)
  if (!values.db || !Number.isInteger(port) || port < 0 || port > 65535) {
    logAt('error', 'usage: main.ts --db PATH --port N [--host 127.0.0.1] [--verbose]')
    process.exit(2)
  }
  const authToken = process.env.LIBSQL_AUTH_TOKEN || undefined
  const server = await startLibsqlServer({
    dbPath: values.db,
    host: values.host,
    port,
    authToken,
    log: (line) => (values.verbose || line.level !== 'debug') && writeLine(line),
  })
  logAt('info', 'libsql server started', { url: server.url, db: values.db, auth: authToken !== undefined })

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    // First, before anything that could throw (stdout may be a pipe to a dead parent):
    // clients holding keep-alive connections must not keep a stopping server up for long.
    setTimeout(() => process.exit(1), STOP_GRACE_MS).unref()
    logAt('info', 'stopping', { signal })
    server.close().then(
      () => {
        logAt('info', 'libsql server stopped')
        process.exit(0)
      },
      (e: unknown) => {
        logAt('error', 'failed to stop cleanly', { error: String(e) })
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
  // Started by a supervisor with an IPC channel: when the supervisor dies, so does this.
  process.on('disconnect', () => stop('parent gone'))
}

const STOP_GRACE_MS = 3000

main().catch((e: unknown) => {
  logAt('error', 'failed to start', { error: e instanceof Error ? e.message : String(e) })
  process.exit(1)
})
