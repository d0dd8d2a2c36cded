// Rule variables from a configuration file: Snort's snort.conf (`ipvar NAME VALUE`, `portvar NAME VALUE`,
// `var NAME VALUE`; every other line is the rest of Snort's configuration and is skipped) or Suricata's
// suricata.yaml (`vars:` with `address-groups:` and `port-groups:` maps; the rest of the YAML is skipped).
// Values are checked where rules use them (an address or port list that does not parse fails the rule).

export interface VarsFile {
  vars: Record<string, string>;
  /** lines of the variable sections that are not a variable, with file and line */
  errors: { file: string; line: number; message: string }[];
}

const NAME = /^[A-Za-z_]\w*$/;

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")))) return t.slice(1, -1);
  return t;
}

/** Parses snort.conf-style or suricata.yaml-style variable definitions. */
export function parseVarsFile(text: string, file: string): VarsFile {
  const out: VarsFile = { vars: {}, errors: [] };
  const lines = text.split(/\r?\n/);
  const yaml = lines.some((l) => /^vars:\s*(#.*)?$/.test(l));
  if (!yaml) {
    lines.forEach((raw, i) => {
      const t = raw.trim();
      if (!/^(ipvar|portvar|var)(\s|$)/.test(t)) return;
      const m = /^\w+\s+(\S+)\s+(.+)$/.exec(t);
      if (m === null || !NAME.test(m[1]!)) out.errors.push({ file, line: i + 1, message: `a variable is "ipvar|portvar|var NAME VALUE": ${t.slice(0, 80)}` });
      else out.vars[m[1]!] = m[2]!.trim();
    });
    return out;
  }
  // YAML: the maps two levels under the top-level "vars:" key (address-groups, port-groups)
  let inVars = false;
  let groupIndent = -1;
  let inGroup = false;
  lines.forEach((raw, i) => {
    if (/^\s*(#.*)?$/.test(raw)) return;
    const indent = raw.length - raw.trimStart().length;
    const t = raw.trim();
    if (indent === 0) {
      inVars = /^vars:\s*(#.*)?$/.test(t);
      inGroup = false;
      return;
    }
    if (!inVars) return;
    if (!inGroup || indent <= groupIndent) {
      inGroup = /^(address-groups|port-groups):\s*(#.*)?$/.test(t);
      groupIndent = indent;
      return;
    }
    const m = /^([A-Za-z_]\w*)\s*:\s*(.*?)\s*(?:\s#.*)?$/.exec(t);
    if (m === null || m[2] === '') out.errors.push({ file, line: i + 1, message: `a variable is "NAME: VALUE": ${t.slice(0, 80)}` });
    else out.vars[m[1]!] = unquote(m[2]!);
  });
  return out;
}
