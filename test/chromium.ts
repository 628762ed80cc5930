import { existsSync } from 'node:fs'
import sparticuz from '@sparticuz/chromium'
import { type Browser, chromium } from 'playwright-core'

/** Kept from calling anywhere on its own: CI machines have no network. */
const QUIET = [
  '--no-sandbox',
  '--disable-gpu',
  '--use-gl=angle',
  '--use-angle=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-quic',
  '--no-first-run',
  '--disable-sync',
]
const SYSTEM_CHROMIUM = '/usr/bin/chromium'

/**
 * Chromium from npm (`@sparticuz/chromium` ships it in its tarball, so `npm ci` alone brings
 * a browser); Debian's Chromium only when that cannot be unpacked and one is installed.
 */
export const launchChromium = async (): Promise<Browser> => {
  let executablePath: string
  try {
    executablePath = await sparticuz.executablePath()
  } catch (error) {
    if (!existsSync(SYSTEM_CHROMIUM)) throw error
    executablePath = SYSTEM_CHROMIUM
  }
  return chromium.launch({ executablePath, args: QUIET, headless: true })
}
