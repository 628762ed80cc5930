/** Whether any process of the group is left (a zombie counts until its parent reaps it). */
const groupExists = (pgid: number) => {
  try {
    process.kill(-pgid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const signalGroup = (pgid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pgid, signal)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

const POLL_MS = 50

/**
 * Ends a whole process group, which a step's process leads: SIGTERM to every member, so each
 * may clean up, then SIGKILL to what is left after `graceMs`. Settles once the group is gone
 * or SIGKILL was sent. Children the step started die with it, not just the shell.
 */
export const stopGroup = (pgid: number, graceMs: number): Promise<void> =>
  new Promise((resolve) => {
    signalGroup(pgid, 'SIGTERM')
    const deadline = Date.now() + graceMs
    const check = () => {
      if (!groupExists(pgid)) return resolve()
      if (Date.now() >= deadline) {
        signalGroup(pgid, 'SIGKILL')
        return resolve()
      }
      setTimeout(check, Math.min(POLL_MS, Math.max(0, deadline - Date.now())))
    }
    check()
  })
