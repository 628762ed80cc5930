import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { StepProblem } from './result'

const run = promisify(execFile)

export interface SystemUser {
  name: string
  uid: number
  gid: number
  home: string
}

/** Whether this agent may act as another user: only root can. */
export const isRoot = () => process.getuid?.() === 0

/**
 * A user of this machine, as the system's name service knows it (`getent passwd`, so LDAP
 * or SSSD users too). `why` says what needs the user, for the messages.
 */
export const lookUpUser = async (name: string, why: string): Promise<SystemUser> => {
  if (!isRoot())
    throw new StepProblem(
      'error',
      `${why} needs the agent to run as root; it runs as uid ${process.getuid?.()}`,
    )
  let stdout: string
  try {
    ;({ stdout } = await run('getent', ['passwd', name], { timeout: 10_000 }))
  } catch (error) {
    const { code } = error as { code?: unknown }
    if (code === 2) throw new StepProblem('error', `${why}: there is no user ${name} on this machine`)
    throw new StepProblem('error', `${why}: could not look up user ${name}: ${(error as Error).message}`)
  }
  const [, , uid, gid, , home] = stdout.trim().split(':')
  return { name, uid: Number(uid), gid: Number(gid), home: home ?? '/' }
}
