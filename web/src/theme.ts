// Light or dark, remembered per browser; the first choice follows the system's.
import { signal } from '@preact/signals';

const saved = localStorage.getItem('haystack.theme');
export const theme = signal<'light' | 'dark'>(saved === 'dark' || saved === 'light' ? saved : window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');

export function toggleTheme(): void {
  theme.value = theme.value === 'dark' ? 'light' : 'dark';
  localStorage.setItem('haystack.theme', theme.value);
}
