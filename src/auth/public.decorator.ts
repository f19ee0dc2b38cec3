import { Reflector } from '@nestjs/core';

/** Marks a route or controller as served without an API key (and without rate limits). */
export const Public = Reflector.createDecorator<boolean>({ transform: () => true });
