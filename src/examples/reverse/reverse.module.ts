import { Module } from '@nestjs/common';
import { ReverseLogic } from './reverse.logic.js';

/** Example extension module: one OL, nothing else. */
@Module({ providers: [ReverseLogic] })
export class ReverseModule {}
