/**
 * Reads an OpenAPI document into what the reference shows: operations grouped by tag, with
 * their parameters, bodies and responses dereferenced, and the ways to authenticate.
 * No DOM here, so the rules are tested in Node as well.
 */
import { deref } from './schema.js'

/** @typedef {import('./schema.js').Resolve} Resolve */

/**
 * @typedef {object} Operation
 * @property {string} anchor  the element id, unique in the page
 * @property {string} method  lower case
 * @property {string} path
 * @property {string} summary
 * @property {string} description
 * @property {boolean} deprecated
 * @property {string[][]} security  alternatives, each the schemes used together; [] when none is needed
 * @property {Record<string, any>[]} parameters
 * @property {Record<string, any> | undefined} requestBody
 * @property {Array<{ status: string, response: Record<string, any> }>} responses
 * @property {string} searchText  what the filter box matches, lower case
 */

/**
 * @typedef {object} Group
 * @property {string} name
 * @property {string} anchor
 * @property {string} description
 * @property {Operation[]} operations
 */

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value)

/** @param {string} text */
export const slug = (text) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')

/** Gives each anchor once: a second `x` becomes `x-2`. */
const anchorMaker = () => {
  const used = new Set()
  return (base) => {
    let anchor = base
    for (let n = 2; used.has(anchor); n++) anchor = `${base}-${n}`
    used.add(anchor)
    return anchor
  }
}

/** Path-level parameters apply to every operation unless it redefines one (same name and place). */
const mergeParameters = (shared, own, resolve) => {
  const merged = new Map()
  for (const parameter of [...(shared ?? []), ...(own ?? [])]) {
    const resolved = deref(parameter, resolve)
    if (typeof resolved.name === 'string') merged.set(`${resolved.in}:${resolved.name}`, resolved)
  }
  return [...merged.values()]
}

/**
 * The document's operations grouped by tag: first the tags the document lists, in its order,
 * then the others as operations use them. An operation sits under its first tag only, so its
 * anchor is unique; untagged operations go under "Other".
 * @param {Record<string, any>} spec
 * @param {Resolve} resolve
 * @returns {Group[]}
 */
export const groupOperations = (spec, resolve) => {
  const anchorFor = anchorMaker()
  /** @type {Map<string, Group>} */
  const groups = new Map()
  const groupNamed = (name, description = '') => {
    let group = groups.get(name)
    if (!group) {
      group = { name, anchor: anchorFor(`tag-${slug(name)}`), description, operations: [] }
      groups.set(name, group)
    }
    return group
  }
  for (const tag of Array.isArray(spec.tags) ? spec.tags : []) {
    if (typeof tag?.name === 'string') groupNamed(tag.name, tag.description ?? '')
  }
  for (const [path, item] of Object.entries(isObject(spec.paths) ? spec.paths : {})) {
    const pathItem = deref(item, resolve)
    for (const method of METHODS) {
      const operation = pathItem[method]
      if (!isObject(operation)) continue
      const tag = typeof operation.tags?.[0] === 'string' ? operation.tags[0] : 'Other'
      const parameters = mergeParameters(pathItem.parameters, operation.parameters, resolve)
      const summary = operation.summary ?? pathItem.summary ?? ''
      const description = operation.description ?? pathItem.description ?? ''
      const security = operation.security ?? spec.security ?? []
      groupNamed(tag).operations.push({
        anchor: anchorFor(`op-${slug(operation.operationId ?? `${method} ${path}`)}`),
        method,
        path,
        summary,
        description,
        deprecated: operation.deprecated === true,
        security: security.filter(isObject).map((requirement) => Object.keys(requirement)),
        parameters,
        requestBody: operation.requestBody ? deref(operation.requestBody, resolve) : undefined,
        responses: Object.entries(isObject(operation.responses) ? operation.responses : {}).map(
          ([status, response]) => ({ status, response: deref(response, resolve) }),
        ),
        searchText: [method, path, summary, description, operation.operationId ?? '', tag]
          .concat(parameters.map((parameter) => parameter.name))
          .join(' ')
          .toLowerCase(),
      })
    }
  }
  return [...groups.values()].filter((group) => group.operations.length > 0)
}

/**
 * How a client presents each security scheme, e.g. `Authorization: Bearer <token>`.
 * @param {Record<string, any>} spec
 * @param {Resolve} resolve
 * @returns {Array<{ name: string, kind: string, usage?: string, description: string }>}
 */
export const securitySchemes = (spec, resolve) =>
  Object.entries(spec.components?.securitySchemes ?? {}).map(([name, value]) => {
    const scheme = deref(value, resolve)
    const description = scheme.description ?? ''
    const httpScheme = String(scheme.scheme ?? '').toLowerCase()
    if (scheme.type === 'http' && httpScheme === 'bearer') {
      const kind = scheme.bearerFormat ? `Bearer token (${scheme.bearerFormat})` : 'Bearer token'
      return { name, kind, usage: 'Authorization: Bearer <token>', description }
    }
    if (scheme.type === 'http' && httpScheme === 'basic') {
      return { name, kind: 'HTTP Basic', usage: 'Authorization: Basic <credentials>', description }
    }
    if (scheme.type === 'apiKey') {
      const usage =
        scheme.in === 'query'
          ? `?${scheme.name}=<key>`
          : scheme.in === 'cookie'
            ? `Cookie: ${scheme.name}=<key>`
            : `${scheme.name}: <key>`
      return { name, kind: `API key in ${scheme.in}`, usage, description }
    }
    const kinds = {
      http: `HTTP ${scheme.scheme}`,
      oauth2: 'OAuth 2.0',
      openIdConnect: 'OpenID Connect',
      mutualTLS: 'Mutual TLS',
    }
    return { name, kind: kinds[scheme.type] ?? String(scheme.type), description }
  })
