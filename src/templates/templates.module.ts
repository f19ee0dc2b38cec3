import { Module } from '@nestjs/common';
import { templatesConfig } from './templates.config.js';
import { TemplatesService } from './templates.service.js';

/** Prompt templates on nunjucks (C11). */
@Module({
  providers: [templatesConfig.provider(), TemplatesService],
  exports: [TemplatesService],
})
export class TemplatesModule {}
