import { describe, expect, it } from 'vitest'
import { ApiError } from '../http/errors'
import { readImport } from './csv-import'
import { csvLine, csvStream } from './report-export'

describe('CSV', () => {
  it('reads a line per entity, JSON-looking cells as values, nested attribute columns as objects', () => {
    const csv =
      '\uFEFFname,attributes.hostname,attributes.os.base,attributes.memory_mb,tags,restricted\r\n' +
      '"web, one",web-1,linux,2048,a;b,false\r\n' +
      'web-2,,,,,\r\n' +
      'short,x\r\n'
    const lines = readImport(csv, 'server')
    expect(lines[0]).toEqual({
      line: 2,
      definition: {
        kind: 'server',
        name: 'web, one',
        team_id: null,
        attributes: {
          hostname: 'web-1',
          os: { base: 'linux' },
          memory_mb: 2048,
          private_ipv4: [],
          public_ipv4: [],
          storage: [],
          auth_methods: [],
          services: [],
        },
        tags: ['a', 'b'],
        custom_fields: {},
        restricted: false,
      },
    })
    expect(lines[1]).toMatchObject({ line: 3, errors: [{ path: 'attributes.hostname' }] })
    expect(lines[2]).toMatchObject({ line: 4, errors: [{ message: 'the line has 2 fields, the header 6' }] })
  })

  it('refuses a header naming a column an entity does not have', () => {
    expect(() => readImport('name,colour\r\nx,red\r\n', 'client')).toThrow(ApiError)
  })

  it('writes RFC 4180 fields and streams pages until one comes back short', async () => {
    expect(csvLine(['a', 'b,c', 'say "hi"', 'two\nlines'])).toBe('a,"b,c","say ""hi""","two\nlines"\r\n')
    const pages = [[{ n: 1 }, { n: 2 }], [{ n: 3 }]]
    let asked = 0
    const text = await new Response(csvStream(['n'], async () => pages[asked++] ?? [], 2)).text()
    expect(text).toBe('n\r\n1\r\n2\r\n3\r\n')
    expect(asked).toBe(2)
  })
})
