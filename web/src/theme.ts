// Light or dark: the system's (prefers-color-scheme, followed as it changes) until the user picks one with the
// header's toggle, which is remembered per browser. Charts and the graph read the colours from the CSS custom
// properties and draw again when the theme changes (they depend on this signal).
import { signal } from '@preact/signals';

const KEY = 'haystack.theme';
const system = window.matchMedia('(prefers-color-scheme: dark)');
const saved = (): 'light' | 'dark' | null => {
  const v = localStorage.getItem(KEY);
  return v === 'dark' || v === 'light' ? v : null;
};

export const theme = signal<'light' | 'dark'>(saved() ?? (system.matches ? 'dark' : 'light'));

/** Sets the theme on the document at once, so that colours read in the same frame are the new ones. */
function apply(): void {
  document.documentElement.dataset.theme = theme.value;
}
apply();

system.addEventListener('change', () => {
  if (saved() !== null) return;
  theme.value = system.matches ? 'dark' : 'light';
  apply();
});

export function toggleTheme(): void {
  theme.value = theme.value === 'dark' ? 'light' : 'dark';
  localStorage.setItem(KEY, theme.value);
  apply();
}
