import { Controller, Get, Param, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ModelAccess } from '../auth/model-access.service.js';
import { getCaller } from '../common/request-caller.js';
import { ModelRouter } from '../router/model-router.service.js';
import { ProtocolError, ProtocolErrorCode } from './protocol.error.js';

interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** Every OL the caller may use appears as OpenAI model objects whose ids are its URNs. */
@Controller('v1/models')
export class ModelsController {
  /** OLs are installed at boot: that is when they were "created". */
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(
    private readonly router: ModelRouter,
    private readonly access: ModelAccess,
  ) {}

  @Get()
  async list(@Req() req: Request): Promise<{ object: 'list'; data: ModelObject[] }> {
    const models = await this.access.visible(getCaller(req), this.router.list());
    return { object: 'list', data: models.map((m) => this.toObject(m.id, m.ownedBy)) };
  }

  /** `*id`: URN params may hold unencoded slashes (`workspace=/srv/docs`). */
  @Get('*id')
  async retrieve(@Param('id') id: string | string[], @Req() req: Request): Promise<ModelObject> {
    const urn = Array.isArray(id) ? id.join('/') : id;
    const listed = this.router.list().filter((m) => m.id === urn);
    // A model the caller may not use is answered as one that does not exist.
    const [found] = await this.access.visible(getCaller(req), listed);
    if (!found) {
      throw new ProtocolError(
        ProtocolErrorCode.MODEL_NOT_FOUND,
        `The model '${urn}' does not exist (see GET /v1/models)`,
        'model',
      );
    }
    return this.toObject(found.id, found.ownedBy);
  }

  private toObject(id: string, ownedBy: string): ModelObject {
    return { id, object: 'model', created: this.created, owned_by: ownedBy };
  }
}
