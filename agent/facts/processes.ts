import { readdir, readFile, readlink } from 'node:fs/promises'

export interface ProcessInfo {
  pid: number
  /** The kernel's name for it (`/proc/<pid>/comm`): the executable's name, at most 15 characters. */
  comm: string
  /** Inodes of the sockets it holds open. */
  sockets: number[]
}

const SOCKET_LINK = /^socket:\[(\d+)\]$/

const socketInodes = async (pid: string): Promise<number[]> => {
  let fds: string[]
  try {
    fds = await readdir(`/proc/${pid}/fd`)
  } catch {
    // Another user's process, without the right to look: its sockets stay unattributed.
    return []
  }
  const links = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')))
  return links.flatMap((link) => {
    const match = SOCKET_LINK.exec(link)
    return match?.[1] ? [Number(match[1])] : []
  })
}

/** The machine's processes, from /proc; one that ends while it is read is left out. */
export const scanProcesses = async (): Promise<ProcessInfo[]> => {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name))
  const found = await Promise.all(
    pids.map(async (pid) => {
      try {
        const comm = (await readFile(`/proc/${pid}/comm`, 'utf8')).trim()
        return { pid: Number(pid), comm, sockets: await socketInodes(pid) }
      } catch {
        return undefined
      }
    }),
  )
  return found.filter((process) => process !== undefined)
}
