import { useState } from 'preact/hooks'

/** Rows drawn above and below the visible ones, so fast scrolling shows no blank gap. */
const OVERSCAN = 8

/** Which rows of a fixed-height list a viewport of `height` pixels shows at its scroll position. */
export const useVisibleRange = (count: number, rowHeight: number, height: number) => {
  const [scrollTop, setScrollTop] = useState(0)
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN)
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN)
  return {
    first,
    last,
    onScroll: (event: { currentTarget: HTMLElement }) => setScrollTop(event.currentTarget.scrollTop),
  }
}
