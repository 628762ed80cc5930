import { createServer } from 'node:net'

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })

/** A port on 127.0.0.1 with `span` free ports from it (the platform takes N and N+1). */
export const freePorts = async (span = 1): Promise<number> => {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 30_000 + Math.floor(Math.random() * 20_000)
    const checks = await Promise.all(Array.from({ length: span }, (_, i) => isFree(base + i)))
    if (checks.every(Boolean)) return base
  }
  throw new Error('no free port range found on 127.0.0.1')
}
