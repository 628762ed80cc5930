import { createHash } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Command } from 'commander'
import { SiteFile, UploadFileQuery } from '../../schema/api/files'
import { action, examples } from '../action'
import { CliError, parseInput } from '../errors'
import { inSite, pagedList } from '../paged-list'
import type { Column } from '../table'

const columns: Column<SiteFile>[] = [
  { header: 'ID', value: (file) => file.id },
  { header: 'NAME', value: (file) => file.name },
  { header: 'BYTES', value: (file) => file.bytes },
  { header: 'SHA-256', value: (file) => file.sha256.slice(0, 16) },
  { header: 'CREATED', value: (file) => file.created_at },
]

export const registerFiles = (program: Command) => {
  const files = program
    .command('files')
    .alias('file')
    .description("a site's files, which push steps write on agents")
    .addHelpText(
      'after',
      examples(
        'sitewire files push ./nginx.conf',
        'sitewire files pull 01J… -o nginx.conf',
        'sitewire files list',
      ),
    )

  pagedList(
    files.command('list').alias('ls').description("the site's files"),
    SiteFile,
    inSite('/files'),
    columns,
  )

  files
    .command('show')
    .description('a file’s name, size and SHA-256')
    .argument('<file>')
    .action(
      action(async (session, [id]) => {
        session.printer.item(
          await (await session.api()).get(SiteFile, await session.sitePath(`/files/${id}`)),
          (row) => row.id,
        )
      }),
    )

  files
    .command('push')
    .description('upload a file to the site; the platform computes its SHA-256')
    .argument('<path>')
    .option('--name <name>', 'its name in the site (default: the file’s own)')
    .action(
      action<{ name?: string }>(async (session, [path = ''], options) => {
        const query = parseInput(UploadFileQuery, { name: options.name ?? basename(path) }, 'file name')
        const bytes = await readFile(path).catch((error: Error) => {
          throw new CliError(`cannot read ${path}: ${error.message}`)
        })
        const file = await (await session.api()).json(SiteFile, 'POST', await session.sitePath('/files'), {
          query,
          body: bytes,
          headers: { 'content-type': 'application/octet-stream' },
        })
        const local = createHash('sha256').update(bytes).digest('hex')
        if (file.sha256 !== local)
          throw new CliError(`the platform stored SHA-256 ${file.sha256}, not ${local}`)
        session.printer.item(file, (row) => row.id)
      }),
    )

  files
    .command('pull')
    .description('download a file’s bytes, checking its SHA-256')
    .argument('<file>')
    .option('-o, --output <path>', 'where to write it (default: its name)')
    .action(
      action<{ output?: string }>(async (session, [id], options) => {
        const api = await session.api()
        const file = await api.get(SiteFile, await session.sitePath(`/files/${id}`))
        const response = await api.send('GET', await session.sitePath(`/files/${id}/content`))
        const bytes = Buffer.from(await response.arrayBuffer())
        const sha256 = createHash('sha256').update(bytes).digest('hex')
        if (sha256 !== file.sha256)
          throw new CliError(`downloaded bytes have SHA-256 ${sha256}, not ${file.sha256}`)
        const path = options.output ?? basename(file.name)
        await writeFile(path, bytes)
        session.printer.note(`wrote ${bytes.length} bytes to ${path}`)
      }),
    )

  files
    .command('delete')
    .alias('rm')
    .description('delete a file')
    .argument('<file>')
    .action(
      action(async (session, [id]) => {
        const file = await (await session.api()).json(
          SiteFile,
          'DELETE',
          await session.sitePath(`/files/${id}`),
        )
        session.printer.item(file, (row) => row.id)
      }),
    )
}
