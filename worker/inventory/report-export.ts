import { PDFDocument, StandardFonts } from 'pdf-lib'
import type { ReportRow } from './entity-report'

/** A value as one cell of text: lists and objects as JSON, nothing as empty. */
export const cellText = (value: unknown): string => {
  if (value === null || value === undefined) return ''
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled. */
const csvField = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text)

export const csvLine = (values: readonly string[]) => `${values.map(csvField).join(',')}\r\n`

/**
 * A report as CSV, streamed: the header, then each page of rows as `page` reads them, until one
 * comes back short. The next page is asked for before this one is written out, so the read and
 * the formatting overlap; memory holds two pages at most.
 */
export const csvStream = (
  columns: readonly string[],
  page: (limit: number) => Promise<ReportRow[]>,
  pageSize = 5000,
): ReadableStream<Uint8Array> => {
  const encoder = new TextEncoder()
  let next: Promise<ReportRow[]> | undefined
  return new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode(csvLine(columns)))
      next = page(pageSize)
    },
    async pull(controller) {
      if (!next) return
      const rows = await next
      next = rows.length < pageSize ? undefined : page(pageSize)
      const text = rows.map((row) => csvLine(columns.map((column) => cellText(row[column])))).join('')
      if (text) controller.enqueue(encoder.encode(text))
      if (!next) controller.close()
    },
    cancel() {
      // A reader that went away leaves the page asked for ahead unread; its failure is no one's.
      next?.catch(() => undefined)
    },
  })
}

const PAGE = { width: 842, height: 595, margin: 36 }
const FONT_SIZE = 8
const LINE = 11

/** Text the standard PDF fonts can draw (WinAnsi); anything else becomes `?`. */
const printable = (text: string) => text.replace(/[^\x20-\x7e\xa0-\xff]/g, '?')

/** A report as a PDF: a title, then a table with a header on every page (A4 landscape). */
export const reportPdf = async (title: string, columns: readonly string[], rows: readonly ReportRow[]) => {
  const pdf = await PDFDocument.create()
  pdf.setTitle(title)
  pdf.setCreator('Sitewire')
  const font = await pdf.embedFont(StandardFonts.Helvetica)
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold)
  const width = (PAGE.width - 2 * PAGE.margin) / Math.max(columns.length, 1)
  const clipped = (text: string, using = font) => {
    let shown = printable(text)
    while (shown.length > 1 && using.widthOfTextAtSize(shown, FONT_SIZE) > width - 4)
      shown = shown.slice(0, -1)
    return shown
  }
  let page = pdf.addPage([PAGE.width, PAGE.height])
  let y = PAGE.height - PAGE.margin
  page.drawText(printable(title), { x: PAGE.margin, y, size: 12, font: bold })
  y -= 2 * LINE
  const header = () => {
    columns.forEach((column, i) => {
      page.drawText(clipped(column, bold), { x: PAGE.margin + i * width, y, size: FONT_SIZE, font: bold })
    })
    y -= LINE
  }
  header()
  for (const row of rows) {
    if (y < PAGE.margin) {
      page = pdf.addPage([PAGE.width, PAGE.height])
      y = PAGE.height - PAGE.margin
      header()
    }
    columns.forEach((column, i) => {
      page.drawText(clipped(cellText(row[column])), { x: PAGE.margin + i * width, y, size: FONT_SIZE, font })
    })
    y -= LINE
  }
  return pdf.save()
}
