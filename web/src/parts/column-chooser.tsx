// The column chooser: every field of the table as a checkbox, the chosen ones in their order (new ones last);
// the choice goes to the URL (`fields`).
import type { JSX } from 'preact';
import type { FieldInfo } from '../schemas.js';

export function ColumnChooser({ fields, chosen, onChange }: { fields: FieldInfo[]; chosen: string[]; onChange: (next: string[] | null) => void }): JSX.Element {
  const flip = (name: string): void => onChange(chosen.includes(name) ? chosen.filter((f) => f !== name) : [...chosen, name]);
  return (
    <details class="columns" data-testid="columns">
      <summary class="button ghost">Columns ({chosen.length})</summary>
      <div class="menu">
        <button type="button" class="ghost tiny" onClick={() => onChange(null)}>defaults</button>
        {fields.map((f) => (
          <label key={f.name} title={f.doc}>
            <input type="checkbox" name={f.name} checked={chosen.includes(f.name)} onChange={() => flip(f.name)} /> {f.name}
          </label>
        ))}
      </div>
    </details>
  );
}
