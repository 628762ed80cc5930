import { readdirSync, readFileSync } from 'node:fs'
import { appendFile, mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../../test/chromium'
import { type DemoPlatform, startDemoPlatform } from '../../web/scripts/demo-platform'
import { describeMachine } from '../lib/machine'
import { sourceRevision } from '../lib/source-revision'
import { percentile } from '../lib/stats'

/**
 * `npm run bench:console`: the web console's budgets, measured with Playwright in Chromium
 * against the platform as `npm start` runs it: shell first paint, JS size, an agents list of
 * 10,000 real enrolments scrolled, and a step printing 50,000 lines followed live.
 */
const root = resolve(import.meta.dirname, '..', '..')
const AGENTS = 10_000
const LINES = 50_000
const PAINTS = 7

const round = (n: number) => Math.round(n * 10) / 10

// Code run in the page, as source text: this project's Node types have no DOM.
const FIRST_PAINT = "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN"
const SCROLL_AGENTS = `(async () => {
  const viewport = document.querySelector('.vtable-viewport')
  const gaps = []
  let last = await new Promise((r) => requestAnimationFrame(r))
  while (viewport.scrollTop + viewport.clientHeight < viewport.scrollHeight - 1 && gaps.length < 600) {
    viewport.scrollTop += 400
    const now = await new Promise((r) => requestAnimationFrame(r))
    gaps.push(now - last)
    last = now
  }
  return { gaps, rowsInDom: viewport.querySelectorAll('tbody tr').length, scrolledPx: viewport.scrollTop }
})()`
/** Records every frame's gap and every long task from now on, in window.gaps and window.longTasks. */
const RECORD_FRAMES = `(() => {
  window.gaps = []
  window.longTasks = []
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.longTasks.push(e.duration) }).observe({ type: 'longtask' })
  let last = performance.now()
  const tick = (now) => { window.gaps.push(now - last); last = now; requestAnimationFrame(tick) }
  requestAnimationFrame(tick)
})()`

/** Gzipped bytes of the console's JavaScript, and of the API reference's renderer loaded apart. */
const bundleSizes = () => {
  const dist = join(root, 'web', 'dist')
  const gz = (path: string) => gzipSync(readFileSync(path)).length
  const assets = readdirSync(join(dist, 'assets'))
  const size = (ext: string) =>
    assets.filter((f) => f.endsWith(ext)).reduce((sum, f) => sum + gz(join(dist, 'assets', f)), 0)
  return {
    consoleJsGzipKB: round(size('.js') / 1024),
    consoleCssGzipKB: round(size('.css') / 1024),
    referenceJsGzipKB: round(gz(join(dist, 'reference', 'scalar.js')) / 1024),
  }
}

const signedInPage = async (browser: Browser, demo: DemoPlatform) => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1360, height: 860 } })
  const signIn = await context.request.post(`${demo.platform.url}/v1/auth/sign-in`, {
    data: { email: demo.adminEmail, password: demo.platform.adminPassword },
  })
  if (!signIn.ok()) throw new Error(`sign-in answered ${signIn.status()}`)
  return { context, page: await context.newPage() }
}

/** First contentful paint of the shell and the time until the overview shows its heading, each from a fresh context. */
const shellPaint = async (browser: Browser, demo: DemoPlatform) => {
  const paints: number[] = []
  const ready: number[] = []
  for (let i = 0; i < PAINTS; i++) {
    const { context, page } = await signedInPage(browser, demo)
    const began = Date.now()
    await page.goto(demo.platform.url)
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor()
    ready.push(Date.now() - began)
    paints.push(await page.evaluate<number>(FIRST_PAINT))
    await context.close()
  }
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b)
  return {
    runs: PAINTS,
    firstContentfulPaintMsP50: round(percentile(sorted(paints), 50)),
    firstContentfulPaintMsMax: round(Math.max(...paints)),
    overviewReadyMsP50: round(percentile(sorted(ready), 50)),
  }
}

/** Frame times (requestAnimationFrame gaps) while the page scrolls the agents table by 400 px a frame. */
const scrollFrames = (page: Page) =>
  page.evaluate<{ gaps: number[]; rowsInDom: number; scrolledPx: number }>(SCROLL_AGENTS)

