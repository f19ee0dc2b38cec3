import {
  defineConfigMapSection,
  type ConfigValueFault,
  type ConfigValueSchema,
} from '../configuration/config-section.js';

/** The tool names of one toolset: a non-empty list of non-empty strings. */
const toolNames: ConfigValueSchema<string[]> = {
  validate(value) {
    if (!Array.isArray(value) || value.length === 0) {
      return { faults: [{ at: '', expected: 'a non-empty list of tool names', found: value }] };
    }
    const faults: ConfigValueFault[] = [];
    value.forEach((name: unknown, i) => {
      if (typeof name !== 'string' || name === '')
        faults.push({ at: `[${i}]`, expected: 'a tool name', found: name });
    });
    return faults.length ? { faults } : { value: value as string[] };
  },
};

/**
 * `toolsets: { files: [read_file, list_files], math: [calculator] }`: named groups of tool
 * names (an MCP server's tools as `<server>.<tool>`, or all of them as `<server>.*`), a
 * shorthand for OLs and URNs. Tool names are checked against the registry at boot.
 */
export const toolsetsConfig = defineConfigMapSection('toolsets', toolNames, {
  pattern: /^[a-zA-Z0-9_-]{1,64}$/,
  expected: 'letters, digits, "_" or "-" (at most 64)',
});

/** The toolsets by name (an object without prototype). */
export type ToolsetsConfig = Readonly<Record<string, readonly string[]>>;
