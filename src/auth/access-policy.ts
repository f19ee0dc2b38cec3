/**
 * The public API for OL authors to add their own access rules: a provider marked
 * `@AccessPolicyFor('<ol-id glob>')` whose `canUse` runs after the built-in checks (the
 * caller's key allows the OL), for requests and for the `/v1/models` list alike.
 */
import { applyDecorators, Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { CallerIdentity } from '../orchestration/orchestration-logic.js';

export type { CallerIdentity } from '../orchestration/orchestration-logic.js';

/** The model a caller wants to use. */
export interface AccessTarget<P extends object = object> {
  logicId: string;
  urn: string;
  /** The OL's validated URN params (its params DTO, defaults applied). */
  params: P;
}

/** `true` allows; `false` or `{ reason }` denies (403; the reason is shown to the client). */
export type AccessDecision = boolean | { reason: string };

export interface AccessPolicy<P extends object = object> {
  canUse(caller: CallerIdentity, target: AccessTarget<P>): AccessDecision | Promise<AccessDecision>;
}

export interface AccessPolicyOptions {
  /** OL ids (globs such as `files-*`) the policy applies to. */
  ols: string[];
}

export const AccessPolicyMetadata = DiscoveryService.createDecorator<AccessPolicyOptions>();

/**
 * Registers the provider as an access policy for these OLs. Like OLs, only class
 * providers (singletons) of modules the app imports are found.
 */
export function AccessPolicyFor(...ols: string[]): ClassDecorator {
  return applyDecorators(Injectable(), AccessPolicyMetadata({ ols }));
}
