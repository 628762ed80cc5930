/**
 * Builds DOM from the OpenAPI document. Text from the document only ever becomes text nodes
 * or attribute values, never markup, so a hostile description cannot inject HTML.
 */

/** @typedef {Node | string | null | undefined | false | Child[]} Child */

/**
 * An element with attributes (`false` or `undefined` leave one out, `true` sets it empty) and children.
 * @param {string} tag
 * @param {Record<string, string | boolean | undefined> | null} attributes
 * @param {...Child} children
 * @returns {HTMLElement}
 */
export const h = (tag, attributes, ...children) => {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === false) continue
    element.setAttribute(name, value === true ? '' : value)
  }
  element.append(
    ...children.flat(Number.POSITIVE_INFINITY).filter((child) => child != null && child !== false),
  )
  return element
}

/** Links in descriptions may only go to web pages, never to `javascript:` and the like. */
const safeHref = (href) => {
  try {
    const url = new URL(href, document.baseURI)
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined
  } catch {
    return undefined
  }
}

const INLINE = /`([^`]+)`|\*\*([^*]+)\*\*|\[([^\]]+)\]\(([^)\s]+)\)/g

/** The small part of Markdown that API descriptions use: `code`, **bold** and [links](…). */
const inline = (text) => {
  const nodes = []
  let last = 0
  for (const match of text.matchAll(INLINE)) {
    nodes.push(text.slice(last, match.index))
    const [whole, code, bold, label, href] = match
    if (code !== undefined) nodes.push(h('code', null, code))
    else if (bold !== undefined) nodes.push(h('strong', null, bold))
    else {
      const target = safeHref(href)
      nodes.push(target ? h('a', { href: target, rel: 'noopener' }, label) : whole)
    }
    last = match.index + whole.length
  }
  nodes.push(text.slice(last))
  return nodes
}

/**
 * One line of text with inline Markdown, for headings and summaries.
 * @param {unknown} text
 * @returns {Child[]}
 */
export const inlineText = (text) => (typeof text === 'string' ? inline(text) : [])

/**
 * A description as paragraphs (split at blank lines) with inline Markdown.
 * @param {unknown} text
 * @param {string} [className]
 * @returns {HTMLElement | null}
 */
export const richText = (text, className = 'prose') => {
  if (typeof text !== 'string' || !text.trim()) return null
  const paragraphs = text.trim().split(/\n\s*\n/)
  return h(
    'div',
    { class: className },
    paragraphs.map((paragraph) => h('p', null, inline(paragraph))),
  )
}
