/**
 * The DOM of one operation: a <details> whose summary is the method, path and summary, and
 * whose body lists parameters, the request body and the responses, with property tables.
 */
import { h, inlineText, richText } from './dom.js'
import { describeSchema, schemaRows } from './schema.js'

/** @typedef {import('./schema.js').Row} Row */
/** @typedef {import('./schema.js').Resolve} Resolve */
/** @typedef {import('./operations.js').Operation} Operation */
/** @typedef {ReturnType<typeof import('./operations.js').securitySchemes>} Schemes */

const headRow = (...labels) =>
  h(
    'thead',
    null,
    h(
      'tr',
      null,
      labels.map((label) => h('th', { scope: 'col' }, label)),
    ),
  )

/** @param {Row} row */
const nameCell = (row) => {
  const cell = h(
    'td',
    { class: 'field' },
    h('code', null, row.name),
    row.required && h('span', { class: 'required' }, 'required'),
  )
  // Set through the CSSOM: the page's CSP refuses style attributes.
  cell.style.setProperty('--depth', String(row.depth))
  return cell
}

/** @param {Row} row */
const typeParts = (row) => [
  h('code', null, row.type),
  row.format && h('span', { class: 'format' }, row.format),
]

/** @param {Row} row */
const factList = (row) => {
  if (!row.deprecated && row.values.length === 0 && row.facts.length === 0) return null
  return h(
    'div',
    { class: 'facts' },
    row.deprecated && h('span', { class: 'badge deprecated' }, 'deprecated'),
    row.values.length > 0 &&
      h(
        'span',
        { class: 'fact' },
        h('span', { class: 'fact-label' }, 'one of'),
        row.values.map((value) => h('code', null, value)),
      ),
    row.facts.map((fact) =>
      h(
        'span',
        { class: 'fact' },
        h('span', { class: 'fact-label' }, fact.label),
        fact.value !== undefined && h('code', null, fact.value),
      ),
    ),
  )
}

/** @param {Row} row */
const detailsCell = (row) => h('td', { class: 'details' }, richText(row.description), factList(row))

/** @param {Row[]} rows */
const propertyTable = (rows) =>
  h(
    'table',
    { class: 'schema' },
    headRow('Field', 'Type', 'Details'),
    h(
      'tbody',
      null,
      rows.map((row) =>
        h(
          'tr',
          { class: row.depth > 0 ? 'nested' : undefined },
          nameCell(row),
          h('td', { class: 'type' }, typeParts(row)),
          detailsCell(row),
        ),
      ),
    ),
  )

/**
 * A schema as its type line (when that says more than "object") and its property table.
 * @param {unknown} schema
 * @param {Resolve} resolve
 */
const schemaBlock = (schema, resolve) => {
  const { root, rows } = schemaRows(schema, resolve)
  const typeLine =
    (rows.length === 0 || root.type !== 'object' || root.facts.length > 0 || root.values.length > 0) &&
    h('div', { class: 'schema-type' }, typeParts(root), factList(root))
  return h(
    'div',
    { class: 'schema-block' },
    typeLine,
    richText(root.description),
    rows.length > 0 && propertyTable(rows),
  )
}

/** @param {unknown} content @param {Resolve} resolve */
const mediaBlocks = (content, resolve) =>
  Object.entries(content && typeof content === 'object' ? content : {}).map(([mediaType, media]) =>
    h(
      'div',
      { class: 'media' },
      h('div', { class: 'media-type' }, h('span', { class: 'badge' }, mediaType)),
      media?.schema !== undefined && schemaBlock(media.schema, resolve),
    ),
  )

/** A parameter or a header as a row: its own description and rules win over its schema's. */
const namedRow = (name, item, resolve) => {
  const schema = item.schema ?? Object.values(item.content ?? {})[0]?.schema
  const row = { ...describeSchema(schema, resolve), name, required: item.required === true }
  if (typeof item.description === 'string') row.description = item.description
  if (item.deprecated === true) row.deprecated = true
  if (item.example !== undefined) row.facts.push({ label: 'example', value: JSON.stringify(item.example) })
  return row
}

