import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import preact from '@preact/preset-vite'
import { defineConfig, type Plugin } from 'vite'

const require = createRequire(import.meta.url)
const platform = process.env.SITEWIRE_URL ?? 'http://127.0.0.1:8787'

/**
 * The built console's Content-Security-Policy: everything same-origin, no inline script.
 * Only in the build, because the dev server injects styles and its hot-reload client inline.
 */
const contentSecurityPolicy = (): Plugin => ({
  name: 'sitewire-csp',
  apply: 'build',
  transformIndexHtml: () => [
    {
      tag: 'meta',
      attrs: {
        'http-equiv': 'Content-Security-Policy',
        content:
          "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
          "connect-src 'self'; base-uri 'none'; form-action 'self'",
      },
      injectTo: 'head-prepend',
    },
  ],
})

/**
 * The API reference's renderer (Scalar's standalone bundle), self-hosted next to the console
 * but loaded only by /v1/docs, so it costs the console nothing and needs no CDN.
 */
const apiReferenceRenderer = (): Plugin => ({
  name: 'sitewire-api-reference',
  apply: 'build',
  generateBundle() {
    const standalone = require.resolve('@scalar/api-reference/browser/standalone.js')
    this.emitFile({ type: 'asset', fileName: 'reference/scalar.js', source: readFileSync(standalone) })
  },
})

/** The web console: Preact with signals, built to static files the Worker's assets binding serves. */
export default defineConfig({
  root: import.meta.dirname,
  publicDir: 'public',
  plugins: [preact(), contentSecurityPolicy(), apiReferenceRenderer()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: {
    host: '127.0.0.1',
    proxy: {
      // Cookie-carried writes must come from the platform's own origin, so the proxy says they do.
      '/v1': {
        target: platform,
        ws: true,
        changeOrigin: true,
        configure: (proxy) => proxy.on('proxyReq', (request) => request.setHeader('origin', platform)),
      },
    },
  },
})
