import { describe, expect, it } from 'vitest'
import { cellText, fitWidths, renderTable } from './table'

describe('fitWidths', () => {
  it('keeps natural widths that fit', () => {
    expect(fitWidths([10, 20], 100)).toEqual([10, 20])
  })

  it('shrinks the widest column first until the table fits', () => {
    // Each column costs its width plus 3 characters of padding and separator.
    expect(fitWidths([10, 40, 20], 60)).toEqual([10, 21, 20])
  })

  it('never shrinks a fixed column nor any column under its minimum', () => {
    expect(fitWidths([26, 40], 40, [true, false], [0, 12])).toEqual([26, 12])
  })
})

describe('cellText', () => {
  it('shows labels as key=value, nothing as a dash and times to the second', () => {
    expect(cellText({ env: 'prod', role: 'web' })).toBe('env=prod,role=web')
    expect(cellText(null)).toBe('-')
    expect(cellText('2026-12-06T07:09:13.392Z')).toBe('2026-12-06T07:09:13Z')
    expect(cellText(['a', 'b'])).toBe('a, b')
    expect(cellText({ count: 2 })).toBe('{"count":2}')
  })
})

describe('renderTable', () => {
  it('prints a header and one line per row, columns aligned', () => {
    const text = renderTable(
      [
        { id: '01M952YWS02HQEAYSRMJCCY1QW', name: 'Paris DC1' },
        { id: '01M952YWS02HQEAYSRMJCCY1QX', name: 'Lyon' },
      ],
      [
        { header: 'ID', value: (row) => row.id },
        { header: 'NAME', value: (row) => row.name },
      ],
      Number.POSITIVE_INFINITY,
    )
    const lines = text.split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(/^ ID\s+NAME$/)
    expect(lines[1]).toBe(' 01M952YWS02HQEAYSRMJCCY1QW   Paris DC1')
    expect(lines[2]).toBe(' 01M952YWS02HQEAYSRMJCCY1QX   Lyon')
  })

  it('wraps cells to fit a narrow terminal but keeps ids whole', () => {
    const text = renderTable(
      [{ id: '01M952YWS02HQEAYSRMJCCY1QW', description: 'a rather long description of this site' }],
      [
        { header: 'ID', value: (row) => row.id },
        { header: 'DESCRIPTION', value: (row) => row.description },
      ],
      50,
    )
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(50)
    expect(text).toContain('01M952YWS02HQEAYSRMJCCY1QW')
  })
})