/** @param {Record<string, any>[]} parameters @param {Resolve} resolve */
const parametersTable = (parameters, resolve) =>
  h(
    'table',
    { class: 'schema params' },
    headRow('Name', 'In', 'Type', 'Details'),
    h(
      'tbody',
      null,
      parameters.map((parameter) => {
        const row = namedRow(parameter.name, parameter, resolve)
        return h(
          'tr',
          null,
          nameCell(row),
          h('td', { class: 'in' }, String(parameter.in)),
          h('td', { class: 'type' }, typeParts(row)),
          detailsCell(row),
        )
      }),
    ),
  )

/** @param {Record<string, any>} headers @param {Resolve} resolve */
const headersTable = (headers, resolve) =>
  h(
    'table',
    { class: 'schema' },
    headRow('Header', 'Type', 'Details'),
    h(
      'tbody',
      null,
      Object.entries(headers).map(([name, header]) => {
        const row = namedRow(name, header, resolve)
        return h('tr', null, nameCell(row), h('td', { class: 'type' }, typeParts(row)), detailsCell(row))
      }),
    ),
  )

const statusClass = (status) => (/^[1-5]/.test(status) ? `status status-${status[0]}xx` : 'status')

/** A response opens to show its headers and body; successes start open. */
const responseView = ({ status, response }, resolve) => {
  const head = [
    h('span', { class: statusClass(status) }, status),
    h('span', null, inlineText(response.description)),
  ]
  const headers = response.headers && typeof response.headers === 'object' ? response.headers : {}
  const hasHeaders = Object.keys(headers).length > 0
  const hasContent = response.content && Object.keys(response.content).length > 0
  if (!hasHeaders && !hasContent)
    return h('div', { class: 'response' }, h('div', { class: 'response-head' }, head))
  return h(
    'details',
    { class: 'response', open: status.startsWith('2') },
    h('summary', { class: 'response-head' }, head),
    h(
      'div',
      { class: 'response-body' },
      hasHeaders && headersTable(headers, resolve),
      hasContent && mediaBlocks(response.content, resolve),
    ),
  )
}

/** @param {string[][]} security @param {Schemes} schemes */
const authLine = (security, schemes) => {
  const kindOf = (name) => schemes.find((scheme) => scheme.name === name)?.kind ?? name
  const options =
    security.length === 0
      ? ['none']
      : security.map((names) => (names.length === 0 ? 'optional' : names.map(kindOf).join(' + ')))
  return h(
    'p',
    { class: 'auth' },
    h('span', { class: 'section-label' }, 'Authentication'),
    options.map((option) => h('span', { class: 'badge' }, option)),
  )
}

const section = (title, ...children) => h('section', { class: 'op-section' }, h('h4', null, title), children)

/** `{siteId}` set apart from the rest of the path. */
const pathView = (path) =>
  h(
    'code',
    { class: 'path' },
    path
      .split(/(\{[^}]+\})/)
      .filter(Boolean)
      .map((part) => (part.startsWith('{') ? h('span', { class: 'path-param' }, part) : part)),
  )

/**
 * @param {Operation} operation
 * @param {Resolve} resolve
 * @param {Schemes} schemes
 */
export const operationView = (operation, resolve, schemes) =>
  h(
    'details',
    { class: 'op', id: operation.anchor },
    h(
      'summary',
      null,
      h('span', { class: `method method-${operation.method}` }, operation.method.toUpperCase()),
      pathView(operation.path),
      h('span', { class: 'op-summary' }, operation.summary),
      operation.deprecated && h('span', { class: 'badge deprecated' }, 'deprecated'),
    ),
    h(
      'div',
      { class: 'op-body' },
      richText(operation.description),
      authLine(operation.security, schemes),
      operation.parameters.length > 0 &&
        section('Parameters', parametersTable(operation.parameters, resolve)),
      operation.requestBody &&
        h(
          'section',
          { class: 'op-section' },
          h(
            'h4',
            null,
            'Request body',
            operation.requestBody.required === true && h('span', { class: 'required' }, 'required'),
          ),
          richText(operation.requestBody.description),
          mediaBlocks(operation.requestBody.content, resolve),
        ),
      operation.responses.length > 0 &&
        section(
          'Responses',
          operation.responses.map((response) => responseView(response, resolve)),
        ),
    ),
  )
