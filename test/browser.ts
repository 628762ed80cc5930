import type { Browser, Page } from 'playwright-core'
import { onTestFinished } from 'vitest'

/**
 * A fresh page (in its own context: its own cookies) at `url`, with everything that goes
 * wrong in it recorded: console errors (CSP violations among them), uncaught exceptions,
 * failed requests; and every URL it requested. HTTP errors the test provokes on purpose are the caller's to allow.
 */
export const openPage = async (
  browser: Browser,
  url: string,
  options: {
    colorScheme?: 'light' | 'dark'
    viewport?: { width: number; height: number }
    /** Kept open past the current test, for a file whose tests continue one session. */
    keepOpen?: boolean
  } = {},
): Promise<{ page: Page; problems: string[]; requests: string[] }> => {
  const context = await browser.newContext({
    locale: 'en-US',
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.viewport ?? { width: 1280, height: 860 },
  })
  if (!options.keepOpen) onTestFinished(() => context.close())
  const page = await context.newPage()
  const problems: string[] = []
  const requests: string[] = []
  page.on('request', (request) => requests.push(request.url()))
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of (40[0-9]|409|422)/.test(message.text()))
      problems.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('requestfailed', (request) => {
    // A stream the page closes on purpose (leaving a run, an event stream) is not a failure.
    if (request.failure()?.errorText !== 'net::ERR_ABORTED')
      problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`)
  })
  await page.goto(url)
  return { page, problems, requests }
}
