/** Exit codes a supervisor can act on: systemd's RestartPreventExitStatus=3 stops retrying a refused agent. */
export const EXIT_FAILURE = 1
export const EXIT_REFUSED = 3
/** A supervised agent swapped in a new build: its supervisor starts it again (EX_TEMPFAIL). */
export const EXIT_UPGRADED = 75

/** A failure with a message meant for the operator, and the exit code the CLI ends with. */
export class AgentError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message)
    this.name = 'AgentError'
  }
}
