/**
 * Turns OpenAPI 3.x (JSON Schema) schemas into the rows of the reference's property tables:
 * local `$ref`s resolved, `allOf` merged, unions and maps spelled out. No DOM here, so the
 * rules are tested in Node as well.
 */

/** @typedef {Record<string, any>} Schema */

/**
 * One constraint of a value, shown as a label and, when it has one, a value set as code.
 * @typedef {object} Fact
 * @property {string} label
 * @property {string} [value]
 */

/**
 * One line of a property table.
 * @typedef {object} Row
 * @property {string} name
 * @property {number} depth
 * @property {boolean} required
 * @property {string} type
 * @property {string} [format]
 * @property {Fact[]} facts
 * @property {string[]} values  the allowed values, when the schema is an enum or a const
 * @property {string} [description]
 * @property {boolean} deprecated
 */

/** @typedef {(ref: string) => unknown} Resolve */

/**
 * A schema with its `$ref`s followed and `allOf` merged. `open` holds the refs followed on
 * the way here, so a recursive schema stops where it refers back to itself.
 * @typedef {object} Expanded
 * @property {Schema} schema
 * @property {string} [name]  the last segment of the ref it came from
 * @property {string} [stop]  why it was not followed: it recurs, or its ref does not resolve
 * @property {Set<string>} open
 */

const MAX_DEPTH = 12

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value)

const decodePointerSegment = (segment) => {
  try {
    return decodeURIComponent(segment).replaceAll('~1', '/').replaceAll('~0', '~')
  } catch {
    return segment
  }
}

/**
 * Resolves local JSON pointers (`#/components/schemas/Site`) in the document.
 * @param {unknown} document
 * @returns {Resolve}
 */
export const refResolver = (document) => (ref) => {
  if (!ref.startsWith('#')) return undefined
  let node = document
  for (const segment of ref.slice(1).split('/').slice(1)) {
    const key = decodePointerSegment(segment)
    if (!isObject(node) && !Array.isArray(node)) return undefined
    if (!Object.hasOwn(node, key)) return undefined
    node = node[key]
  }
  return node
}

/**
 * Follows `$ref`s on an object of the document (a parameter, a response, a request body).
 * @param {unknown} value
 * @param {Resolve} resolve
 * @returns {Record<string, any>}
 */
export const deref = (value, resolve) => {
  let current = value
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string' && hops < 32; hops++) {
    current = resolve(current.$ref)
  }
  return isObject(current) && typeof current.$ref !== 'string' ? current : {}
}

/**
 * @param {unknown} schema
 * @param {Resolve} resolve
 * @param {Set<string>} open
 * @returns {Expanded}
 */
const expand = (schema, resolve, open) => {
  let current = isObject(schema) ? schema : {}
  let name
  const followed = new Set(open)
  while (typeof current.$ref === 'string') {
    const { $ref: ref, ...siblings } = current
    name = decodePointerSegment(ref.split('/').pop() ?? ref)
    if (followed.has(ref)) return { schema: siblings, name, stop: 'recursive', open: followed }
    const target = resolve(ref)
    if (!isObject(target)) return { schema: siblings, name: ref, stop: 'unresolved', open: followed }
    followed.add(ref)
    // OpenAPI 3.1 lets a $ref carry siblings (a description, say); they win over the target's.
    current = { ...target, ...siblings }
  }
  if (Array.isArray(current.allOf)) current = mergeAllOf(current, resolve, followed)
  return { schema: current, name, open: followed }
}

/** Merges the parts of an `allOf`: properties and `required` add up; otherwise the first word stands. */
const mergeAllOf = ({ allOf, ...rest }, resolve, open) => {
  const merged = { ...rest }
  for (const part of allOf) {
    for (const [key, value] of Object.entries(expand(part, resolve, open).schema)) {
      if (key === 'properties' && isObject(value)) {
        merged.properties = mergeProperties(merged.properties ?? {}, value)
      } else if (key === 'required' && Array.isArray(value)) {
        merged.required = [...new Set([...(merged.required ?? []), ...value])]
      } else if (!(key in merged)) {
        merged[key] = value
      }
    }
  }
  return merged
}

