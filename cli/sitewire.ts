import { reportFailure } from './action'
import { addShellCompletion } from './completion'
import { createProgram } from './program'

/** The `sitewire` command: parses, runs one command, exits with its code. */
const program = createProgram()
addShellCompletion(program)
await program.parseAsync(process.argv).catch((error: unknown) => reportFailure(error))
