import { AnsiUp } from 'ansi_up'
import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks'
import { useVisibleRange } from '../../ui/use-visible-range'
import type { OutputLine } from './output-lines'

const LINE_HEIGHT = 19
const HEIGHT = 420

/**
 * A run's output: only the lines in view are in the DOM, ANSI colours become classes
 * (ansi_up; the page's CSP allows no inline styles), a search narrows to matching lines, and
 * the view follows new lines while it is scrolled to the bottom.
 */
export const OutputView = (props: {
  lines: readonly OutputLine[]
  version: number
  agentId: string | null
  hostnames: Map<string, string>
}) => {
  const [search, setSearch] = useState('')
  const [follow, setFollow] = useState(true)
  const viewport = useRef<HTMLDivElement>(null)
  const shown = useMemo(() => {
    const needle = search.toLowerCase()
    return props.lines.filter(
      (line) =>
        (!props.agentId || line.agentId === props.agentId) &&
        (!needle || line.text.toLowerCase().includes(needle)),
    )
  }, [props.lines, props.version, props.agentId, search])
  const range = useVisibleRange(shown.length, LINE_HEIGHT, HEIGHT)
  useLayoutEffect(() => {
    if (follow && viewport.current) viewport.current.scrollTop = viewport.current.scrollHeight
  }, [shown.length, follow])
  // ansi_up escapes the text and adds only colour spans, so its HTML is safe to set.
  const ansi = new AnsiUp()
  ansi.use_classes = true
  return (
    <section class="output" aria-label="Output">
      <div class="toolbar">
        <label class="field field-inline">
          <span>Search output</span>
          <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </label>
        <span class="muted" role="status">
          {search ? `${shown.length} matching lines` : `${shown.length} lines`}
        </span>
        <label class="checkbox toolbar-end">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} />
          Follow
        </label>
      </div>
      <div
        class="terminal"
        ref={viewport}
        style={{ height: `${HEIGHT}px` }}
        role="log"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to scroll by keyboard.
        tabIndex={0}
        onScroll={(event) => {
          range.onScroll(event)
          const el = event.currentTarget
          const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < LINE_HEIGHT * 2
          if (atBottom !== follow) setFollow(atBottom)
        }}
      >
        {shown.length === 0 ? (
          <p class="terminal-empty">{search ? 'No line matches.' : 'No output yet.'}</p>
        ) : (
          <div style={{ height: `${shown.length * LINE_HEIGHT}px`, position: 'relative' }}>
            <div style={{ transform: `translateY(${range.first * LINE_HEIGHT}px)` }}>
              {shown.slice(range.first, range.last).map((line, i) => (
                <div key={range.first + i} class={`line line-${line.stream}`}>
                  {!props.agentId && (
                    <span class="line-host">
                      {props.hostnames.get(line.agentId) ?? line.agentId.slice(-6)}
                    </span>
                  )}
                  <span
                    class="line-text"
                    dangerouslySetInnerHTML={{ __html: ansi.ansi_to_html(line.text) }}
                  />
                </div>
              ))}
            </div>
          </div>
        )}
      </div>
    </section>
  )
}