const mergeProperties = (into, from) => {
  const merged = { ...into }
  for (const [key, value] of Object.entries(from)) {
    merged[key] = isObject(merged[key]) && isObject(value) ? { ...value, ...merged[key] } : value
  }
  return merged
}

const unionOf = (schema) => {
  const variants = schema.oneOf ?? schema.anyOf
  return Array.isArray(variants) ? variants : undefined
}

const jsonText = (value) => (typeof value === 'string' ? value : JSON.stringify(value))

const typesOf = (schema) => {
  if (Array.isArray(schema.type)) return schema.type
  if (typeof schema.type === 'string') return [schema.type]
  if (isObject(schema.properties) || isObject(schema.additionalProperties)) return ['object']
  if ('items' in schema) return ['array']
  if (Array.isArray(schema.enum)) {
    return [...new Set(schema.enum.map((value) => (value === null ? 'null' : typeof value)))]
  }
  return []
}

/** @param {Expanded} expanded @param {Resolve} resolve @returns {string} */
const typeLabel = ({ schema, name, stop, open }, resolve) => {
  if (stop) return name ?? 'any'
  if ('const' in schema) return JSON.stringify(schema.const)
  const variants = unionOf(schema)
  if (variants) {
    return [...new Set(variants.map((variant) => typeLabel(expand(variant, resolve, open), resolve)))].join(
      ' | ',
    )
  }
  const labels = typesOf(schema).map((type) => {
    if (type === 'array') {
      const items = typeLabel(expand(schema.items, resolve, open), resolve)
      return items.includes(' | ') ? `(${items})[]` : `${items}[]`
    }
    return type === 'object' && name ? name : type
  })
  if (schema.nullable === true) labels.push('null')
  return labels.join(' | ') || 'any'
}

/** @returns {string | undefined} */
const formatOf = (schema, resolve, open) => {
  if (typeof schema.format === 'string') return schema.format
  const inner = unionOf(schema) ?? (isObject(schema.items) ? [schema.items] : [])
  for (const variant of inner) {
    const format = formatOf(expand(variant, resolve, open).schema, resolve, open)
    if (format) return format
  }
  return undefined
}

/** Bounds as people read them: `1–100`, `≥ 1`, `< 5`. */
const bounds = (min, max, exclusiveMin, exclusiveMax) => {
  const low =
    typeof exclusiveMin === 'number'
      ? `> ${exclusiveMin}`
      : typeof min === 'number'
        ? `${exclusiveMin === true ? '>' : '≥'} ${min}`
        : undefined
  const high =
    typeof exclusiveMax === 'number'
      ? `< ${exclusiveMax}`
      : typeof max === 'number'
        ? `${exclusiveMax === true ? '<' : '≤'} ${max}`
        : undefined
  if (low?.startsWith('≥') && high?.startsWith('≤')) return `${min}–${max}`
  return [low, high].filter(Boolean).join(', ') || undefined
}

/** @returns {Fact[]} */
const ownFacts = (schema) => {
  const facts = []
  const add = (label, value) => {
    if (value !== undefined) facts.push({ label, value })
  }
  add('length', bounds(schema.minLength, schema.maxLength))
  add('value', bounds(schema.minimum, schema.maximum, schema.exclusiveMinimum, schema.exclusiveMaximum))
  add('multiple of', schema.multipleOf === undefined ? undefined : String(schema.multipleOf))
  add('items', bounds(schema.minItems, schema.maxItems))
  add('entries', bounds(schema.minProperties, schema.maxProperties))
  add('pattern', typeof schema.pattern === 'string' ? schema.pattern : undefined)
  if (schema.uniqueItems === true) facts.push({ label: 'unique items' })
  if (schema.readOnly === true) facts.push({ label: 'read-only' })
  if (schema.writeOnly === true) facts.push({ label: 'write-only' })
  add('default', 'default' in schema ? JSON.stringify(schema.default) : undefined)
  const example = Array.isArray(schema.examples) ? schema.examples[0] : schema.example
  add('example', example === undefined ? undefined : JSON.stringify(example))
  return facts
}

/** @returns {string[]} */
const ownValues = (schema) => {
  if (Array.isArray(schema.enum)) return schema.enum.map(jsonText)
  return []
}

