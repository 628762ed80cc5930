import { createColors } from 'picocolors'

/**
 * Colours only for a person at a terminal: not when output goes to a pipe or a file, nor under
 * `NO_COLOR`; `FORCE_COLOR` asks for them anyway. (picocolors alone also colours whenever `CI`
 * is set, which would put escape codes into output that scripts read.)
 */
export const pc = createColors(
  !('NO_COLOR' in process.env) && ('FORCE_COLOR' in process.env || process.stdout.isTTY === true),
)
