import { useRef, useState } from 'preact/hooks'

export interface KeyedList<T> {
  items: { key: number; value: T }[]
  values: T[]
  set: (index: number, value: T) => void
  add: (value: T) => void
  remove: (index: number) => void
  move: (index: number, by: -1 | 1) => void
}

/**
 * An edited list whose rows keep a stable key through removals and moves, so each row's
 * own field state (text as typed) stays with its row.
 */
export const useKeyedList = <T>(initial: T[]): KeyedList<T> => {
  const next = useRef(initial.length)
  const [items, setItems] = useState(() => initial.map((value, key) => ({ key, value })))
  return {
    items,
    values: items.map((item) => item.value),
    set: (index, value) => setItems(items.map((item, i) => (i === index ? { ...item, value } : item))),
    add: (value) => setItems([...items, { key: next.current++, value }]),
    remove: (index) => setItems(items.filter((_, i) => i !== index)),
    move: (index, by) => {
      const moved = [...items]
      const [item] = moved.splice(index, 1)
      if (item) moved.splice(index + by, 0, item)
      setItems(moved)
    },
  }
}