/**
 * The parts of a schema that get rows of their own: properties, the values of a map, the
 * properties of an array's items, and the variants of a union of objects.
 * @param {Expanded} expanded
 * @param {Resolve} resolve
 * @returns {Array<{ name: string, required: boolean, schema: unknown, open: Set<string>, keyPattern?: string }>}
 */
const childrenOf = (expanded, resolve) => {
  const { schema, open, stop } = expanded
  if (stop) return []
  const variants = unionOf(schema)
  if (variants) {
    const expandedVariants = variants.map((variant) => expand(variant, resolve, open))
    if (!expandedVariants.some((variant) => childrenOf(variant, resolve).length > 0)) return []
    return expandedVariants.map((variant, index) => ({
      name: variant.schema.title ?? variant.name ?? `option ${index + 1}`,
      required: false,
      schema: variants[index],
      open,
    }))
  }
  if (typesOf(schema).includes('array') && isObject(schema.items)) {
    return childrenOf(expand(schema.items, resolve, open), resolve)
  }
  const required = new Set(Array.isArray(schema.required) ? schema.required : [])
  const children = Object.entries(isObject(schema.properties) ? schema.properties : {}).map(
    ([name, property]) => ({ name, required: required.has(name), schema: property, open }),
  )
  for (const [pattern, value] of Object.entries(
    isObject(schema.patternProperties) ? schema.patternProperties : {},
  )) {
    children.push({ name: '[key]', required: false, schema: value, open, keyPattern: pattern })
  }
  if (isObject(schema.additionalProperties)) {
    const keyPattern = isObject(schema.propertyNames) ? schema.propertyNames.pattern : undefined
    children.push({ name: '[key]', required: false, schema: schema.additionalProperties, open, keyPattern })
  }
  return children
}

/**
 * @param {Expanded} expanded
 * @param {Resolve} resolve
 * @param {{ name: string, depth: number, required: boolean, keyPattern?: string }} place
 * @returns {Row}
 */
const describeExpanded = (expanded, resolve, place) => {
  const { schema, open } = expanded
  const facts = ownFacts(schema)
  const values = ownValues(schema)
  // A union of plain values ("string or null") is one row; its variants' rules belong to it.
  const variants = unionOf(schema)
  if (variants && childrenOf(expanded, resolve).length === 0) {
    for (const variant of variants) {
      const inner = expand(variant, resolve, open).schema
      facts.push(...ownFacts(inner).filter((fact) => !facts.some((known) => known.label === fact.label)))
      values.push(...ownValues(inner))
    }
  }
  if (place.keyPattern) facts.unshift({ label: 'key pattern', value: place.keyPattern })
  return {
    name: place.name,
    depth: place.depth,
    required: place.required,
    type: typeLabel(expanded, resolve),
    format: formatOf(schema, resolve, open),
    facts,
    values,
    description: schema.description ?? schema.title,
    deprecated: schema.deprecated === true,
  }
}

/**
 * Describes a schema on one line, as for a parameter.
 * @param {unknown} schema
 * @param {Resolve} resolve
 * @returns {Row}
 */
export const describeSchema = (schema, resolve) =>
  describeExpanded(expand(schema, resolve, new Set()), resolve, { name: '', depth: 0, required: false })

/**
 * The schema itself (`root`) and the rows of its property table, depth first.
 * @param {unknown} schema
 * @param {Resolve} resolve
 * @returns {{ root: Row, rows: Row[] }}
 */
export const schemaRows = (schema, resolve) => {
  const rootExpanded = expand(schema, resolve, new Set())
  const rows = []
  const walk = (expanded, depth) => {
    if (depth > MAX_DEPTH) return
    for (const child of childrenOf(expanded, resolve)) {
      const childExpanded = expand(child.schema, resolve, child.open)
      rows.push(describeExpanded(childExpanded, resolve, { ...child, depth }))
      walk(childExpanded, depth + 1)
    }
  }
  walk(rootExpanded, 0)
  return {
    root: describeExpanded(rootExpanded, resolve, { name: '', depth: 0, required: false }),
    rows,
  }
}
