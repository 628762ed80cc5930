import { effect, signal } from '@preact/signals'

export type ThemeChoice = 'system' | 'light' | 'dark'
const STORAGE_KEY = 'sitewire-theme'

const stored = localStorage.getItem(STORAGE_KEY)
/** The user's choice; `system` follows prefers-color-scheme. */
export const themeChoice = signal<ThemeChoice>(stored === 'light' || stored === 'dark' ? stored : 'system')

const systemDark = matchMedia('(prefers-color-scheme: dark)')
const systemIsDark = signal(systemDark.matches)
systemDark.addEventListener('change', (event) => {
  systemIsDark.value = event.matches
})

effect(() => {
  const dark = themeChoice.value === 'dark' || (themeChoice.value === 'system' && systemIsDark.value)
  document.documentElement.dataset.theme = dark ? 'dark' : 'light'
  if (themeChoice.value === 'system') localStorage.removeItem(STORAGE_KEY)
  else localStorage.setItem(STORAGE_KEY, themeChoice.value)
})

const NEXT: Record<ThemeChoice, ThemeChoice> = { system: 'light', light: 'dark', dark: 'system' }
export const cycleTheme = () => {
  themeChoice.value = NEXT[themeChoice.value]
}
