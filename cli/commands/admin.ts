import type { Command } from 'commander'
import * as v from 'valibot'
import { action, examples } from '../action'

const RebuildResult = v.object({ sites: v.number(), failed: v.array(v.string()) })

export const registerAdmin = (program: Command) => {
  const admin = program
    .command('admin')
    .description('operations on the platform itself')
    .addHelpText('after', examples('sitewire admin rebuild-projections'))
  admin
    .command('rebuild-projections')
    .description('every site replays its log into fresh projection rows; follow with `sitewire sites status`')
    .addHelpText('after', examples('sitewire admin rebuild-projections'))
    .action(
      action(async (session) => {
        const answer = await (await session.api()).json(
          RebuildResult,
          'POST',
          '/v1/admin/projections/rebuild',
        )
        session.printer.item(answer, (row) => String(row.sites))
      }),
    )
}