const agentsList = async (browser: Browser, demo: DemoPlatform) => {
  const site = await demo.call<{ id: string }>('POST', '/v1/sites', { name: 'Ten thousand', timezone: 'UTC' })
  const hostnames = Array.from({ length: AGENTS }, (_, i) => `host-${String(i).padStart(5, '0')}`)
  const enrolBegan = Date.now()
  await demo.enrolOffline(site.id, hostnames, (i) => ({ rack: `r${i % 40}`, role: i % 3 ? 'web' : 'db' }), 32)
  const enrolSeconds = round((Date.now() - enrolBegan) / 1000)
  const { context, page } = await signedInPage(browser, demo)
  const began = Date.now()
  await page.goto(`${demo.platform.url}/sites/${site.id}`)
  await page.getByText(`${AGENTS} agents · 0 online`).waitFor({ timeout: 120_000 })
  const listShownMs = Date.now() - began
  const { gaps, rowsInDom, scrolledPx } = await scrollFrames(page)
  const filterBegan = Date.now()
  await page.getByLabel('Facts').fill('host-09999')
  await page.getByText('1 agents · 0 online').waitFor()
  const factFilterMs = Date.now() - filterBegan
  await context.close()
  const sorted = [...gaps].sort((a, b) => a - b)
  return {
    agents: AGENTS,
    enrolSeconds,
    listShownMs,
    rowsInDom,
    scrolledPx,
    scrollFrames: gaps.length,
    frameMsP50: round(percentile(sorted, 50)),
    frameMsP95: round(percentile(sorted, 95)),
    frameMsMax: round(sorted.at(-1) ?? Number.NaN),
    factFilterMs,
  }
}

/** A real agent's step printing 50,000 lines, followed live on the run page. */
const liveOutput = async (browser: Browser, demo: DemoPlatform) => {
  const site = await demo.call<{ id: string }>('POST', '/v1/sites', { name: 'Output', timezone: 'UTC' })
  await demo.startAgent(site.id, { role: 'bench' })
  const agentId = await demo.until('the agent online', async () => {
    const page = await demo.call<{ items: { id: string }[] }>(
      'GET',
      `/v1/sites/${site.id}/agents?presence=online`,
    )
    return page.items[0]?.id
  })
  const task = await demo.call<{ id: string }>('POST', `/v1/sites/${site.id}/tasks`, {
    name: 'Fifty thousand lines',
    steps: [{ kind: 'script', interpreter: 'sh', body: `seq 1 ${LINES} | sed 's/^/line /'` }],
  })
  const { context, page } = await signedInPage(browser, demo)
  await page.goto(`${demo.platform.url}/sites/${site.id}/tasks/${task.id}`)
  await page.evaluate(RECORD_FRAMES)
  const began = Date.now()
  const run = await demo.call<{ id: string }>('POST', `/v1/sites/${site.id}/tasks/${task.id}/runs`, {
    target: { agent_ids: [agentId] },
  })
  // The console navigates in place (no reload), so the frame recorder keeps running.
  await page.evaluate(
    `history.pushState(null, '', '/sites/${site.id}/runs/${run.id}'); dispatchEvent(new PopStateEvent('popstate'))`,
  )
  await page.getByText(`${LINES} lines`, { exact: true }).waitFor({ timeout: 300_000 })
  // Every line has arrived; the view, following the tail, shows the last one.
  await page.getByRole('log').getByText(`line ${LINES}`, { exact: true }).waitFor()
  const allShownMs = Date.now() - began
  const lastLine = await page.getByRole('log').locator('.line-text').last().textContent()
  const searchBegan = Date.now()
  await page.getByLabel('Search output').fill('line 49999')
  await page.getByText('1 matching lines').waitFor()
  const searchMs = Date.now() - searchBegan
  const { gaps, longTasks } = await page.evaluate<{ gaps: number[]; longTasks: number[] }>(
    '({ gaps: window.gaps, longTasks: window.longTasks })',
  )
  await context.close()
  const sorted = [...gaps].sort((a, b) => a - b)
  return {
    lines: LINES,
    lastLineShown: lastLine,
    allShownMs,
    frameMsP50: round(percentile(sorted, 50)),
    frameMsP99: round(percentile(sorted, 99)),
    frameMsMax: round(sorted.at(-1) ?? Number.NaN),
    longTasksOver50Ms: longTasks.length,
    longestTaskMs: round(Math.max(0, ...longTasks)),
    searchMs,
  }
}

