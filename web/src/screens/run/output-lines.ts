/** One line of a step's output, tagged with where it came from. */
export interface OutputLine {
  agentId: string
  step: number
  at: string
  stream: string
  text: string
}

/**
 * A run's output, appended to in place (50,000 lines are not copied per chunk) and read
 * through `version`, which changes whenever lines arrive.
 */
export class OutputBuffer {
  readonly lines: OutputLine[] = []
  version = 0

  append(lines: OutputLine[]) {
    for (const line of lines) this.lines.push(line)
    this.version++
  }

  replace(lines: OutputLine[]) {
    this.lines.length = 0
    this.append(lines)
  }
}
