// The display time zone: UTC by default, any IANA zone the browser knows.
import type { JSX } from 'preact';
import { setZone, zone } from '../time.js';

const ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];

export function ZonePicker(): JSX.Element {
  return (
    <select class="zone" aria-label="time zone" value={zone.value} onChange={(e) => setZone((e.target as HTMLSelectElement).value)}>
      {ZONES.map((z) => <option key={z} value={z}>{z}</option>)}
    </select>
  );
}