const main = async () => {
  const machine = describeMachine()
  const began = Date.now()
  const demo = await startDemoPlatform(Number(process.env.SITEWIRE_PORT ?? 28_950))
  const browser = await launchChromium()
  try {
    const sizes = bundleSizes()
    const shell = await shellPaint(browser, demo)
    console.log({ sizes, shell })
    const agents = await agentsList(browser, demo)
    console.log({ agents })
    const output = await liveOutput(browser, demo)
    console.log({ output })
    const date = new Date().toISOString()
    const results = {
      date,
      machine,
      source: sourceRevision(root),
      sizes,
      shell,
      agents,
      output,
      minutes: round((Date.now() - began) / 60_000),
    }
    await mkdir(join(root, 'bench', 'results'), { recursive: true })
    const file = `console-${date.slice(0, 10)}.json`
    await writeFile(join(root, 'bench', 'results', file), `${JSON.stringify(results, null, 2)}\n`)
    await appendFile(join(root, 'bench', 'RESULTS.md'), report(results, file))
  } finally {
    await browser.close()
    await demo.stop()
  }
}

const report = (
  r: {
    date: string
    machine: ReturnType<typeof describeMachine>
    sizes: ReturnType<typeof bundleSizes>
    shell: Awaited<ReturnType<typeof shellPaint>>
    agents: Awaited<ReturnType<typeof agentsList>>
    output: Awaited<ReturnType<typeof liveOutput>>
    minutes: number
  },
  file: string,
) => `
# Results: the web console

|          |                                                                                                   |
| -------- | ------------------------------------------------------------------------------------------------- |
| date     | ${r.date.slice(0, 16).replace('T', ', ')} UTC                                                     |
| command  | \`npm run bench:console\` (${r.minutes} min); figures in [\`results/${file}\`](results/${file})   |
| machine  | ${r.machine.nproc} vCPUs, ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB RAM, Linux ${r.machine.kernel}, load ${r.machine.loadAverage1m} at the start |
| software | Node ${r.machine.node}; the platform as \`npm start\` runs it; Chromium from \`@sparticuz/chromium\` driven by playwright-core |

| budget | target | measured |
| ------ | ------ | -------- |
| console shell first contentful paint (signed in, fresh context, median of ${r.shell.runs}) | < 1 s | ${r.shell.firstContentfulPaintMsP50} ms (max ${r.shell.firstContentfulPaintMsMax} ms); overview with its data ${r.shell.overviewReadyMsP50} ms |
| console JavaScript, gzip | ≤ 200 KB | ${r.sizes.consoleJsGzipKB} KB (CSS ${r.sizes.consoleCssGzipKB} KB; the API reference's renderer, loaded only by /v1/docs, ${r.sizes.referenceJsGzipKB} KB) |
| agents list of ${r.agents.agents.toLocaleString('en')} (real enrolments, ${r.agents.enrolSeconds} s to enrol) | responsive | shown in ${r.agents.listShownMs} ms; scrolled ${r.agents.scrolledPx} px over ${r.agents.scrollFrames} frames: frame time p50 ${r.agents.frameMsP50} ms, p95 ${r.agents.frameMsP95} ms, max ${r.agents.frameMsMax} ms; ${r.agents.rowsInDom} rows in the DOM; fact filter to one host ${r.agents.factFilterMs} ms |
| live output of a step printing ${r.output.lines.toLocaleString('en')} lines (a real agent) | no freeze | all lines shown ${r.output.allShownMs} ms after the run was requested (last: “${r.output.lastLineShown}”); frame time p50 ${r.output.frameMsP50} ms, p99 ${r.output.frameMsP99} ms, max ${r.output.frameMsMax} ms; ${r.output.longTasksOver50Ms} long tasks over 50 ms (longest ${r.output.longestTaskMs} ms); search of all lines ${r.output.searchMs} ms |
`

await main()
