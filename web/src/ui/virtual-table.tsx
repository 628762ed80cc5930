import type { ComponentChildren } from 'preact'
import { useVisibleRange } from './use-visible-range'

/**
 * A table that renders only the rows in view (fixed row height) between two spacer rows, so
 * 10,000 agents cost the DOM a few dozen rows. `row` returns one `<tr>` of that height.
 */
export const VirtualTable = <T,>(props: {
  items: readonly T[]
  rowHeight: number
  /** Height of the scrolling viewport in pixels. */
  height: number
  label: string
  head: ComponentChildren
  row: (item: T, index: number) => ComponentChildren
  class?: string
}) => {
  const { items, rowHeight, height } = props
  const { first, last, onScroll } = useVisibleRange(items.length, rowHeight, height)
  return (
    <div
      class={`vtable-viewport ${props.class ?? ''}`}
      style={{ height: `${height}px` }}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to scroll by keyboard.
      tabIndex={0}
      onScroll={onScroll}
    >
      <table class="table vtable">
        <caption class="visually-hidden">{props.label}</caption>
        <thead>{props.head}</thead>
        <tbody>
          {first > 0 && <tr class="spacer" style={{ height: `${first * rowHeight}px` }} />}
          {items.slice(first, last).map((item, i) => props.row(item, first + i))}
          {last < items.length && (
            <tr class="spacer" style={{ height: `${(items.length - last) * rowHeight}px` }} />
          )}
        </tbody>
      </table>
    </div>
  )
}
