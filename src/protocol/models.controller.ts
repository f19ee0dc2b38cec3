import { Controller, Get, Param } from '@nestjs/common';
import { ModelRouter } from '../router/model-router.service.js';
import { ProtocolError, ProtocolErrorCode } from './protocol.error.js';

interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** Every OL appears as OpenAI model objects whose ids are its URNs. */
@Controller('v1/models')
export class ModelsController {
  /** OLs are installed at boot: that is when they were "created". */
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(private readonly router: ModelRouter) {}

  @Get()
  list(): { object: 'list'; data: ModelObject[] } {
    return { object: 'list', data: this.router.list().map((m) => this.toObject(m.id, m.ownedBy)) };
  }

  /** `*id`: URN params may hold unencoded slashes (`workspace=/srv/docs`). */
  @Get('*id')
  retrieve(@Param('id') id: string | string[]): ModelObject {
    const urn = Array.isArray(id) ? id.join('/') : id;
    const found = this.router.list().find((m) => m.id === urn);
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
