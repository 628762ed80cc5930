/**
 * The API reference page: fetches the OpenAPI document named by the root's `data-spec`,
 * renders it grouped by tag beside a table of contents, and filters operations as you type.
 */
import { h, richText } from './dom.js'
import { groupOperations, securitySchemes } from './operations.js'
import { operationView } from './render.js'
import { refResolver } from './schema.js'

/** @typedef {import('./operations.js').Operation} Operation */

/** A server URL such as `/` is relative to where the page is served. */
const absoluteUrl = (url) => {
  try {
    return new URL(url, document.baseURI).href.replace(/\/$/, '')
  } catch {
    return url
  }
}

const introView = (spec, specUrl, schemes) => {
  const info = spec.info ?? {}
  const server = spec.servers?.[0]?.url
  return h(
    'section',
    { class: 'intro', id: 'introduction' },
    h(
      'div',
      { class: 'intro-head' },
      h('h1', null, info.title ?? 'API reference'),
      info.version && h('span', { class: 'badge' }, `version ${info.version}`),
      h('span', { class: 'badge' }, `OpenAPI ${spec.openapi ?? spec.swagger ?? '?'}`),
    ),
    richText(info.description),
    h(
      'dl',
      { class: 'intro-facts' },
      typeof server === 'string' && [
        h('dt', null, 'Base URL'),
        h('dd', null, h('code', null, absoluteUrl(server))),
      ],
      h('dt', null, 'Authentication'),
      h(
        'dd',
        null,
        schemes.length === 0
          ? 'None'
          : schemes.map((scheme) =>
              h(
                'div',
                { class: 'scheme' },
                h('span', { class: 'badge' }, scheme.kind),
                scheme.usage && h('code', null, scheme.usage),
                richText(scheme.description),
              ),
            ),
      ),
      h('dt', null, 'OpenAPI document'),
      h('dd', null, h('a', { href: specUrl }, absoluteUrl(specUrl))),
    ),
  )
}

/** @param {Operation} operation */
const tocEntry = (operation) =>
  h(
    'li',
    null,
    h(
      'a',
      { href: `#${operation.anchor}`, title: `${operation.method.toUpperCase()} ${operation.path}` },
      h('span', { class: `method method-${operation.method}` }, operation.method.toUpperCase()),
      h('span', { class: 'toc-label' }, operation.summary || operation.path),
    ),
  )

/**
 * Renders the reference into `root` and wires the filter box and anchors.
 * @param {HTMLElement} root
 * @param {Record<string, any>} spec
 * @param {string} specUrl
 */
const renderReference = (root, spec, specUrl) => {
  const resolve = refResolver(spec)
  const schemes = securitySchemes(spec, resolve)
  const groups = groupOperations(spec, resolve).map((group) => ({
    group,
    section: h(
      'section',
      { class: 'tag-group', id: group.anchor, 'aria-labelledby': `${group.anchor}-title` },
      h('h2', { id: `${group.anchor}-title` }, group.name),
      richText(group.description),
    ),
    toc: h('div', { class: 'toc-group' }, h('a', { class: 'toc-tag', href: `#${group.anchor}` }, group.name)),
    entries: group.operations.map((operation) => ({
      operation,
      view: operationView(operation, resolve, schemes),
      toc: tocEntry(operation),
    })),
  }))
  for (const { section, toc, entries } of groups) {
    section.append(...entries.map((entry) => entry.view))
    toc.append(
      h(
        'ul',
        null,
        entries.map((entry) => entry.toc),
      ),
    )
  }

  const filter = h('input', {
    type: 'search',
    class: 'filter',
    placeholder: 'Filter operations',
    'aria-label': 'Filter operations',
    autocomplete: 'off',
    spellcheck: 'false',
  })
  const filterStatus = h('p', { class: 'filter-status', role: 'status' })
  const noMatch = h('p', { class: 'no-match', hidden: true })
  const total = groups.reduce((sum, { entries }) => sum + entries.length, 0)

  const applyFilter = () => {
    const terms = filter.value.toLowerCase().split(/\s+/).filter(Boolean)
    let shown = 0
    for (const { section, toc, entries } of groups) {
      let shownHere = 0
      for (const entry of entries) {
        const match = terms.every((term) => entry.operation.searchText.includes(term))
        entry.view.hidden = !match
        entry.toc.hidden = !match
        if (match) shownHere++
      }
      section.hidden = shownHere === 0
      toc.hidden = shownHere === 0
      shown += shownHere
    }
    filterStatus.textContent = terms.length > 0 ? `${shown} of ${total} operations` : ''
    noMatch.hidden = shown > 0
    noMatch.textContent = `No operation matches “${filter.value.trim()}”.`
  }
  filter.addEventListener('input', applyFilter)

  const sidebar = h(
    'nav',
    { class: 'sidebar', 'aria-label': 'Operations' },
    h('div', { class: 'filter-box' }, filter, h('kbd', { class: 'filter-key', 'aria-hidden': 'true' }, '/')),
    filterStatus,
    h('a', { class: 'toc-tag', href: '#introduction' }, 'Introduction'),
    groups.map(({ toc }) => toc),
  )
  const content = h(
    'main',
    { class: 'content' },
    introView(spec, specUrl, schemes),
    noMatch,
    groups.map(({ section }) => section),
  )
  root.replaceChildren(sidebar, content)
  document.title = `${spec.info?.title ?? 'API'} reference`

  // An anchor to an operation opens it; opening one puts its anchor in the address bar to share.
  const openAnchored = () => {
    const target = document.getElementById(decodeURIComponent(location.hash.slice(1)))
    if (target instanceof HTMLDetailsElement) target.open = true
    return target
  }
  window.addEventListener('hashchange', openAnchored)
  sidebar.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[href^="#"]') : null
    const target = link && document.getElementById(link.getAttribute('href')?.slice(1) ?? '')
    if (target instanceof HTMLDetailsElement) target.open = true
  })
  content.addEventListener(
    'toggle',
    (event) => {
      const details = event.target
      if (details instanceof HTMLDetailsElement && details.classList.contains('op') && details.open) {
        history.replaceState(null, '', `#${details.id}`)
      }
    },
    true,
  )
  if (location.hash) openAnchored()?.scrollIntoView()

  document.addEventListener('keydown', (event) => {
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement
    if (event.key === '/' && !typing && !event.metaKey && !event.ctrlKey && !event.altKey) {
      event.preventDefault()
      filter.focus()
    }
  })
}

const root = document.getElementById('reference')
if (root) {
  const specUrl = root.dataset.spec ?? '/v1/openapi.json'
  try {
    const response = await fetch(specUrl, { headers: { accept: 'application/json' } })
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`)
    renderReference(root, await response.json(), specUrl)
  } catch (error) {
    root.replaceChildren(
      h(
        'p',
        { class: 'loading', role: 'alert' },
        `The API description could not be loaded (${error instanceof Error ? error.message : error}). `,
        h('a', { href: specUrl }, 'Open it directly'),
        '.',
      ),
    )
  }
}
