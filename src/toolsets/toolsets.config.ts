import { ValidateBy } from 'class-validator';
import { defineConfigSection } from '../configuration/config-section.js';

const TOOLSET_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * `toolsets: { files: [read_file, list_files], math: [calculator] }`: named groups of tool
 * names (an MCP server's tools as `<server>.<tool>`, or all of them as `<server>.*`), a
 * shorthand for OLs and URNs. Tool names are checked against the registry at boot.
 */
export class ToolsetsConfig {
  /** The toolsets by name. */
  @ValidateBy({
    name: 'isToolsetMap',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'object' &&
        value !== null &&
        Object.entries(value).every(
          ([name, tools]) =>
            TOOLSET_NAME.test(name) &&
            Array.isArray(tools) &&
            tools.length > 0 &&
            tools.every((tool) => typeof tool === 'string' && tool.length > 0),
        ),
      defaultMessage: () =>
        'toolset names (letters, digits, "_", "-") mapped to non-empty lists of tool names',
    },
  })
  sets: Record<string, string[]> = {};

  /**
   * The section is a free-form mapping, while config sections are classes with declared
   * keys: every key class-transformer assigns while building the instance is gathered
   * into `sets`, so validation sees one declared property.
   */
  constructor() {
    return new Proxy(this, {
      set: (target, key, value: unknown) => {
        // `sets` itself comes back as its default object; a toolset may be named `sets` too.
        if (key === 'sets' && !Array.isArray(value))
          target.sets = value as Record<string, string[]>;
        else target.sets[String(key)] = value as string[];
        return true;
      },
    });
  }
}

export const toolsetsConfig = defineConfigSection('toolsets', ToolsetsConfig);
