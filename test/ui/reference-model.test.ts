import { describe, expect, it } from 'vitest'
import { groupOperations, securitySchemes } from '../../web/public/docs/operations.js'
import { describeSchema, refResolver, schemaRows } from '../../web/public/docs/schema.js'

/**
 * The API reference's reading of OpenAPI documents, beyond what Sitewire's own document uses
 * today (it has no `$ref`s yet): refs, recursion, `allOf`, unions, maps, shared parameters.
 */
const document = {
  openapi: '3.1.0',
  info: { title: 'Test', version: '1' },
  tags: [{ name: 'Nodes', description: 'Trees of nodes' }],
  components: {
    schemas: {
      Node: {
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 64 },
          children: { type: 'array', items: { $ref: '#/components/schemas/Node' } },
        },
        required: ['name'],
      },
      'a/b': { type: 'integer', minimum: 0, exclusiveMaximum: 10 },
      Stamped: {
        allOf: [
          {
            type: 'object',
            properties: { id: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
          },
          {
            type: 'object',
            properties: { at: { type: 'string' }, seq: { type: 'integer' } },
            required: ['id', 'seq'],
          },
        ],
      },
    },
    parameters: { NodeId: { name: 'nodeId', in: 'path', required: true, schema: { type: 'string' } } },
    responses: { Missing: { description: 'No such node' } },
    securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'X-Key' } },
  },
  paths: {
    '/nodes/{nodeId}': {
      parameters: [{ $ref: '#/components/parameters/NodeId' }],
      get: {
        operationId: 'getNode',
        tags: ['Nodes'],
        summary: 'Get a node',
        security: [{ key: [] }],
        parameters: [{ name: 'depth', in: 'query', schema: { $ref: '#/components/schemas/a~1b' } }],
        responses: {
          200: {
            description: 'The node',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } },
          },
          404: { $ref: '#/components/responses/Missing' },
        },
      },
      delete: { summary: 'Delete a node', responses: { 204: { description: 'Gone' } } },
    },
    '/health': { get: { operationId: 'getNode', tags: ['Ops'], responses: {} } },
  },
}
const resolve = refResolver(document)

describe('schema rows', () => {
  it('resolves $refs, escaped pointers included, and leaves other documents alone', () => {
    expect(resolve('#/components/schemas/a~1b')).toEqual({
      type: 'integer',
      minimum: 0,
      exclusiveMaximum: 10,
    })
    expect(resolve('#/components/schemas/Nope')).toBeUndefined()
    expect(resolve('other.json#/Node')).toBeUndefined()
    expect(describeSchema({ $ref: 'other.json#/Node' }, resolve).type).toBe('other.json#/Node')
  })

  it('stops a recursive schema where it refers back to itself', () => {
    const { root, rows } = schemaRows({ $ref: '#/components/schemas/Node' }, resolve)
    expect(root.type).toBe('Node')
    expect(rows.map(({ name, type, depth, required }) => ({ name, type, depth, required }))).toEqual([
      { name: 'name', type: 'string', depth: 0, required: true },
      { name: 'children', type: 'Node[]', depth: 0, required: false },
    ])
    expect(rows[0]?.facts).toEqual([{ label: 'length', value: '1–64' }])
  })

  it('merges allOf: properties add up, the first definition of a field keeps its format', () => {
    const { rows } = schemaRows({ $ref: '#/components/schemas/Stamped' }, resolve)
    expect(rows.map(({ name, required, format }) => ({ name, required, format }))).toEqual([
      { name: 'id', required: true, format: undefined },
      { name: 'at', required: false, format: 'date-time' },
      { name: 'seq', required: true, format: undefined },
    ])
  })

  it('spells out nullable values, enums, consts, bounds and maps', () => {
    const nullableTime = describeSchema(
      { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }], default: null },
      resolve,
    )
    expect(nullableTime).toMatchObject({ type: 'string | null', format: 'date-time' })
    expect(nullableTime.facts).toEqual([{ label: 'default', value: 'null' }])
    expect(describeSchema({ enum: ['active', 'archived'] }, resolve)).toMatchObject({
      type: 'string',
      values: ['active', 'archived'],
    })
    expect(describeSchema({ const: '1.0' }, resolve).type).toBe('"1.0"')
    expect(describeSchema({ $ref: '#/components/schemas/a~1b' }, resolve).facts).toEqual([
      { label: 'value', value: '≥ 0, < 10' },
    ])
    const { rows } = schemaRows(
      {
        type: 'object',
        propertyNames: { pattern: '^[a-z]+$' },
        additionalProperties: { type: 'string', maxLength: 8 },
      },
      resolve,
    )
    expect(rows).toMatchObject([
      {
        name: '[key]',
        type: 'string',
        facts: [
          { label: 'key pattern', value: '^[a-z]+$' },
          { label: 'length', value: '≤ 8' },
        ],
      },
    ])
  })

  it('gives each variant of a union of objects its own rows', () => {
    const { root, rows } = schemaRows(
      {
        oneOf: [
          { title: 'By name', type: 'object', properties: { name: { type: 'string' } } },
          { $ref: '#/components/schemas/Node' },
        ],
      },
      resolve,
    )
    expect(root.type).toBe('object | Node')
    expect(rows.map(({ name, depth }) => `${depth}:${name}`)).toEqual([
      '0:By name',
      '1:name',
      '0:Node',
      '1:name',
      '1:children',
    ])
  })
})

describe('operations', () => {
  const groups = groupOperations(document, resolve)

  it('groups by tag: listed tags first, then as used, untagged last as "Other"', () => {
    expect(
      groups.map((group) => [group.name, group.operations.map((op) => `${op.method} ${op.path}`)]),
    ).toEqual([
      ['Nodes', ['get /nodes/{nodeId}']],
      ['Other', ['delete /nodes/{nodeId}']],
      ['Ops', ['get /health']],
    ])
    expect(groups[0]?.description).toBe('Trees of nodes')
  })

  it('gives every operation a unique anchor, even when operation ids repeat', () => {
    const anchors = groups.flatMap((group) => group.operations.map((op) => op.anchor))
    expect(anchors).toEqual(['op-getnode', 'op-delete-nodes-nodeid', 'op-getnode-2'])
  })

  it('adds path-level parameters and resolves referenced parameters and responses', () => {
    const get = groups[0]?.operations[0]
    expect(get?.parameters.map((parameter) => `${parameter.in}:${parameter.name}`)).toEqual([
      'path:nodeId',
      'query:depth',
    ])
    expect(get?.responses.map(({ status, response }) => `${status} ${response.description}`)).toEqual([
      '200 The node',
      '404 No such node',
    ])
    expect(get?.security).toEqual([['key']])
    expect(groups[1]?.operations[0]?.security).toEqual([])
    expect(get?.searchText).toContain('get a node')
  })

  it('says how to present each security scheme', () => {
    expect(securitySchemes(document, resolve)).toEqual([
      { name: 'key', kind: 'API key in header', usage: 'X-Key: <key>', description: '' },
    ])
  })
})
