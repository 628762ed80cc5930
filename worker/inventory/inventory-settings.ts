import type { OptionLists } from '../../schema/api/inventory'
import type { CustomFieldDefinition } from '../../schema/inventory/custom-fields'
import type { StalenessSettings } from '../../schema/inventory/discovery'
import type { EntityKind } from '../../schema/inventory/kinds'
import { OPTION_LISTS, type OptionListName } from '../../schema/inventory/option-lists'
import type { Reply } from '../lib/idempotency'
import type { SiteKernel } from '../site/feature'
import type { InventoryBook } from './inventory-book'
import type { InventoryWrite, InventoryWriter } from './inventory-write'

/**
 * The inventory's site-wide settings: custom fields, option lists and discovery settings. The
 * site's admins configure them (the routes ask for the role).
 */
export class InventorySettings {
  constructor(
    private readonly kernel: SiteKernel,
    private readonly book: InventoryBook,
    private readonly writer: InventoryWriter,
  ) {}

  defineField(field: CustomFieldDefinition, write: InventoryWrite): Reply<CustomFieldDefinition> {
    const site = this.kernel.scope.active()
    return this.writer.decide(write, site.id, { type: 'define_field', field }, 200, () => field)
  }

  removeField(kind: EntityKind, name: string, write: InventoryWrite): Reply<CustomFieldDefinition> {
    const site = this.kernel.scope.active()
    const before = this.book.customFields(kind).find((field) => field.name === name)
    return this.writer.decide(write, site.id, { type: 'remove_field', kind, name }, 200, () => {
      if (!before) throw new Error('a removed custom field was not there')
      return before
    })
  }

  fields(): Reply<{ items: CustomFieldDefinition[] }> {
    this.kernel.scope.present()
    return { status: 200, body: { items: this.book.allCustomFields() } }
  }

  setOptions(list: OptionListName, values: string[], write: InventoryWrite): Reply<OptionLists> {
    const site = this.kernel.scope.active()
    return this.writer.decide(write, site.id, { type: 'set_options', list, values }, 200, () =>
      this.optionLists(),
    )
  }

  options(): Reply<OptionLists> {
    this.kernel.scope.present()
    return { status: 200, body: this.optionLists() }
  }

  setDiscoverySettings(settings: StalenessSettings, write: InventoryWrite): Reply<StalenessSettings> {
    const site = this.kernel.scope.active()
    return this.writer.decide(write, site.id, { type: 'set_discovery_settings', settings }, 200, () =>
      this.book.stalenessSettings(),
    )
  }

  discoverySettings(): Reply<StalenessSettings> {
    this.kernel.scope.present()
    return { status: 200, body: this.book.stalenessSettings() }
  }

  private optionLists(): OptionLists {
    return Object.fromEntries(OPTION_LISTS.map((list) => [list, this.book.options(list)])) as OptionLists
  }
}
