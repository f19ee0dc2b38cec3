import { IsString } from 'class-validator';
import { defineConfigSection } from '../configuration/config-section.js';

export class TemplatesConfig {
  /**
   * The operator's templates (relative to the working directory). They come before the
   * folders OLs register, so a file here overrides an OL's template of the same name.
   */
  @IsString()
  dir: string = 'config/templates';
}

export const templatesConfig = defineConfigSection('templates', TemplatesConfig);
