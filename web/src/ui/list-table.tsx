import type { ComponentChildren } from 'preact'
import { Loading } from './feedback'
import { VirtualTable } from './virtual-table'

/** A column of a list: its heading and what a row shows in it. */
export interface ListColumn<T> {
  header: string
  cell: (item: T) => ComponentChildren
  /** A class for the column's cells (`mono`, `muted`). */
  class?: string
}

/**
 * A list of items as a table named by its caption: "Loading …" until `items` arrive, `empty`
 * when there are none (when given), else a row per item, with a last column of `actions`
 * (buttons on the item) when given. `virtual` renders only the rows in view, for long lists.
 */
export const ListTable = <T,>(props: {
  /** The table's accessible name. */
  label: string
  /** The items; undefined while they load. */
  items: readonly T[] | undefined
  /** What is loading, for "Loading …". */
  loading: string
  /** Shown instead of the table when there are no items; without it the table shows no rows. */
  empty?: ComponentChildren
  columns: readonly ListColumn<T>[]
  actions?: (item: T) => ComponentChildren
  /** Each row's key; an item's `id` unless given. */
  rowKey?: (item: T) => string | number
  rowClass?: (item: T) => string | undefined
  /** Rows of a fixed height in a viewport at most `maxHeight` pixels high. */
  virtual?: { rowHeight: number; maxHeight: number }
  class?: string
}) => {
  const { items, columns, actions, virtual } = props
  if (!items) return <Loading what={props.loading} />
  if (items.length === 0 && props.empty !== undefined) return <>{props.empty}</>
  const key = props.rowKey ?? ((item: T) => (item as { id: string }).id)
  const head = (
    <tr>
      {columns.map((column) => (
        <th key={column.header}>{column.header}</th>
      ))}
      {actions && (
        <th>
          <span class="visually-hidden">Actions</span>
        </th>
      )}
    </tr>
  )
  const row = (item: T) => (
    <tr key={key(item)} class={props.rowClass?.(item)}>
      {columns.map((column) => (
        <td key={column.header} class={column.class}>
          {column.cell(item)}
        </td>
      ))}
      {actions && <td class="row-actions">{actions(item)}</td>}
    </tr>
  )
  if (virtual)
    return (
      <VirtualTable
        items={items}
        rowHeight={virtual.rowHeight}
        height={Math.min((items.length + 1) * virtual.rowHeight, virtual.maxHeight)}
        label={props.label}
        class={props.class}
        head={head}
        row={row}
      />
    )
  return (
    <table class={props.class ? `table ${props.class}` : 'table'}>
      <caption class="visually-hidden">{props.label}</caption>
      <thead>{head}</thead>
      <tbody>{items.map(row)}</tbody>
    </table>
  )
}
